/**
 * Where the Durable stand-in keeps its orchestration instances: a journal that every save appends
 * to, and one JSON file per instance, `<dir>/<instanceId>.json`, that holds it as of the last time
 * the journal was filed away.
 *
 * A save appends the instance's snapshot as one line to `<dir>/journal-<n>.jsonl` and resolves once
 * it is on disk. Saves asked for while an append is being written go out together in the next one,
 * one fsync for all of them, whatever instances they belong to. (Writing each instance's file on
 * every save took a temporary file, a rename and two fsyncs per save, the largest cost of the host's
 * main thread with hundreds of lifecycles at once.) Once a journal has grown past a few MiB, later
 * saves go to the next journal while the newest snapshot of each instance the old one holds is
 * written to its file (temporary file, fsync, rename), and then the old journal is removed.
 *
 * Loading reads the files, then the journals oldest first, the last snapshot of an instance
 * winning: a crash at any point of the filing leaves a file no newer than what the journals still
 * hold after it. A last line cut short by a crash was never acknowledged and is left out.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { forEachBounded } from '../infra/stageStorage';
import { InstanceRecord, isInstanceRecord } from './durableInstance';
import { appendDurably, appendedLines, replaceFileDurably } from './durableFile';
import { FoldedWrites } from './foldedWrites';
import { formatLogLine, LocalLog } from './localLog';

const RECORD_SUFFIX = '.json';
const JOURNAL_NAME = /^journal-(\d+)\.jsonl$/;
/** Instance files written at once while a journal is filed away. */
const FILING_CONCURRENCY = 8;

/** Writes `content` to `file` so that a crash leaves the old or the new version. */
export type ReplaceFile = (file: string, temporary: string, content: string) => Promise<void>;
/** Appends `text` to `file` and resolves once it is on disk. */
export type AppendFile = (file: string, text: string) => Promise<void>;

export interface InstanceFilesOptions {
  replaceFile?: ReplaceFile;
  appendFile?: AppendFile;
  /** A journal larger than this is filed away into the instance files (default 8 MiB). */
  fileAwayAtBytes?: number;
}

interface Snapshot {
  instanceId: string;
  line: string;
}

export class InstanceFiles {
  private readonly appends: FoldedWrites<Snapshot[]>;
  private readonly replaceFile: ReplaceFile;
  private readonly appendFile: AppendFile;
  private readonly fileAwayAtBytes: number;
  private journalNumber = 1;
  private journalBytes = 0;
  /** The newest snapshot of each instance that only the journals hold. */
  private unfiled = new Map<string, string>();
  private filing?: Promise<void>;
  private directoryReady?: Promise<unknown>;

  constructor(
    private readonly directory: string,
    options: InstanceFilesOptions = {},
  ) {
    this.replaceFile = options.replaceFile ?? replaceFileDurably;
    this.appendFile = options.appendFile ?? appendDurably;
    this.fileAwayAtBytes = options.fileAwayAtBytes ?? 8 * 1024 * 1024;
    this.appends = new FoldedWrites<Snapshot[]>(
      (snapshots) => this.append(snapshots),
      (queued, added) => {
        queued.push(...added);
        return queued;
      },
    );
  }

  /**
   * Snapshots the record now (later changes to it are not part of this save); resolves once the
   * snapshot is on disk.
   */
  save(record: InstanceRecord): Promise<void> {
    return this.appends.submit([{ instanceId: record.instanceId, line: JSON.stringify(record) }]);
  }

  /** Resolves when every save so far has reached the disk (or failed), and any filing has ended. */
  async flush(): Promise<void> {
    await this.appends.flushed();
    await this.filing;
  }

  /**
   * After the last save: waits for every save, then files the journals away, so a host that stopped
   * cleanly leaves one file per instance and no journal.
   */
  async close(): Promise<void> {
    await this.flush();
    if (this.unfiled.size > 0) this.fileAway(this.journalNumber);
    await this.filing;
  }

