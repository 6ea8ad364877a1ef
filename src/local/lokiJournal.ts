/**
 * An append-only journal beside each of Azurite's LokiJS database files, so that making a write
 * durable costs what the write changed, not the size of the database.
 *
 * Loki saves by serializing the whole database. Done before every acknowledgement (durableLoki.ts),
 * that made each save grow with everything ever stored: at a few hundred requests the embedded
 * Azurite spent most of its thread writing the same megabytes again. Instead, a save appends one line
 * to `<file>.journal` holding the documents changed since the last save (Loki tracks their ids), and
 * once the journal has grown as large as the database, the whole database is written as before and
 * the journal removed.
 *
 * The records say "this document now reads so", "this document is gone", "this collection now reads
 * so" or "this collection is gone", so applying a journal again over a database that already holds
 * it changes nothing: a crash between writing the database and removing the journal loses nothing
 * and breaks nothing. The next start applies the journal to the file before Azurite reads it
 * (`applyJournal`); a line cut short by a crash was never acknowledged, and is left out.
 */
import { existsSync, readFileSync } from 'node:fs';
import { appendFile, rm } from 'node:fs/promises';
import { appendDurably, appendedLines, replaceFileDurably } from './durableFile';

/** The part of a LokiJS collection this relies on (lokijs 1.5, as Azurite 3.37 uses it). */
export interface LokiCollection {
  name: string;
  dirty: boolean;
  /** Whether Loki records in `dirtyIds` the `$loki` id of each document inserted, updated or removed. */
  isIncremental?: boolean;
  dirtyIds: number[];
  get(id: number): object | null;
  ensureIndex(property: string, force: boolean): void;
  binaryIndices: Record<string, { dirty: boolean }>;
  /** Made anew only when the collection is made and when `clear` empties it (which also starts its ids again at 1). */
  constraints: object;
}

export interface LokiJournalDatabase {
  filename: string;
  /** Given to each collection Loki makes from then on, also those it makes when it loads the file. */
  isIncremental?: boolean;
  collections: LokiCollection[];
  serialize(): string;
  serializeReplacer(key: string, value: unknown): unknown;
}

/**
 * One change: a document's new content or its removal (by `$loki`), a collection's whole content
 * (new, replaced, or changed in a way Loki did not track by id), or a collection dropped.
 */
type JournalRecord =
  | { collection: string; document: { $loki: number } }
  | { collection: string; removed: number }
  | { collection: string; whole: SerializedCollection }
  | { collection: string; dropped: true };

interface SerializedCollection {
  name: string;
  data: Array<{ $loki: number }>;
  maxId?: number;
  idIndex?: number[] | null;
  binaryIndices?: Record<string, { name: string; dirty: boolean; values: number[] }>;
  dirty?: boolean;
  dirtyIds?: number[];
}

interface SerializedDatabase {
  collections: SerializedCollection[];
}

export function journalFileOf(databaseFile: string): string {
  return `${databaseFile}.journal`;
}

/**
 * Before Azurite opens `databaseFile`: applies its journal, if there is one, writes the result as
 * the database and removes the journal. Resolves to whether there was anything to apply.
 */
export async function applyJournal(databaseFile: string): Promise<boolean> {
  const journalFile = journalFileOf(databaseFile);
  if (!existsSync(journalFile)) return false;
  const lines = completeLines(readFileSync(journalFile, 'utf8'), journalFile);
  if (lines.length > 0) {
    if (!existsSync(databaseFile)) {
      throw new Error(`${journalFile} holds changes to ${databaseFile}, which is missing; restore the database file or remove both`);
    }
    const database = JSON.parse(readFileSync(databaseFile, 'utf8')) as SerializedDatabase;
    replay(database, lines.flatMap((line) => JSON.parse(line) as JournalRecord[]));
    await replaceFileDurably(databaseFile, `${databaseFile}~`, JSON.stringify(database));
  }
  await rm(journalFile, { force: true });
  return lines.length > 0;
}

/** The journal's lines, each one save; a last line without its newline was cut short by a crash. */
function completeLines(text: string, journalFile: string): string[] {
  const { lines } = appendedLines(text);
  for (const [index, line] of lines.entries()) {
    try {
      JSON.parse(line);
    } catch {
      throw new Error(`${journalFile} line ${index + 1} is not a complete save: the journal is damaged, so the database cannot be brought up to date`);
    }
  }
  return lines;
}

/** Applies the records in order; each says what something now is, so applying them twice is the same as once. */
function replay(database: SerializedDatabase, records: JournalRecord[]): void {
  const collections = new Map(database.collections.map((collection) => [collection.name, collection]));
  const touched = new Map<string, Map<number, { $loki: number }>>();
  /** A collection's documents by id; none when the database no longer holds it (see below). */
  const documentsOf = (name: string) => {
    let documents = touched.get(name);
    if (!documents) {
      const collection = collections.get(name);
      // Applied again over a database written after it, a journal may change a collection that a
      // later record of its own drops: that record decides, so the change has nothing to apply to.
      if (!collection) return undefined;
      documents = new Map(collection.data.map((document) => [document.$loki, document]));
      touched.set(name, documents);
    }
    return documents;
  };
  for (const record of records) {
    if ('whole' in record) {
      collections.set(record.collection, record.whole);
      touched.delete(record.collection);
    } else if ('dropped' in record) {
      collections.delete(record.collection);
      touched.delete(record.collection);
    } else if ('document' in record) {
      documentsOf(record.collection)?.set(record.document.$loki, record.document);
    } else {
      documentsOf(record.collection)?.delete(record.removed);
    }
  }
  for (const [name, documents] of touched) {
    const collection = collections.get(name)!;
    // Loki finds a document by binary search over the ids in data order.
    collection.data = [...documents.values()].sort((a, b) => a.$loki - b.$loki);
    // Ids only grow; a spread of a large collection's ids would overflow the stack.
    collection.maxId = collection.data.reduce((highest, document) => Math.max(highest, document.$loki), collection.maxId ?? 0);
    collection.idIndex = null;
    // Positions moved: Loki rebuilds each index from the data before it is used (`rebuildDirtyIndexes`).
    for (const index of Object.values(collection.binaryIndices ?? {})) {
      index.dirty = true;
      index.values = [];
    }
  }
  database.collections = [...collections.values()];
}

