/**
 * What the local events topic has accepted, kept on disk until every subscription has taken it, as
 * Event Grid keeps an accepted event until it is delivered or dead-lettered. The topic answers 200
 * only once the events are in the journal (fsynced), so the airlock's outbox may count them as
 * published: a crash before delivery delays them to the next start, it never loses them.
 *
 * `<dir>/accepted.jsonl` holds one event per line; `<dir>/<subscription>.cursor` the position (line
 * number) of the next event that subscription has yet to take. A cursor is saved after each delivery
 * without fsync: after a crash a subscription may get an event again (delivery is at least once, and
 * consumers drop duplicates by id), never miss one. Appends made while one is being written go to
 * disk together in the next one (one fsync for all), and so do cursor saves (the newest position).
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { appendDurably, appendedLines, replaceFileDurably } from './durableFile';
import { FoldedWrites } from './foldedWrites';

const JOURNAL_FILE = 'accepted.jsonl';
const CURSOR_SUFFIX = '.cursor';

export type JournaledEvent = Record<string, unknown> & { id: string };

export class EventJournal {
  private readonly appends = new FoldedWrites<string>(
    (lines) => this.appendLines(lines),
    (queued, added) => queued + added,
  );
  private readonly cursorWrites = new Map<string, FoldedWrites<number>>();

  private constructor(
    private readonly directory: string | undefined,
    /** Events read at start-up, until every subscription has been given its own. */
    private loaded: JournaledEvent[],
    private length: number,
  ) {}

  /** A journal kept in memory only: positions are counted, nothing survives the process (tests). */
  static inMemory(): EventJournal {
    return new EventJournal(undefined, [], 0);
  }

  /**
   * The journal in `directory` (created if missing), for these subscriptions. Before anything is
   * delivered or accepted: cursors of subscriptions that are gone are forgotten, and when every
   * subscription has taken everything, the journal is emptied (cursors go back to 0 first, so a
   * crash in between re-delivers rather than skips).
   */
  static async open(directory: string, subscriptions: readonly string[]): Promise<EventJournal> {
    await mkdir(directory, { recursive: true });
    const { events, complete } = await readEvents(join(directory, JOURNAL_FILE));
    // Appends must start on a fresh line: what a crash cut short is cut off.
    if (!complete) await replaceFileDurably(join(directory, JOURNAL_FILE), join(directory, `${JOURNAL_FILE}.tmp`), events.map((event) => `${JSON.stringify(event)}\n`).join(''));
    const journal = new EventJournal(directory, events, events.length);
    const keep = new Set(subscriptions.map(cursorFileName));
    for (const file of await readdir(directory)) {
      if (file.endsWith(CURSOR_SUFFIX) && !keep.has(file)) await rm(join(directory, file), { force: true });
    }
    const positions = await Promise.all(subscriptions.map((name) => journal.savedCursor(name)));
    if (journal.length > 0 && positions.every((position) => position === undefined || position >= journal.length)) {
      for (const name of subscriptions) await replaceFileDurably(journal.cursorFile(name), `${journal.cursorFile(name)}.tmp`, '0');
      await replaceFileDurably(join(directory, JOURNAL_FILE), join(directory, `${JOURNAL_FILE}.tmp`), '');
      journal.loaded = [];
      journal.length = 0;
    }
    return journal;
  }

  /** Appends the events durably; resolves with the position of the first once they are on disk. */
  async append(events: readonly JournaledEvent[]): Promise<number> {
    const first = this.length;
    this.length += events.length;
    if (this.directory) await this.appends.submit(events.map((event) => `${JSON.stringify(event)}\n`).join(''));
    return first;
  }

  private async appendLines(lines: string): Promise<void> {
    await appendDurably(join(this.directory!, JOURNAL_FILE), lines);
  }

  /**
   * Where `subscription` resumes, with the events it has yet to take from before this start. A
   * subscription seen for the first time starts at the end: it gets what is published from now on.
   */
  async resume(subscription: string): Promise<{ position: number; pending: JournaledEvent[] }> {
    if (!this.directory) return { position: this.length, pending: [] };
    const saved = await this.savedCursor(subscription);
    const position = saved === undefined ? this.loaded.length : Math.min(saved, this.loaded.length);
    if (saved === undefined) await this.saveCursor(subscription, position);
    return { position, pending: this.loaded.slice(position) };
  }

  /** Resolves once every append and cursor save asked for so far has been written. */
  async flush(): Promise<void> {
    await Promise.all([this.appends, ...this.cursorWrites.values()].map((writes) => writes.flushed()));
  }

  /** Every subscription has resumed: the events read at start-up are no longer needed in memory. */
  releaseLoaded(): void {
    this.loaded = [];
  }

  /** Records that `subscription` has taken (or given up) every event before `position`. */
  saveCursor(subscription: string, position: number): Promise<void> {
    if (!this.directory) return Promise.resolve();
    let writes = this.cursorWrites.get(subscription);
    if (!writes) {
      const file = this.cursorFile(subscription);
      writes = new FoldedWrites<number>((newest) => replaceFileDurably(file, `${file}.tmp`, String(newest), false), (_older, newer) => newer);
      this.cursorWrites.set(subscription, writes);
    }
    return writes.submit(position);
  }

  private cursorFile(subscription: string): string {
    return join(this.directory!, cursorFileName(subscription));
  }

  private async savedCursor(subscription: string): Promise<number | undefined> {
    const text = await readFile(this.cursorFile(subscription), 'utf8').catch(() => undefined);
    const position = Number(text);
    return text === undefined || !Number.isInteger(position) || position < 0 ? undefined : position;
  }
}

/** Subscription names hold URLs; a cursor file is named by their digest. */
function cursorFileName(subscription: string): string {
  return `${createHash('sha256').update(subscription).digest('hex').slice(0, 32)}${CURSOR_SUFFIX}`;
}

/** The events of the journal file; a line cut short by a crash mid-append was never acknowledged, and ends it. */
async function readEvents(file: string): Promise<{ events: JournaledEvent[]; complete: boolean }> {
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return '';
    throw error;
  });
  const { lines, cutShort } = appendedLines(text);
  const events: JournaledEvent[] = [];
  for (const line of lines) {
    try {
      events.push(JSON.parse(line) as JournaledEvent);
    } catch {
      return { events, complete: false };
    }
  }
  return { events, complete: !cutShort };
}
