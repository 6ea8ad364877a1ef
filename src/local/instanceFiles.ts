/**
 * One JSON file per orchestration instance, `<dir>/<instanceId>.json`. A write goes to a temporary
 * file that is flushed and then renamed over the old one, so a crash or a power cut mid-write leaves
 * the previous version intact. Writes of one instance never overlap, so an older snapshot can never
 * land after a newer one, and the snapshots saved while one is being written are folded into a
 * single write of the newest: each replaces the one before it whole, so the ones in between would be
 * overwritten unread, and every write costs two fsyncs.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { InstanceRecord, isInstanceRecord } from './durableInstance';
import { replaceFileDurably } from './durableFile';
import { FoldedWrites } from './foldedWrites';
import { formatLogLine, LocalLog } from './localLog';

const RECORD_SUFFIX = '.json';

/** Writes `content` to `file` so that a crash leaves the old or the new version. */
export type ReplaceFile = (file: string, temporary: string, content: string) => Promise<void>;

export class InstanceFiles {
  private readonly writes = new Map<string, FoldedWrites<string>>();
  private directoryReady?: Promise<unknown>;

  constructor(
    private readonly directory: string,
    private readonly replaceFile: ReplaceFile = replaceFileDurably,
  ) {}

  /**
   * Snapshots the record now (later changes to it are not part of this write); resolves once this
   * snapshot, or a newer one of the same instance, is on disk.
   */
  save(record: InstanceRecord): Promise<void> {
    const snapshot = JSON.stringify(record, null, 1);
    const instanceId = record.instanceId;
    let writes = this.writes.get(instanceId);
    if (!writes) {
      writes = new FoldedWrites<string>((newest) => this.writeAtomically(instanceId, newest), (_older, newer) => newer);
      this.writes.set(instanceId, writes);
    }
    const written = writes.submit(snapshot);
    const queue = writes;
    void written
      .catch(() => undefined)
      .then(() => {
        if (queue.idle && this.writes.get(instanceId) === queue) this.writes.delete(instanceId);
      });
    return written;
  }

  /** Resolves when every write saved so far has reached the disk (or failed). */
  async flush(): Promise<void> {
    await Promise.all([...this.writes.values()].map((writes) => writes.flushed()));
  }

  async loadAll(log: LocalLog): Promise<InstanceRecord[]> {
    await this.ensureDirectory();
    const records: InstanceRecord[] = [];
    for (const fileName of (await readdir(this.directory)).sort()) {
      if (!fileName.endsWith(RECORD_SUFFIX)) continue;
      const path = join(this.directory, fileName);
      try {
        const parsed: unknown = JSON.parse(await readFile(path, 'utf8'));
        if (isInstanceRecord(parsed)) records.push(parsed);
        else log(formatLogLine('warn', `durable backend: ${path} is not an instance record of this version; skipped`));
      } catch (error) {
        log(formatLogLine('warn', `durable backend: could not read ${path}; skipped`, error));
      }
    }
    return records;
  }

  private async writeAtomically(instanceId: string, snapshot: string): Promise<void> {
    await this.ensureDirectory();
    const target = join(this.directory, instanceId + RECORD_SUFFIX);
    const temporary = `${target}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      await this.replaceFile(target, temporary, snapshot);
    } catch (error) {
      await rm(temporary, { force: true }).catch(() => undefined);
      throw error;
    }
  }

  private ensureDirectory(): Promise<unknown> {
    return (this.directoryReady ??= mkdir(this.directory, { recursive: true }));
  }
}
