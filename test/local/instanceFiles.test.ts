/**
 * The Durable stand-in's instance store: every save resolves only once its snapshot is on disk,
 * saves made while an append is under way go out together in one, a failed append fails exactly the
 * saves it carried, and whatever was acknowledged is what a start after a crash loads, also while the
 * journal is being filed away into the instance files.
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appendDurably, replaceFileDurably } from '../../src/local/durableFile';
import { INSTANCE_FORMAT_VERSION, InstanceRecord } from '../../src/local/durableInstance';
import { AppendFile, InstanceFiles, InstanceFilesOptions, ReplaceFile } from '../../src/local/instanceFiles';

function record(instanceId: string, step: number): InstanceRecord {
  return {
    formatVersion: INSTANCE_FORMAT_VERSION,
    instanceId,
    executionId: 'e1',
    name: 'airlockLifecycle',
    input: { step, padding: 'x'.repeat(200) },
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

const directories: string[] = [];
function newDirectory(): string {
  const directory = mkdtempSync(join(tmpdir(), 'airlock-instance-files-'));
  directories.push(directory);
  return directory;
}
afterAll(() => directories.forEach((directory) => rmSync(directory, { recursive: true, force: true })));

/** A store over `directory`, started as the backend starts it (its first load done), ready to save. */
async function started(directory: string, options: InstanceFilesOptions = {}): Promise<InstanceFiles> {
  const files = new InstanceFiles(directory, options);
  await files.loadAll(() => undefined);
  return files;
}

/** What a start now would load, read by a fresh store over a copy of the directory as it is. */
async function stepsAfterCrash(directory: string, log: (line: string) => void = () => undefined): Promise<Record<string, number>> {
  const copy = newDirectory();
  cpSync(directory, copy, { recursive: true });
  const records = await new InstanceFiles(copy).loadAll(log);
  return Object.fromEntries(records.map((loaded) => [loaded.instanceId, loaded.nextTaskId]).sort());
}

/** A real durable append that counts the appends, and can be made to fail. */
function countingAppend(failWhen: (text: string) => boolean = () => false) {
  const appends: string[] = [];
  const appendFile: AppendFile = async (file, text) => {
    if (failWhen(text)) {
      // Part of the text reaches the file, as a full disk or a crash mid-write leaves it.
      await appendDurably(file, text.slice(0, 25));
      throw new Error('disk full');
    }
    await appendDurably(file, text);
    appends.push(text);
  };
  return { appends, appendFile };
}

const journalsIn = (directory: string) => readdirSync(directory).filter((name) => name.startsWith('journal-'));

