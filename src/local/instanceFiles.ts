/**
 * One JSON file per orchestration instance, `<dir>/<instanceId>.json`. A write goes to a temporary
 * file that is flushed and then renamed over the old one, so a crash or a power cut mid-write leaves
 * the previous version intact; writes of one instance are queued so an older snapshot can never
 * land after a newer one.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { InstanceRecord, isInstanceRecord } from './durableInstance';
import { replaceFileDurably } from './durableFile';
import { formatLogLine, LocalLog } from './localLog';

const RECORD_SUFFIX = '.json';

export class InstanceFiles {
  private readonly queuedWrites = new Map<string, Promise<void>>();
  private directoryReady?: Promise<unknown>;

  constructor(private readonly directory: string) {}

  /** Snapshots the record now (later changes to it are not part of this write). */
  save(record: InstanceRecord): Promise<void> {
    const snapshot = JSON.stringify(record, null, 1);
    const instanceId = record.instanceId;
    const previous = this.queuedWrites.get(instanceId) ?? Promise.resolve();
    const write = previous.then(() => this.writeAtomically(instanceId, snapshot));
    const settled = write.catch(() => undefined);
    this.queuedWrites.set(instanceId, settled);
    void settled.then(() => {
      if (this.queuedWrites.get(instanceId) === settled) this.queuedWrites.delete(instanceId);
    });
    return write;
  }

  /** Resolves when every write queued so far has reached the disk (or failed). */
  async flush(): Promise<void> {
    await Promise.all([...this.queuedWrites.values()]);
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
      await replaceFileDurably(target, temporary, snapshot);
    } catch (error) {
      await rm(temporary, { force: true }).catch(() => undefined);
      throw error;
    }
  }

  private ensureDirectory(): Promise<unknown> {
    return (this.directoryReady ??= mkdir(this.directory, { recursive: true }));
  }
}
