/**
 * The journal that makes Azurite's metadata saves cost what changed: whatever a save acknowledged is
 * what the next start reads, after any crash, with working indexes, whether the last save appended a
 * line or wrote the whole database, and also when a crash came between writing the database whole and
 * removing the journal it replaced.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyJournal, journalFileOf, LokiJournal, LokiJournalDatabase, rebuildDirtyIndexes } from '../../src/local/lokiJournal';
import { azuriteLoki } from '../support/azuriteLoki';

interface Row {
  key: string;
  size: number;
  note?: string;
  $loki?: number;
}

/** The parts of a LokiJS collection and database the tests use. */
interface Collection<T> {
  name: string;
  data: Array<T & { $loki: number; meta?: unknown }>;
  insert(document: T): T & { $loki: number };
  update(document: T): void;
  remove(document: T): void;
  clear(): void;
  count(): number;
  find(query: object): T[];
  by(property: string, value: unknown): T | undefined;
}
interface Loki {
  collections: Array<Collection<unknown>>;
  addCollection<T>(name: string, options?: object): Collection<T>;
  getCollection<T>(name: string): Collection<T>;
  removeCollection(name: string): void;
  loadJSON(text: string): void;
  serialize(): string;
}

const Loki = azuriteLoki<Loki>();

/** A seeded generator: a failure names the seed that reproduces it. */
function generator(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
}

const directories: string[] = [];
afterAll(() => directories.forEach((directory) => rmSync(directory, { recursive: true, force: true })));

function newDirectory(): string {
  const directory = mkdtempSync(join(tmpdir(), 'airlock-loki-journal-'));
  directories.push(directory);
  return directory;
}

function newDatabase(file: string): Loki {
  const db = new Loki(file, { autosave: false });
  db.addCollection<Row>('rows', { indices: ['key', 'size'] });
  return db;
}

/** What a start after a crash now would read: the files copied as they are, the journal applied, Loki loaded. */
async function restartFrom(file: string): Promise<Loki> {
  const copy = join(newDirectory(), 'db.json');
  copyFileSync(file, copy);
  if (existsSync(journalFileOf(file))) copyFileSync(journalFileOf(file), journalFileOf(copy));
  await applyJournal(copy);
  const db = new Loki(copy, { autosave: false });
  db.loadJSON(readFileSync(copy, 'utf8'));
  rebuildDirtyIndexes(db as unknown as LokiJournalDatabase);
  return db;
}

/** Each collection's documents, without Loki's bookkeeping. */
function contentOf(db: Loki): Record<string, unknown[]> {
  return Object.fromEntries(
    db.collections.map((collection) => [collection.name, collection.data.map(({ meta: _meta, ...document }) => document)]),
  );
}

function journalOf(db: Loki, minimumJournalBytes: number): LokiJournal {
  return new LokiJournal(db as unknown as LokiJournalDatabase, { fsync: false, minimumJournalBytes });
}

async function save(db: Loki, journal: LokiJournal): Promise<'journal' | 'whole'> {
  const taken = journal.takeSave();
  await journal.write(taken);
  return taken.kind;
}