describe('instance files', () => {
  test('thirty saves at once: each resolves, the newest loads, and they took two appends', async () => {
    const directory = newDirectory();
    const { appends, appendFile } = countingAppend();
    const files = await started(directory, { appendFile });
    await Promise.all(Array.from({ length: 30 }, (_, step) => files.save(record('i1', step + 1))));
    expect(await stepsAfterCrash(directory)).toEqual({ i1: 30 });
    expect(appends.map((text) => text.split('\n').length - 1)).toEqual([1, 29]);
  });

  test('saves of many instances share appends, and a save resolves only once its snapshot is on disk', async () => {
    const directory = newDirectory();
    const files = await started(directory);
    for (let step = 1; step <= 3; step++) {
      void files.save(record('a', step));
      await files.save(record('b', step * 10));
      expect(await stepsAfterCrash(directory)).toEqual({ a: step, b: step * 10 });
    }
  });

  test('a failed append fails the saves it carried; later saves go to a new journal and load after a crash', async () => {
    const directory = newDirectory();
    const { appendFile } = countingAppend((text) => text.includes('"nextTaskId":2,'));
    const files = await started(directory, { appendFile });
    await files.save(record('i1', 1));
    await expect(files.save(record('i1', 2))).rejects.toThrow('disk full');
    await files.save(record('i1', 3));
    await files.save(record('i2', 1));
    const warnings: string[] = [];
    expect(await stepsAfterCrash(directory, (line) => warnings.push(line))).toEqual({ i1: 3, i2: 1 });
    expect(journalsIn(directory)).toEqual(['journal-1.jsonl', 'journal-2.jsonl']);
    expect(warnings).toEqual([]);
  });

  test('filing away: after every save, a crash loads the newest of each instance, and old journals are removed', async () => {
    const directory = newDirectory();
    const files = await started(directory, { fileAwayAtBytes: 4_000 });
    const newest: Record<string, number> = {};
    for (let step = 1; step <= 60; step++) {
      const instanceId = `i${step % 4}`;
      await files.save(record(instanceId, step));
      newest[instanceId] = step;
      // The copy is taken while a filing may be under way: a crash at that moment.
      expect(await stepsAfterCrash(directory)).toEqual(newest);
    }
    await files.flush();
    expect(readdirSync(directory).filter((name) => name.endsWith('.json')).length).toBe(4);
    expect(journalsIn(directory).length).toBeLessThanOrEqual(1);
    expect(await stepsAfterCrash(directory)).toEqual(newest);
  });

  test('a start files away the journals it loaded and saves into a journal numbered after them', async () => {
    const directory = newDirectory();
    const before = await started(directory);
    await before.save(record('i1', 1));
    await before.save(record('i2', 5));

    const after = new InstanceFiles(directory);
    expect((await after.loadAll(() => undefined)).map((loaded) => loaded.nextTaskId).sort()).toEqual([1, 5]);
    await after.save(record('i1', 2));
    await after.flush();
    expect(journalsIn(directory)).toEqual(['journal-2.jsonl']);
    expect(JSON.parse(readFileSync(join(directory, 'i2.json'), 'utf8')).nextTaskId).toBe(5);
    expect(await stepsAfterCrash(directory)).toEqual({ i1: 2, i2: 5 });
  });

  test('a filing that fails leaves the journals, and the next filing files what they held', async () => {
    const directory = newDirectory();
    let failFiling = true;
    const replaceFile: ReplaceFile = async (file, temporary, content) => {
      if (failFiling) throw new Error('disk full while filing');
      await replaceFileDurably(file, temporary, content);
    };
    const files = await started(directory, { replaceFile, fileAwayAtBytes: 2_000 });
    for (let step = 1; step <= 12; step++) await files.save(record(`i${step % 3}`, step));
    await files.flush();
    expect(journalsIn(directory).length).toBeGreaterThan(1);
    expect(await stepsAfterCrash(directory)).toEqual({ i0: 12, i1: 10, i2: 11 });

    failFiling = false;
    for (let step = 13; step <= 24; step++) await files.save(record('i3', step));
    await files.flush();
    expect(readdirSync(directory).filter((name) => name.endsWith('.json')).sort()).toEqual(['i0.json', 'i1.json', 'i2.json', 'i3.json']);
    expect(journalsIn(directory).length).toBeLessThanOrEqual(1);
    expect(await stepsAfterCrash(directory)).toEqual({ i0: 12, i1: 10, i2: 11, i3: 24 });
  });

  test('a last line cut short by a crash is left out; a damaged line is skipped with a warning, and the lines after it still load', async () => {
    const directory = newDirectory();
    const files = await started(directory);
    await files.save(record('i1', 1));
    await files.save(record('i2', 1));
    const journal = join(directory, 'journal-1.jsonl');
    const [first, second] = readFileSync(journal, 'utf8').split('\n');
    writeFileSync(journal, `${first}\n{"damaged\n${second}\n{"instanceId":"i1","cut short`);
    const warnings: string[] = [];
    expect(await stepsAfterCrash(directory, (line) => warnings.push(line))).toEqual({ i1: 1, i2: 1 });
    expect(warnings).toEqual([expect.stringContaining('journal-1.jsonl line 2 skipped')]);
  });
});