  /** Every instance as last saved. */
  async loadAll(log: LocalLog): Promise<InstanceRecord[]> {
    await this.ensureDirectory();
    const records = new Map<string, InstanceRecord>();
    for (const fileName of (await readdir(this.directory)).filter((name) => name.endsWith(RECORD_SUFFIX)).sort()) {
      const path = join(this.directory, fileName);
      try {
        const parsed: unknown = JSON.parse(await readFile(path, 'utf8'));
        if (isInstanceRecord(parsed)) records.set(parsed.instanceId, parsed);
        else log(formatLogLine('warn', `durable backend: ${path} is not an instance record of this version; skipped`));
      } catch (error) {
        log(formatLogLine('warn', `durable backend: could not read ${path}; skipped`, error));
      }
    }
    const journals = await this.journals();
    for (const journal of journals) {
      const { lines } = appendedLines(await readFile(join(this.directory, journal.name), 'utf8'));
      for (const [index, line] of lines.entries()) {
        try {
          const parsed: unknown = JSON.parse(line);
          if (!isInstanceRecord(parsed)) throw new Error('not an instance record of this version');
          records.set(parsed.instanceId, parsed);
          this.unfiled.set(parsed.instanceId, line);
        } catch (error) {
          log(formatLogLine('warn', `durable backend: ${journal.name} line ${index + 1} skipped`, error));
        }
      }
    }
    // The ones read here are filed away now; later saves go to a journal of their own (ensureDirectory).
    if (journals.length > 0) this.fileAway(journals.at(-1)!.number);
    return [...records.values()];
  }

  private async append(snapshots: Snapshot[]): Promise<void> {
    await this.ensureDirectory();
    const text = snapshots.map((snapshot) => `${snapshot.line}\n`).join('');
    const journal = this.journalNumber;
    try {
      await this.appendFile(this.journalPath(journal), text);
    } catch (error) {
      // The failed append may have left part of a line: later saves go to a journal of their own.
      if (this.journalNumber === journal) this.startNextJournal();
      throw error;
    }
    for (const snapshot of snapshots) this.unfiled.set(snapshot.instanceId, snapshot.line);
    this.journalBytes += text.length;
    if (this.journalBytes >= this.fileAwayAtBytes && !this.filing) this.fileAway(journal);
  }

  /**
   * Writes the newest snapshot of every instance that only the journals hold into its file, then
   * removes the journals numbered up to `upTo`. Saves meanwhile go to the next journal.
   */
  private fileAway(upTo: number): void {
    if (this.journalNumber <= upTo) this.startNextJournal();
    const snapshots = [...this.unfiled];
    this.unfiled = new Map();
    const filing = this.writeFiles(snapshots)
      .then(() => this.removeJournals(upTo))
      .catch(() => {
        // Not filed: the journals stay, and what they hold is filed with the next ones.
        for (const [instanceId, line] of snapshots) if (!this.unfiled.has(instanceId)) this.unfiled.set(instanceId, line);
      })
      .finally(() => {
        if (this.filing === filing) this.filing = undefined;
      });
    this.filing = filing;
  }

  /** Also the journals of a filing that failed: what they held was filed this time. */
  private async removeJournals(upTo: number): Promise<void> {
    for (const journal of await this.journals()) {
      if (journal.number <= upTo) await rm(join(this.directory, journal.name), { force: true });
    }
  }

  private async journals(): Promise<Array<{ name: string; number: number }>> {
    return (await readdir(this.directory))
      .map((name) => ({ name, number: Number(JOURNAL_NAME.exec(name)?.[1]) }))
      .filter((journal) => Number.isInteger(journal.number))
      .sort((a, b) => a.number - b.number);
  }

  /** Rejects only once every write under way has ended: a late write of this filing must not land after the next one's. */
  private async writeFiles(snapshots: Array<[string, string]>): Promise<void> {
    await forEachBounded(snapshots, FILING_CONCURRENCY, async ([instanceId, line]) => {
      const target = join(this.directory, instanceId + RECORD_SUFFIX);
      const temporary = `${target}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
      try {
        await this.replaceFile(target, temporary, line);
      } catch (error) {
        await rm(temporary, { force: true }).catch(() => undefined);
        throw error;
      }
    });
  }

  private startNextJournal(): void {
    this.journalNumber++;
    this.journalBytes = 0;
  }

  private journalPath(number: number): string {
    return join(this.directory, `journal-${number}.jsonl`);
  }

  /** Makes the directory if missing; saves go to a journal numbered after any already there. */
  private ensureDirectory(): Promise<unknown> {
    return (this.directoryReady ??= mkdir(this.directory, { recursive: true }).then(async () => {
      this.journalNumber = ((await this.journals()).at(-1)?.number ?? 0) + 1;
    }));
  }
}
