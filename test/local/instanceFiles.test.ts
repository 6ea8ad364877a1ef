/**
 * The Durable stand-in's instance files: every save resolves only once its snapshot (or a newer one
 * of the same instance) is on disk, saves made while a write is under way are folded into one write
 * of the newest, and a failed write fails exactly the saves it carried.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INSTANCE_FORMAT_VERSION, InstanceRecord } from '../../src/local/durableInstance';
import { replaceFileDurably } from '../../src/local/durableFile';
import { InstanceFiles, ReplaceFile } from '../../src/local/instanceFiles';

function record(instanceId: string, step: number): InstanceRecord {
  return {
    formatVersion: INSTANCE_FORMAT_VERSION,
    instanceId,
    executionId: 'e1',
    name: 'airlockLifecycle',
    input: { step },
    history: [],
    runtimeStatus: 'Running',
    output: null,
    customStatus: null,
    createdTime: '2026-12-07T00:00:00.000Z',
    lastUpdatedTime: '2026-12-07T00:00:00.000Z',
    nextTaskId: step,
    handledActionCount: 0,
    inbox: [],
    pendingTimers: [],
    pendingActivities: [],
  };
}

describe('instance files', () => {
  let directory: string;
  beforeEach(() => (directory = mkdtempSync(join(tmpdir(), 'airlock-instance-files-'))));
  afterEach(() => rmSync(directory, { recursive: true, force: true }));

  /** A real durable replace that records what it wrote, and can be made to fail. */
  function recordingReplace(failWhen: (content: string) => boolean = () => false) {
    const written: number[] = [];
    const replace: ReplaceFile = async (file, temporary, content) => {
      const step = (JSON.parse(content) as InstanceRecord).nextTaskId;
      if (failWhen(content)) throw new Error(`disk full writing step ${step}`);
      await replaceFileDurably(file, temporary, content);
      written.push(step);
    };
    return { written, replace };
  }

  const stepsOnDisk = async (files: InstanceFiles) =>
    Object.fromEntries((await files.loadAll(() => undefined)).map((loaded) => [loaded.instanceId, loaded.nextTaskId]));

  test('thirty saves at once: each resolves, the newest is on disk, and it took two writes', async () => {
    const { written, replace } = recordingReplace();
    const files = new InstanceFiles(directory, replace);
    await Promise.all(Array.from({ length: 30 }, (_, step) => files.save(record('i1', step + 1))));
    expect(await stepsOnDisk(files)).toEqual({ i1: 30 });
    expect(written).toEqual([1, 30]);
  });

  test('a save that waited resolves only once a snapshot at least as new as its own is on disk', async () => {
    const { written, replace } = recordingReplace();
    const files = new InstanceFiles(directory, replace);
    void files.save(record('i1', 1));
    await files.save(record('i1', 2));
    expect(written).toEqual([1, 2]);
    await files.save(record('i1', 3));
    expect(written).toEqual([1, 2, 3]);
  });

  test('instances are written independently, and flush waits for all of them', async () => {
    const { written, replace } = recordingReplace();
    const files = new InstanceFiles(directory, replace);
    for (let step = 1; step <= 3; step++) {
      void files.save(record('a', step));
      void files.save(record('b', step * 10));
    }
    await files.flush();
    expect(await stepsOnDisk(files)).toEqual({ a: 3, b: 30 });
    expect(written.sort((x, y) => x - y)).toEqual([1, 3, 10, 30]);
  });

  test('a failed write fails the saves it carried; the next write still happens', async () => {
    const { written, replace } = recordingReplace((content) => (JSON.parse(content) as InstanceRecord).nextTaskId === 1);
    const files = new InstanceFiles(directory, replace);
    const first = files.save(record('i1', 1));
    const second = files.save(record('i1', 2));
    await expect(first).rejects.toThrow('disk full writing step 1');
    await expect(second).resolves.toBeUndefined();
    expect(written).toEqual([2]);
    expect(await stepsOnDisk(files)).toEqual({ i1: 2 });

    const failing = recordingReplace((content) => (JSON.parse(content) as InstanceRecord).nextTaskId === 4);
    const other = new InstanceFiles(directory, failing.replace);
    const third = other.save(record('i1', 3));
    const fourth = other.save(record('i1', 4));
    const alsoFourth = other.save(record('i1', 4));
    await expect(third).resolves.toBeUndefined();
    await expect(fourth).rejects.toThrow('disk full writing step 4');
    await expect(alsoFourth).rejects.toThrow('disk full writing step 4');
    expect(await stepsOnDisk(other)).toEqual({ i1: 3 });
  });
});
