/**
 * One blob version read in ranges, as both the content checks at submit and the preview read files:
 * what a read returns, that another version is a conflict worded for whoever reads, that a failure
 * is remembered, and that closing a range stream stops its download.
 */
import { PassThrough, Readable } from 'node:stream';
import { DEFAULT_CONTENT_POLICY } from '../../src/domain/contentPolicy';
import { ConflictError } from '../../src/domain/errors';
import { PreviewedBlob } from '../../src/functions/http/previewSource';
import { BlobVersion } from '../../src/infra/blobVersion';
import { inspectFile } from '../../src/infra/scanning/contentInspector';
import { ByteRange, ContainerRef, FileContent, StoredFile } from '../../src/infra/stageStorage';
import { InMemoryStageStorage } from '../support/inMemoryDependencies';

const REF: ContainerRef = { account: 'stalimip', workspaceId: 'ws01', container: 'c1' };
const CHANGED = 'data.csv changed; read it again';

/** Stage storage that records its range reads and can be told to fail them or to hand out a stream of the test's. */
class WatchedStorage extends InMemoryStageStorage {
  readonly reads: (ByteRange | undefined)[] = [];
  failure: Error | undefined;
  source: Readable | undefined;

  override async readFile(ref: ContainerRef, name: string, range?: ByteRange): Promise<FileContent> {
    this.reads.push(range);
    if (this.failure) throw this.failure;
    const content = await super.readFile(ref, name, range);
    return this.source ? { ...content, stream: this.source } : content;
  }
}

let storage: WatchedStorage;

beforeEach(() => {
  storage = new WatchedStorage('test');
});

async function uploaded(content: string): Promise<StoredFile> {
  storage.upload(REF, 'data.csv', content);
  return (await storage.listFiles(REF))[0];
}

const text = async (stream: Readable) => {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString();
};

describe('BlobVersion: reads', () => {
  test('bytes from an offset, fewer at the end of the blob, none past it without asking storage', async () => {
    const blob = new BlobVersion(storage, REF, await uploaded('0123456789'), CHANGED);
    expect((await blob.bytes(2, 3)).toString()).toBe('234');
    expect((await blob.bytes(7, 100)).toString()).toBe('789');
    expect(storage.reads).toEqual([
      { offset: 2, count: 3 },
      { offset: 7, count: 3 },
    ]);
    expect((await blob.bytes(10, 5)).length).toBe(0);
    expect(storage.reads).toHaveLength(2);
  });

  test('an empty blob reads as nothing, whole or in part, without a range read (Blob Storage refuses one)', async () => {
    const blob = new BlobVersion(storage, REF, await uploaded(''), CHANGED);
    expect((await blob.bytes(0, 10)).length).toBe(0);
    expect(await text(await blob.stream())).toBe('');
    expect(storage.reads).toEqual([]);
  });

  test('the whole blob, streamed', async () => {
    const blob = new BlobVersion(storage, REF, await uploaded('participant,age\np01,34\n'), CHANGED);
    expect(await text(await blob.stream())).toBe('participant,age\np01,34\n');
  });

  test('an etag listed without quotes names the same version as the quoted one storage answers with', async () => {
    const listed = await uploaded('0123456789');
    const blob = new BlobVersion(storage, REF, { ...listed, etag: listed.etag.replace(/"/g, '') }, CHANGED);
    expect((await blob.bytes(0, 4)).toString()).toBe('0123');
  });
});

describe('BlobVersion: another version, and failures', () => {
  test('a blob replaced since it was listed is a conflict in the words of the reader, and remembered', async () => {
    const listed = await uploaded('0123456789');
    storage.upload(REF, 'data.csv', 'other bytes');
    const blob = new BlobVersion(storage, REF, listed, CHANGED);
    const error = await blob.bytes(0, 4).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(ConflictError);
    expect((error as Error).message).toBe(CHANGED);
    expect(() => blob.throwIfFailed()).toThrow(CHANGED);
  });

  test('the submit checks and the preview tell of a change each in their own words', async () => {
    const listed = await uploaded('0123456789');
    storage.upload(REF, 'data.csv', 'other bytes');
    await expect(inspectFile(storage, REF, listed, DEFAULT_CONTENT_POLICY)).rejects.toThrow(
      new ConflictError('data.csv changed while its content was being checked; it will be checked again'),
    );
    await expect(new PreviewedBlob(storage, REF, listed.name, listed.size, listed.etag).bytes(0, 4)).rejects.toThrow(
      new ConflictError("'data.csv' changed while it was being previewed; ask again to see the version there now"),
    );
  });

  test('the first storage failure is remembered; a blob read without one has none to throw', async () => {
    const blob = new BlobVersion(storage, REF, await uploaded('0123456789'), CHANGED);
    await blob.bytes(0, 4);
    expect(() => blob.throwIfFailed()).not.toThrow();
    storage.failure = new Error('connection reset');
    await expect(blob.bytes(0, 4)).rejects.toThrow('connection reset');
    storage.failure = new Error('later failure');
    await expect(blob.bytes(0, 4)).rejects.toThrow('later failure');
    expect(() => blob.throwIfFailed()).toThrow('connection reset');
  });

  test('a range stream that fails in storage fails, and the failure is remembered', async () => {
    const blob = new BlobVersion(storage, REF, await uploaded('0123456789'), CHANGED);
    storage.failure = new Error('connection reset');
    await expect(text(blob.streamRange(0, 4))).rejects.toThrow('connection reset');
    expect(() => blob.throwIfFailed()).toThrow('connection reset');
  });
});

describe('BlobVersion: range streams', () => {
  test('filled with the range, read as one range from storage', async () => {
    const blob = new BlobVersion(storage, REF, await uploaded('0123456789'), CHANGED);
    expect(await text(blob.streamRange(3, 4))).toBe('3456');
    expect(storage.reads).toEqual([{ offset: 3, count: 4 }]);
  });

  test('closing one mid-way stops its download', async () => {
    const blob = new BlobVersion(storage, REF, await uploaded('0123456789'), CHANGED);
    const download = new PassThrough();
    storage.source = download;
    const range = blob.streamRange(0, 10);
    download.write('01234');
    await new Promise((resolve) => range.once('data', resolve));
    range.destroy();
    await new Promise((resolve) => setImmediate(resolve));
    expect(download.destroyed).toBe(true);
  });
});
