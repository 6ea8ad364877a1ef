/**
 * Zips read from a blob version in ranges: their entries, as many as asked for, and a storage
 * failure told apart from a file that is no zip.
 */
import { BlobVersion } from '../../src/infra/blobVersion';
import { ByteRange, ContainerRef, FileContent } from '../../src/infra/stageStorage';
import { openZip, readEntries } from '../../src/infra/zipOverStorage';
import { InMemoryStageStorage } from '../support/inMemoryDependencies';
import { buildZip } from '../support/zipFixture';

const REF: ContainerRef = { account: 'stalimip', workspaceId: 'ws01', container: 'c1' };

/** Stage storage whose `failingRead`-th range read (from 1) fails. */
class FlakyStorage extends InMemoryStageStorage {
  private reads = 0;
  failingRead: number | undefined;

  override async readFile(ref: ContainerRef, name: string, range?: ByteRange): Promise<FileContent> {
    this.reads += 1;
    if (this.reads === this.failingRead) throw new Error('connection reset');
    return super.readFile(ref, name, range);
  }
}

let storage: FlakyStorage;

beforeEach(() => {
  storage = new FlakyStorage('test');
});

async function blobOf(name: string, content: Buffer | string): Promise<BlobVersion> {
  storage.upload(REF, name, content);
  const listed = (await storage.listFiles(REF)).find((file) => file.name === name)!;
  return new BlobVersion(storage, REF, listed, `${name} changed`);
}

const FIVE = buildZip(['a.csv', 'b.csv', 'c/d.csv', 'e.txt', 'f.json'].map((name) => ({ name, content: `${name}\n` })));

test('the entries of a zip in storage, in order, all of them or the first few', async () => {
  const blob = await blobOf('bundle.zip', FIVE);
  const zip = await openZip(blob);
  try {
    expect((await readEntries(zip)).map((entry) => entry.fileName)).toEqual(['a.csv', 'b.csv', 'c/d.csv', 'e.txt', 'f.json']);
  } finally {
    zip.close();
  }
  const again = await openZip(blob);
  try {
    expect(again.entryCount).toBe(5);
    expect((await readEntries(again, 2)).map((entry) => entry.fileName)).toEqual(['a.csv', 'b.csv']);
  } finally {
    again.close();
  }
});

test('a file that is no zip cannot be opened, and no storage failure is to blame', async () => {
  const blob = await blobOf('notes.zip', 'PK but not really a zip');
  await expect(openZip(blob)).rejects.toThrow();
  expect(() => blob.throwIfFailed()).not.toThrow();
});

test('a storage failure while the central directory is read fails the opening, and the blob remembers it as a storage failure', async () => {
  const blob = await blobOf('bundle.zip', FIVE);
  storage.failingRead = 1;
  await expect(openZip(blob)).rejects.toThrow('connection reset');
  expect(() => blob.throwIfFailed()).toThrow('connection reset');
});