/** After Loki has read a database `applyJournal` changed: its indexes, before any query or insert uses them. */
export function rebuildDirtyIndexes(db: LokiJournalDatabase): void {
  for (const collection of db.collections) {
    const dirty = Object.entries(collection.binaryIndices).filter(([, index]) => index.dirty);
    if (dirty.length === 0) continue;
    // Forced: with adaptive indexes (Azurite's), Loki otherwise trusts an index that exists, dirty or not.
    for (const [property] of dirty) collection.ensureIndex(property, true);
    // Rebuilding an index marks the collection changed; its content is what the file holds.
    collection.dirty = false;
  }
}

/** What one save writes: the changed documents as a journal line, or the whole database. */
export type LokiSave = { kind: 'journal'; line: string } | { kind: 'whole'; text: string };

/**
 * Writes a database's saves: journal lines while the journal is smaller than the database, then the
 * whole database. `takeSave` runs in one tick, so it holds exactly what changed before it.
 */
export class LokiJournal {
  private readonly journalFile: string;
  /** The collections as of the last save, to see ones created, replaced, emptied or dropped since. */
  private known = new Map<string, { collection: LokiCollection; constraints: object }>();
  private journalBytes = 0;
  private wholeBytes = 0;
  /** The first save writes everything, and so does the one after a failure, which lost track of what it carried. */
  private wholeNeeded = true;
  private lastSaveFailed = false;

  constructor(
    private readonly db: LokiJournalDatabase,
    private readonly options: { fsync: boolean; minimumJournalBytes?: number },
  ) {
    this.journalFile = journalFileOf(db.filename);
    // Loki's own flag for its incremental adapters: with it, each collection keeps the ids of the documents it changed.
    db.isIncremental = true;
    for (const collection of db.collections) collection.isIncremental = true;
  }

  takeSave(): LokiSave {
    const whole = this.wholeNeeded || this.journalBytes >= Math.max(this.wholeBytes, this.options.minimumJournalBytes ?? 4 * 1024 * 1024);
    if (whole) {
      const text = this.db.serialize();
      this.forgetChanges();
      return { kind: 'whole', text };
    }
    const records = this.changedRecords();
    this.forgetChanges();
    return { kind: 'journal', line: `${JSON.stringify(records, (key, value) => this.db.serializeReplacer(key, value))}\n` };
  }

  async write(save: LokiSave): Promise<void> {
    try {
      if (save.kind === 'whole') {
        await replaceFileDurably(this.db.filename, `${this.db.filename}~`, save.text, this.options.fsync);
        // Whatever the journal holds is in the database now; applied again it would change nothing.
        await rm(this.journalFile, { force: true });
        this.wholeBytes = save.text.length;
        this.journalBytes = 0;
        this.wholeNeeded = false;
      } else {
        await (this.options.fsync ? appendDurably(this.journalFile, save.line) : appendFile(this.journalFile, save.line, 'utf8'));
        this.journalBytes += save.line.length;
      }
      this.lastSaveFailed = false;
    } catch (error) {
      this.wholeNeeded = true;
      this.lastSaveFailed = true;
      throw error;
    }
  }

  /** Whether changes taken by a save that failed are still only in memory. */
  get unsaved(): boolean {
    return this.lastSaveFailed;
  }

  /**
   * Once no save is under way, as the database closes: writes it whole, so a clean stop leaves no
   * journal to apply. If that fails, the journal stays for the next start.
   */
  async close(): Promise<void> {
    await this.write({ kind: 'whole', text: this.db.serialize() }).catch(() => undefined);
  }

  private changedRecords(): JournalRecord[] {
    const records: JournalRecord[] = [];
    const current = new Map(this.db.collections.map((collection) => [collection.name, collection]));
    for (const name of this.known.keys()) if (!current.has(name)) records.push({ collection: name, dropped: true });
    for (const collection of this.db.collections) {
      // New, made again under the same name, emptied by `clear`, or changed in a way Loki did not record by id.
      const known = this.known.get(collection.name);
      const renewed = known?.collection !== collection || known.constraints !== collection.constraints;
      if (renewed || !collection.isIncremental || (collection.dirty && collection.dirtyIds.length === 0)) {
        collection.isIncremental = true;
        records.push({ collection: collection.name, whole: collection as unknown as SerializedCollection });
        continue;
      }
      for (const id of new Set(collection.dirtyIds)) {
        const document = collection.get(id) as { $loki: number } | null;
        records.push(document ? { collection: collection.name, document } : { collection: collection.name, removed: id });
      }
    }
    return records;
  }

  private forgetChanges(): void {
    this.known = new Map(this.db.collections.map((collection) => [collection.name, { collection, constraints: collection.constraints }]));
    for (const collection of this.db.collections) {
      collection.dirty = false;
      collection.dirtyIds = [];
    }
  }
}
