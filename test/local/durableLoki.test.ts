/**
 * Embedded Azurite with persisted data answers a write only once its metadata is in the file that
 * the next start reads: read straight after the acknowledgement, the file already holds the write.
 * The same holds whether Azurite runs on the caller's thread (adapter tests) or on a worker thread
 * of its own (the local host).
 */
import { BlobServiceClient } from '@azure/storage-blob';
import { TableClient } from '@azure/data-tables';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AzuriteOptions, newAccountKey, RunningAzurite, startAzurite } from '../../src/local/azurite';
import { startAzuriteThread } from '../../src/local/azuriteThread';
import { LokiMetadataStore, makeStoreDurable } from '../../src/local/durableLoki';
import { journalFileOf, LokiJournal } from '../../src/local/lokiJournal';
import { azuriteLoki } from '../support/azuriteLoki';

const ACCOUNT = 'durabletest';

describe.each<[string, (options: AzuriteOptions) => Promise<RunningAzurite>]>([
  ["on the caller's thread", startAzurite],
  ['on a worker thread (the local host)', startAzuriteThread],
])('Azurite %s', (_where, start) => {
  let location: string;
  let azurite: RunningAzurite;

  beforeAll(async () => {
    location = mkdtempSync(join(tmpdir(), 'airlock-durable-loki-'));
    azurite = await start({ accounts: { [ACCOUNT]: newAccountKey() }, location });
  });

  let closed = false;
  afterAll(async () => {
    if (!closed) await azurite.close();
  });

  /** What the next start reads: the database file and the journal of changes since it was written whole. */
  const onDisk = (file: string) => [file, journalFileOf(file)].filter((name) => existsSync(join(location, name))).map((name) => readFileSync(join(location, name), 'utf8')).join('\n');

  test('an acknowledged container, blob and table transaction are on disk when the call returns', async () => {
    const blobs = BlobServiceClient.fromConnectionString(azurite.connectionString(ACCOUNT)).getContainerClient('acknowledged');
    await blobs.create();
    expect(onDisk('__azurite_db_blob__.json')).toContain('"acknowledged"');
    await blobs.getBlockBlobClient('kept.txt').upload('kept', 4);
    expect(onDisk('__azurite_db_blob__.json')).toContain('"kept.txt"');

    const table = TableClient.fromConnectionString(azurite.connectionString(ACCOUNT), 'acknowledgedrows', { allowInsecureConnection: true });
    await table.createTable();
    await table.submitTransaction([
      ['create', { partitionKey: 'p', rowKey: 'first-row' }],
      ['create', { partitionKey: 'p', rowKey: 'second-row' }],
    ]);
    const tables = onDisk('__azurite_db_table__.json');
    expect(tables).toContain('first-row');
    expect(tables).toContain('second-row');
  });

  test('a refused table transaction leaves nothing of itself on disk', async () => {
    const table = TableClient.fromConnectionString(azurite.connectionString(ACCOUNT), 'refusedrows', { allowInsecureConnection: true });
    await table.createTable();
    await table.createEntity({ partitionKey: 'p', rowKey: 'taken' });
    await expect(
      table.submitTransaction([
        ['create', { partitionKey: 'p', rowKey: 'rolled-back' }],
        ['create', { partitionKey: 'p', rowKey: 'taken' }],
      ]),
    ).rejects.toThrow();
    await table.createEntity({ partitionKey: 'p', rowKey: 'after' });
    const tables = onDisk('__azurite_db_table__.json');
    expect(tables).toContain('"after"');
    expect(tables).not.toContain('rolled-back');
  });

  test('a clean close writes each database whole and leaves no journal', async () => {
    const table = TableClient.fromConnectionString(azurite.connectionString(ACCOUNT), 'closedrows', { allowInsecureConnection: true });
    await table.createTable();
    await table.createEntity({ partitionKey: 'p', rowKey: 'before-close' });
    expect(existsSync(join(location, journalFileOf('__azurite_db_table__.json')))).toBe(true);
    await azurite.close();
    closed = true;
    expect(readdirSync(location).filter((name) => name.endsWith('.journal'))).toEqual([]);
    expect(readFileSync(join(location, '__azurite_db_table__.json'), 'utf8')).toContain('before-close');
  });
});

/** The parts of a LokiJS database the store below uses. */
interface NotesDatabase {
  addCollection(name: string): { insert(document: { text: string }): void; count(): number };
  getCollection(name: string): { insert(document: { text: string }): void; count(): number };
}
const Loki = azuriteLoki<NotesDatabase>();

/** A metadata store as Azurite writes them: a class whose async methods call one another through `this`. */
class NotesStore {
  lastCount = 0;
  constructor(readonly db: NotesDatabase) {}

  async addTwice(text: string): Promise<number> {
    await this.add(text);
    await this.add(`${text} again`);
    this.lastCount = await this.count();
    return this.lastCount;
  }

  async add(text: string): Promise<void> {
    this.db.getCollection('notes').insert({ text });
  }

  async count(): Promise<number> {
    return this.db.getCollection('notes').count();
  }
}

describe("a durable store's calls to its own methods", () => {
  afterEach(() => jest.restoreAllMocks());

  test('wait for no save of their own: the outermost call waits for one save, which holds all it changed', async () => {
    const location = mkdtempSync(join(tmpdir(), 'airlock-durable-calls-'));
    const db = new Loki(join(location, 'notes.json'), { autosave: false });
    db.addCollection('notes');
    const store = new NotesStore(db);
    const saves = jest.spyOn(LokiJournal.prototype, 'write');
    makeStoreDurable(store as unknown as LokiMetadataStore, { fsync: false });

    expect(await store.addTwice('first')).toBe(2);
    expect(saves).toHaveBeenCalledTimes(1);
    expect(readFileSync(join(location, 'notes.json'), 'utf8')).toContain('first again');
    // What a method sets on `this` is set on the store.
    expect(store.lastCount).toBe(2);

    // Called from outside, the same inner method waits for a save of its own.
    await store.add('second');
    expect(saves).toHaveBeenCalledTimes(2);
  });
});