describe('the Loki journal', () => {
  test.each([1, 2, 3, 4, 5])('after every save, a restart reads exactly what was saved, and its indexes answer as a scan does (seed %i)', async (seed) => {
    const random = generator(seed);
    const file = join(newDirectory(), 'db.json');
    const db = newDatabase(file);
    // Small enough that the run writes the database whole several times between journal lines.
    const journal = journalOf(db, 2_000);
    const kinds = new Set<string>();
    const records = new Set<string>();
    let next = 0;
    for (let step = 0; step < 400; step++) {
      const rows = db.getCollection<Row>('rows');
      const roll = random();
      if (roll < 0.45 || rows.count() === 0) {
        const into = random() < 0.3 ? (db.getCollection<Row>('other') ?? rows) : rows;
        into.insert({ key: `k${next++}`, size: Math.floor(random() * 100) });
      } else if (roll < 0.7) {
        // A new object, as Azurite updates: Loki's indexes cannot see a stored object changed in place.
        rows.update({ ...rows.data[Math.floor(random() * rows.count())], size: Math.floor(random() * 100), note: `changed at ${step}` });
      } else if (roll < 0.9) {
        rows.remove(rows.data[Math.floor(random() * rows.count())]);
      } else if (roll < 0.93) {
        // A table made, dropped and made again under the same name, as Azurite does for tables.
        if (db.getCollection('other')) db.removeCollection('other');
        db.addCollection('other', { indices: ['key'] }).insert({ key: `o${step}`, size: step });
      } else if (roll < 0.96) {
        if (db.getCollection('other')) db.removeCollection('other');
      } else {
        db.getCollection<Row>('other')?.clear();
      }
      if (random() < 0.3) {
        const taken = journal.takeSave();
        await journal.write(taken);
        kinds.add(taken.kind);
        if (taken.kind === 'journal') for (const record of JSON.parse(taken.line) as object[]) records.add(Object.keys(record).sort().join());
        const restarted = await restartFrom(file);
        expect(contentOf(restarted)).toEqual(contentOf(db));
        const after = restarted.getCollection<Row>('rows');
        // An insert before any query: Loki updates its indexes in place, so they must be right from the start.
        after.insert({ key: 'after-restart', size: 30 });
        const scanned = after.data.filter((row) => row.size >= 20 && row.size <= 59).map((row) => row.key).sort();
        expect(after.find({ size: { $between: [20, 59] } }).map((row) => row.key).sort()).toEqual(scanned);
        expect(after.by('key', 'after-restart')).toBeDefined();
      }
    }
    expect([...kinds].sort()).toEqual(['journal', 'whole']);
    // Every kind of record was written and read back.
    expect([...records].sort()).toEqual(['collection,document', 'collection,dropped', 'collection,removed', 'collection,whole']);
  });

  test('a journal applied again over a database that already holds it changes nothing (a crash before the journal was removed)', async () => {
    const file = join(newDirectory(), 'db.json');
    const db = newDatabase(file);
    const journal = journalOf(db, 1_000_000);
    const rows = db.getCollection<Row>('rows');
    // In the database file, not the journal: the journal changes it and then drops it.
    db.addCollection<Row>('dropped later').insert({ key: 'gone', size: 0 });
    expect(await save(db, journal)).toBe('whole');
    const first = rows.insert({ key: 'first', size: 1 });
    await save(db, journal);
    db.getCollection<Row>('dropped later').insert({ key: 'also gone', size: 0 });
    await save(db, journal);
    db.removeCollection('dropped later');
    rows.insert({ key: 'second', size: 2 });
    rows.remove(first);
    db.removeCollection('rows');
    db.addCollection<Row>('rows', { indices: ['key'] }).insert({ key: 'third', size: 3 });
    expect(await save(db, journal)).toBe('journal');
    const leftBehind = readFileSync(journalFileOf(file), 'utf8');

    // The database written whole, then the journal it replaced put back, as a crash before its removal leaves them.
    await journal.write({ kind: 'whole', text: db.serialize() });
    expect(existsSync(journalFileOf(file))).toBe(false);
    writeFileSync(journalFileOf(file), leftBehind);

    expect(contentOf(await restartFrom(file))).toEqual(contentOf(db));
    expect(contentOf(await restartFrom(file)).rows).toEqual([expect.objectContaining({ key: 'third' })]);
  });

  test('a journal over a collection of 150,000 documents applies (a table at about 7,000 requests)', async () => {
    const file = join(newDirectory(), 'db.json');
    const data = Array.from({ length: 150_000 }, (_, index) => ({ key: `k${index}`, $loki: index + 1 }));
    writeFileSync(file, JSON.stringify({ collections: [{ name: 'rows', data, maxId: data.length, binaryIndices: {} }] }));
    writeFileSync(journalFileOf(file), `${JSON.stringify([{ collection: 'rows', document: { key: 'journaled', $loki: 150_001 } }])}\n`);
    expect(await applyJournal(file)).toBe(true);
    const [rows] = (JSON.parse(readFileSync(file, 'utf8')) as { collections: Array<{ data: Row[]; maxId: number }> }).collections;
    expect([rows.data.length, rows.maxId, rows.data.at(-1)?.key]).toEqual([150_001, 150_001, 'journaled']);
  });

  test('a last line cut short by a crash was never acknowledged, and is left out', async () => {
    const file = join(newDirectory(), 'db.json');
    const db = newDatabase(file);
    const journal = journalOf(db, 1_000_000);
    await save(db, journal);
    db.getCollection<Row>('rows').insert({ key: 'acknowledged', size: 1 });
    await save(db, journal);
    writeFileSync(journalFileOf(file), `${readFileSync(journalFileOf(file), 'utf8')}[{"collection":"rows","document":{"key":"torn`);
    expect(contentOf(await restartFrom(file)).rows).toEqual([expect.objectContaining({ key: 'acknowledged' })]);
  });

  test('a damaged line before the last refuses the start, naming the line, instead of losing what follows it', async () => {
    const file = join(newDirectory(), 'db.json');
    const db = newDatabase(file);
    const journal = journalOf(db, 1_000_000);
    await save(db, journal);
    for (const key of ['a', 'b']) {
      db.getCollection<Row>('rows').insert({ key, size: 1 });
      await save(db, journal);
    }
    const [, second] = readFileSync(journalFileOf(file), 'utf8').split('\n');
    writeFileSync(journalFileOf(file), `{"damaged\n${second}\n`);
    await expect(applyJournal(file)).rejects.toThrow(/line 1 is not a complete save/);
    // Nothing was changed: the journal is still there to be looked at.
    expect(existsSync(journalFileOf(file))).toBe(true);
  });

  test('a save that failed is written whole by the next one, so nothing it carried is lost', async () => {
    const directory = newDirectory();
    const file = join(directory, 'db.json');
    const db = newDatabase(file);
    const journal = journalOf(db, 1_000_000);
    await save(db, journal);
    db.getCollection<Row>('rows').insert({ key: 'carried by the failed save', size: 1 });
    const taken = journal.takeSave();
    expect(taken.kind).toBe('journal');
    rmSync(directory, { recursive: true, force: true });
    await expect(journal.write(taken)).rejects.toThrow();
    expect(journal.unsaved).toBe(true);

    mkdirSync(directory);
    expect(await save(db, journal)).toBe('whole');
    expect(journal.unsaved).toBe(false);
    expect(contentOf(await restartFrom(file)).rows).toEqual([expect.objectContaining({ key: 'carried by the failed save' })]);
  });
});
