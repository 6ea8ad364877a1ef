import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import type { TokenCredential } from '@azure/identity';
import { Readable } from 'node:stream';
import { BlobClient, BlobDownloadResponseParsed, BlobServiceClient, RestError, StorageRetryOptions, StorageSharedKeyCredential } from '@azure/storage-blob';
import { ConfigError } from '../../src/config';
import { ConflictError, DependencyError, IntegrityError, InvariantError, NotFoundError } from '../../src/domain/errors';
import { quotedEtag } from '../../src/domain/etag';
import { CORE_ACCOUNTS, StageAccount, storageAccountName, WORKSPACE_ACCOUNTS } from '../../src/domain/stages';
import { BlobStageStorage, SOURCE_ETAG_METADATA_KEY } from '../../src/infra/blobStageStorage';
import { BlockDigests, blockDigestsOf, ContainerRef } from '../../src/infra/stageStorage';
import { newAccountKey, RunningAzurite, startAzurite } from '../../src/local/azurite';

const TRE_ID = 'test';
const WORKSPACE_ID = 'ws01';
const ALL_ACCOUNTS: StageAccount[] = [...CORE_ACCOUNTS, ...WORKSPACE_ACCOUNTS];
const accountKeys = Object.fromEntries(
  ALL_ACCOUNTS.map((account) => [storageAccountName(account, { treId: TRE_ID, workspaceId: WORKSPACE_ID }), newAccountKey()]),
);

let azurite: RunningAzurite;
let storage: BlobStageStorage;

beforeAll(async () => {
  azurite = await startAzurite({ accounts: accountKeys });
  storage = storageAt(`${azurite.blobOrigin}/{account}`);
});

afterAll(async () => {
  await azurite?.close();
});

function storageAt(
  endpointTemplate: string,
  extra: { syncCopyMaxBytes?: number; minBlockBytes?: number; blockCopyConcurrency?: number; keys?: Record<string, string>; retry?: StorageRetryOptions } = {},
) {
  return new BlobStageStorage({
    treId: TRE_ID,
    endpointTemplate,
    auth: { kind: 'account-key', keys: extra.keys ?? accountKeys },
    syncCopyMaxBytes: extra.syncCopyMaxBytes,
    minBlockBytes: extra.minBlockBytes,
    blockCopyConcurrency: extra.blockCopyConcurrency,
    retry: extra.retry,
  });
}

const KiB = 1024;
const MiB = 1024 * KiB;

/** Files above 1 MiB are copied block by block, in blocks of at least 256 KiB: the Azure path at a test's scale. */
function smallLimitsStorage(extra: { blockCopyConcurrency?: number } = {}) {
  return storageAt(`${azurite.blobOrigin}/{account}`, { syncCopyMaxBytes: MiB, minBlockBytes: 256 * KiB, ...extra });
}

function md5(bytes: Buffer): Buffer {
  return createHash('md5').update(bytes).digest();
}

/** The MD5 of each `blockBytes` block of `bytes`, as recorded. */
function digestsOf(bytes: Buffer, blockBytes: number): BlockDigests {
  const md5s: Buffer[] = [];
  for (let offset = 0; offset < bytes.length || md5s.length === 0; offset += blockBytes) md5s.push(md5(bytes.subarray(offset, offset + blockBytes)));
  return blockDigestsOf(blockBytes, md5s);
}

/** The recorded digests with block `index` replaced by the MD5 of other bytes. */
function withWrongBlock(blocks: BlockDigests, index: number): BlockDigests {
  const md5s = Buffer.from(blocks.md5, 'base64');
  if ((index + 1) * 16 > md5s.length) throw new Error(`there is no block ${index} among ${md5s.length / 16}`);
  md5(Buffer.from('bytes that were never there')).copy(md5s, index * 16);
  return { blockBytes: blocks.blockBytes, md5: md5s.toString('base64') };
}

/** A fresh request container, so tests do not see each other's files. */
function newRef(account: StageAccount, container = randomUUID()): ContainerRef {
  return { account, workspaceId: WORKSPACE_ID, container };
}

function inOneHour(): Date {
  return new Date(Date.now() + 3_600_000);
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function blobUrl(containerUrl: string, name: string): string {
  const url = new URL(containerUrl);
  url.pathname += '/' + name.split('/').map(encodeURIComponent).join('/');
  return url.toString();
}

function listUrl(containerUrl: string): string {
  const url = new URL(containerUrl);
  url.searchParams.set('restype', 'container');
  url.searchParams.set('comp', 'list');
  return url.toString();
}

/** What a researcher does with the upload URL: a plain Put Blob. */
function putBlob(containerUrl: string, name: string, bytes: Buffer): Promise<Response> {
  return fetch(blobUrl(containerUrl, name), { method: 'PUT', headers: { 'x-ms-blob-type': 'BlockBlob' }, body: bytes });
}

async function upload(ref: ContainerRef, files: Record<string, Buffer>): Promise<void> {
  await storage.ensureContainer(ref);
  const url = await storage.containerUrl(ref, 'rwdl', inOneHour());
  for (const [name, bytes] of Object.entries(files)) {
    const response = await putBlob(url, name, bytes);
    expect(response.status).toBe(201);
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return address.port;
}

describe('BlobStageStorage on Azurite', () => {
  test('ensureContainer twice is fine', async () => {
    const ref = newRef('stalimex');
    await storage.ensureContainer(ref);
    await storage.ensureContainer(ref);
    expect(await storage.listFiles(ref)).toEqual([]);
  });

  test('files uploaded through the container SAS are listed with their sizes', async () => {
    const ref = newRef('stalexint');
    await upload(ref, { 'a.txt': Buffer.from('hello'), 'data/b.csv': Buffer.from('x,y\n1,2\n') });

    const files = await storage.listFiles(ref);

    expect(files.map(({ name, size }) => ({ name, size }))).toEqual([
      { name: 'a.txt', size: 5 },
      { name: 'data/b.csv', size: 8 },
    ]);
    for (const file of files) expect(file.etag).toMatch(/^".+"$/);
  });

  test('listFiles of a missing container is empty', async () => {
    expect(await storage.listFiles(newRef('stalimip'))).toEqual([]);
  });

  test('hashFile streams the SHA-256 of small and large files', async () => {
    const ref = newRef('stalimex');
    const small = Buffer.from('some research data');
    const large = randomBytes(20 * 1024 * 1024);
    await upload(ref, { 'small.txt': small, 'large.bin': large });
    const listed = await storage.listFiles(ref);

    const hashedSmall = await storage.hashFile(ref, 'small.txt');
    const hashedLarge = await storage.hashFile(ref, 'large.bin');

    expect(hashedSmall).toEqual({ ...listed.find((f) => f.name === 'small.txt'), sha256: sha256(small) });
    expect(hashedLarge).toEqual({ ...listed.find((f) => f.name === 'large.bin'), sha256: sha256(large) });
  });

  test('hashFile of a missing file is NotFound', async () => {
    const ref = newRef('stalimex');
    await storage.ensureContainer(ref);
    await expect(storage.hashFile(ref, 'nope.txt')).rejects.toBeInstanceOf(NotFoundError);
  });

  describe('a download that storage answers wrongly is a DependencyError (503: try again), never a digest', () => {
    /** What Get Blob would answer for `f.txt`, with the body and length storage is made to send. */
    function answer(body: Buffer | undefined, contentLength: number): BlobDownloadResponseParsed {
      return { readableStreamBody: body && Readable.from([body]), contentLength, etag: '"0x8D0000000000001"' } as BlobDownloadResponseParsed;
    }

    async function withDownload<T>(response: BlobDownloadResponseParsed, action: (ref: ContainerRef) => Promise<T>): Promise<T> {
      const ref = newRef('stalimex');
      await upload(ref, { 'f.txt': Buffer.from('0123456789') });
      const download = jest.spyOn(BlobClient.prototype, 'download').mockResolvedValueOnce(response);
      try {
        return await action(ref);
      } finally {
        download.mockRestore();
      }
    }

    test('a body that ends short of its length', async () => {
      const hashing = withDownload(answer(Buffer.from('012'), 10), (ref) => storage.hashFile(ref, 'f.txt'));
      await expect(hashing).rejects.toBeInstanceOf(DependencyError);
      await expect(hashing).rejects.toThrow(/^download of f\.txt from stalimextest\/[-0-9a-f]+ ended after 3 of 10 bytes$/);
    });

    test('no body at all, when hashing and when reading', async () => {
      const hashing = withDownload(answer(undefined, 10), (ref) => storage.hashFile(ref, 'f.txt'));
      await expect(hashing).rejects.toBeInstanceOf(DependencyError);
      await expect(hashing).rejects.toThrow(/returned no body/);
      const reading = withDownload(answer(undefined, 10), (ref) => storage.readFile(ref, 'f.txt'));
      await expect(reading).rejects.toBeInstanceOf(DependencyError);
      await expect(reading).rejects.toThrow(/returned no body/);
    });
  });

  describe('copyFile', () => {
    test('copies the bytes server-side to the same name and sets the metadata', async () => {
      const requestId = randomUUID();
      const from = newRef('stalimex', requestId);
      const to = newRef('stalimip', requestId);
      const bytes = randomBytes(3 * 1024 * 1024);
      await upload(from, { 'data/x.bin': bytes });
      const [source] = await storage.listFiles(from);

      const copied = await storage.copyFile(from, to, 'data/x.bin', {
        sourceEtag: source.etag,
        metadata: { airlock_request_id: requestId },
      });

      expect(copied).toEqual(expect.objectContaining({ name: 'data/x.bin', size: bytes.length }));
      expect(await storage.listFiles(to)).toEqual([copied]);
      expect((await storage.hashFile(to, 'data/x.bin')).sha256).toBe(sha256(bytes));
      const head = await fetch(blobUrl(await storage.containerUrl(to, 'r', inOneHour()), 'data/x.bin'), { method: 'HEAD' });
      expect(head.headers.get(`x-ms-meta-${SOURCE_ETAG_METADATA_KEY}`)).toBe(source.etag);
      expect(head.headers.get('x-ms-meta-airlock_request_id')).toBe(requestId);
    });

    test('a second copy of the same source version is a no-op', async () => {
      const requestId = randomUUID();
      const from = newRef('stalimex', requestId);
      const to = newRef('stalimip', requestId);
      await upload(from, { 'f.txt': Buffer.from('v1') });
      const [source] = await storage.listFiles(from);

      const first = await storage.copyFile(from, to, 'f.txt', { sourceEtag: source.etag });
      const second = await storage.copyFile(from, to, 'f.txt', { sourceEtag: source.etag });
      const withoutEtag = await storage.copyFile(from, to, 'f.txt');

      expect(second).toEqual(first);
      expect(withoutEtag).toEqual(first);
    });

    test('a retried move whose source is already deleted still succeeds', async () => {
      const requestId = randomUUID();
      const from = newRef('stalimex', requestId);
      const to = newRef('stalimip', requestId);
      await upload(from, { 'f.txt': Buffer.from('moved') });
      const [source] = await storage.listFiles(from);
      const first = await storage.copyFile(from, to, 'f.txt', { sourceEtag: source.etag });
      await storage.deleteContainer(from);

      expect(await storage.copyFile(from, to, 'f.txt', { sourceEtag: source.etag })).toEqual(first);
    });

    test('a changed source is copied again', async () => {
      const requestId = randomUUID();
      const from = newRef('stalimex', requestId);
      const to = newRef('stalimip', requestId);
      await upload(from, { 'f.txt': Buffer.from('v1') });
      const first = await storage.copyFile(from, to, 'f.txt');
      await upload(from, { 'f.txt': Buffer.from('version 2') });

      const second = await storage.copyFile(from, to, 'f.txt');

      expect(second.etag).not.toBe(first.etag);
      expect(second.size).toBe(9);
    });

    test('a wrong sourceEtag fails, names the file and creates nothing', async () => {
      const requestId = randomUUID();
      const from = newRef('stalimex', requestId);
      const to = newRef('stalimip', requestId);
      await upload(from, { 'f.txt': Buffer.from('v1') });

      const copying = storage.copyFile(from, to, 'f.txt', { sourceEtag: '"0x8DEADBEEF"' });

      await expect(copying).rejects.toBeInstanceOf(ConflictError);
      await expect(copying).rejects.toThrow(/f\.txt/);
      expect(await storage.listFiles(to)).toEqual([]);
    });

    test('a source that changes while the copy starts fails the copy, which creates nothing', async () => {
      const requestId = randomUUID();
      const from = newRef('stalimex', requestId);
      const to = newRef('stalimip', requestId);
      await upload(from, { 'f.txt': Buffer.from('v1') });
      const [source] = await storage.listFiles(from);
      const realCopy = BlobClient.prototype.syncCopyFromURL;
      const copyCall = jest.spyOn(BlobClient.prototype, 'syncCopyFromURL');
      // The researcher overwrites the file between the airlock's check and its copy request.
      copyCall.mockImplementationOnce(async function (this: BlobClient, ...args) {
        await upload(from, { 'f.txt': Buffer.from('v2, changed') });
        return realCopy.apply(this, args);
      });

      const copying = storage.copyFile(from, to, 'f.txt', { sourceEtag: source.etag });

      await expect(copying).rejects.toBeInstanceOf(ConflictError);
      await expect(copying).rejects.toThrow(/f\.txt/);
      expect(copyCall).toHaveBeenCalledTimes(1);
      copyCall.mockRestore();
      expect(await storage.listFiles(to)).toEqual([]);
    });

    test("a copy the storage service fails is a DependencyError that names the file and keeps storage's error", async () => {
      const requestId = randomUUID();
      const from = newRef('stalimex', requestId);
      const to = newRef('stalimip', requestId);
      await upload(from, { 'f.txt': Buffer.from('v1') });
      const busy = new RestError('Operation could not be completed within the specified time.\nRequestId:1', { statusCode: 500, code: 'OperationTimedOut' });
      const copyCall = jest.spyOn(BlobClient.prototype, 'syncCopyFromURL').mockRejectedValueOnce(busy);

      const copying = storage.copyFile(from, to, 'f.txt');

      await expect(copying).rejects.toBeInstanceOf(DependencyError);
      await expect(copying).rejects.toThrow(
        `copy of f.txt from stalimextest/${from.container} to stalimiptest/${to.container} failed: Operation could not be completed within the specified time.`,
      );
      await expect(copying).rejects.toHaveProperty('cause', busy);
      copyCall.mockRestore();
    });

    test('a missing source is NotFound', async () => {
      const requestId = randomUUID();
      await storage.ensureContainer(newRef('stalimex', requestId));
      await expect(storage.copyFile(newRef('stalimex', requestId), newRef('stalimip', requestId), 'nope')).rejects.toBeInstanceOf(
        NotFoundError,
      );
    });

    test('a blob above the single-call limit is copied block by block even with nothing recorded for it', async () => {
      const blocky = smallLimitsStorage();
      const requestId = randomUUID();
      const from = newRef('stalexip', requestId);
      const to = newRef('stalexapp', requestId);
      const bytes = randomBytes(MiB + 1);
      await upload(from, { 'big.bin': bytes });
      const [source] = await storage.listFiles(from);

      const copied = await blocky.copyFile(from, to, 'big.bin', { sourceEtag: source.etag });

      expect(copied).toEqual({ name: 'big.bin', size: bytes.length, etag: (await storage.listFiles(to))[0].etag });
      expect((await storage.hashFile(to, 'big.bin')).sha256).toBe(sha256(bytes));
      expect(await blocky.copyFile(from, to, 'big.bin', { sourceEtag: source.etag })).toEqual(copied);
    });
  });

  describe('block digests, taken in the same read as the SHA-256', () => {
    test('a file up to the single-call limit has one MD5, of all of it; an empty file has the MD5 of nothing', async () => {
      const ref = newRef('stalimex');
      const oneMiB = randomBytes(MiB);
      await upload(ref, { 'limit.bin': oneMiB, 'empty.txt': Buffer.alloc(0) });

      const atLimit = await smallLimitsStorage().hashFile(ref, 'limit.bin', { blockDigests: true });
      const empty = await smallLimitsStorage().hashFile(ref, 'empty.txt', { blockDigests: true });

      expect(atLimit).toMatchObject({ sha256: sha256(oneMiB), blocks: { blockBytes: MiB, md5: md5(oneMiB).toString('base64') } });
      expect(empty).toMatchObject({ sha256: sha256(Buffer.alloc(0)), blocks: { blockBytes: 1, md5: md5(Buffer.alloc(0)).toString('base64') } });
    });

    test('a larger file has the MD5 of each block, the last one short, whatever chunks the download arrives in', async () => {
      const ref = newRef('stalimex');
      const bytes = randomBytes(2 * MiB - 1000);
      await upload(ref, { 'large.bin': bytes });

      const hashed = await smallLimitsStorage().hashFile(ref, 'large.bin', { blockDigests: true });

      const blockBytes = 256 * KiB;
      const expected = Array.from({ length: 8 }, (_, index) => md5(bytes.subarray(index * blockBytes, (index + 1) * blockBytes)));
      expect(hashed).toMatchObject({ size: bytes.length, sha256: sha256(bytes), blocks: blockDigestsOf(blockBytes, expected) });
    });

    test('a file that would have more than 8 blocks of the smallest size has 8 larger ones', async () => {
      const ref = newRef('stalimex');
      const bytes = randomBytes(4 * MiB + 8);
      await upload(ref, { 'larger.bin': bytes });

      const { blocks } = await smallLimitsStorage().hashFile(ref, 'larger.bin', { blockDigests: true });

      expect(blocks).toEqual(digestsOf(bytes, 512 * KiB + 1));
      expect(Buffer.from(blocks!.md5, 'base64')).toHaveLength(8 * 16);
    });

    test('without being asked, hashFile takes no block digests', async () => {
      const ref = newRef('stalimex');
      await upload(ref, { 'a.txt': Buffer.from('a') });
      expect(await storage.hashFile(ref, 'a.txt')).not.toHaveProperty('blocks');
    });
  });

  describe('verified copies: bound to the recorded version and checked by the storage service, never read by the airlock', () => {
    async function hashedSource(bytes: Buffer, store = smallLimitsStorage()) {
      const requestId = randomUUID();
      const from = newRef('stalimex', requestId);
      const to = newRef('stalimip', requestId);
      await upload(from, { 'data.bin': bytes });
      const hashed = await store.hashFile(from, 'data.bin', { blockDigests: true });
      return { from, to, hashed, recorded: { sourceEtag: hashed.etag, blocks: hashed.blocks } };
    }

    test('a file up to the single-call limit is one Copy Blob From URL carrying its MD5 and conditional on its version', async () => {
      const store = smallLimitsStorage();
      const bytes = randomBytes(MiB);
      const { from, to, hashed, recorded } = await hashedSource(bytes, store);
      const download = jest.spyOn(BlobClient.prototype, 'download');
      const copyCall = jest.spyOn(BlobClient.prototype, 'syncCopyFromURL');

      const copied = await store.copyFile(from, to, 'data.bin', recorded);

      expect(copyCall).toHaveBeenCalledTimes(1);
      const [, options] = copyCall.mock.calls[0];
      expect(Buffer.from(options?.sourceContentMD5 ?? [])).toEqual(md5(bytes));
      expect(options?.sourceConditions).toEqual({ ifMatch: hashed.etag });
      expect(download).not.toHaveBeenCalled();
      copyCall.mockRestore();
      download.mockRestore();
      expect(copied).toEqual({ name: 'data.bin', size: bytes.length, etag: (await storage.listFiles(to))[0].etag });
      expect((await storage.hashFile(to, 'data.bin')).sha256).toBe(sha256(bytes));
    });

    test('a larger file is copied block by block, committed in order with its provenance and content type, nothing read by the airlock', async () => {
      const store = smallLimitsStorage();
      const bytes = randomBytes(2 * MiB - 1000);
      const { from, to, hashed, recorded } = await hashedSource(bytes, store);
      const sourceClient = new BlobServiceClient(`${azurite.blobOrigin}/stalimextest`, new StorageSharedKeyCredential('stalimextest', accountKeys.stalimextest));
      await sourceClient.getContainerClient(from.container).getBlobClient('data.bin').setHTTPHeaders({ blobContentType: 'application/x-parquet' });
      const [versionWithHeaders] = await storage.listFiles(from);
      const download = jest.spyOn(BlobClient.prototype, 'download');

      const copied = await store.copyFile(from, to, 'data.bin', { ...recorded, sourceEtag: versionWithHeaders.etag, metadata: { airlock_sha256: hashed.sha256 } });

      expect(download).not.toHaveBeenCalled();
      download.mockRestore();
      const destination = new BlobServiceClient(`${azurite.blobOrigin}/stalimiptest`, new StorageSharedKeyCredential('stalimiptest', accountKeys.stalimiptest))
        .getContainerClient(to.container)
        .getBlockBlobClient('data.bin');
      const { committedBlocks } = await destination.getBlockList('committed');
      expect(committedBlocks?.map((block) => block.size)).toEqual([...new Array<number>(7).fill(256 * KiB), 256 * KiB - 1000]);
      const properties = await destination.getProperties();
      expect(properties.metadata).toEqual({ airlock_sha256: hashed.sha256, [SOURCE_ETAG_METADATA_KEY]: versionWithHeaders.etag });
      expect(properties.contentType).toBe('application/x-parquet');
      expect(copied).toEqual({ name: 'data.bin', size: bytes.length, etag: quotedEtag(properties.etag) });
      expect((await storage.hashFile(to, 'data.bin')).sha256).toBe(sha256(bytes));
      expect(await store.copyFile(from, to, 'data.bin', { ...recorded, sourceEtag: versionWithHeaders.etag })).toEqual(copied);
    });

    test('a block whose bytes do not have their recorded MD5 fails the copy, naming the file and the bytes, and nothing is committed', async () => {
      const store = smallLimitsStorage();
      const { from, to, recorded } = await hashedSource(randomBytes(2 * MiB), store);
      const copying = store.copyFile(from, to, 'data.bin', { ...recorded, blocks: withWrongBlock(recorded.blocks!, 5) });

      await expect(copying).rejects.toBeInstanceOf(IntegrityError);
      await expect(copying).rejects.toThrow(
        `file 'data.bin' in stalimextest/${from.container} is not what was hashed: the storage service found its bytes from ${5 * 256 * KiB} (${256 * KiB} bytes) differ from the MD5 recorded with its SHA-256; not copied to stalimiptest/${to.container}`,
      );
      expect(await storage.listFiles(to)).toEqual([]);
    });

    test('a source changed once its version was checked fails the block copy, and nothing is committed', async () => {
      const store = smallLimitsStorage();
      const { from, to, recorded } = await hashedSource(randomBytes(2 * MiB), store);
      const realGetProperties = BlobClient.prototype.getProperties;
      const sourceRead = jest.spyOn(BlobClient.prototype, 'getProperties');
      // The researcher overwrites the file right after the airlock read its version, before any block is copied.
      sourceRead.mockImplementation(async function (this: BlobClient, ...args) {
        const properties = await realGetProperties.apply(this, args);
        if (this.containerName === from.container) {
          sourceRead.mockRestore();
          await upload(from, { 'data.bin': randomBytes(2 * MiB) });
        }
        return properties;
      });

      const copying = store.copyFile(from, to, 'data.bin', recorded);

      await expect(copying).rejects.toBeInstanceOf(ConflictError);
      await expect(copying).rejects.toThrow(`data.bin in stalimextest/${from.container} changed since it was checked; not copied to stalimiptest/${to.container}`);
      sourceRead.mockRestore();
      expect(await storage.listFiles(to)).toEqual([]);
    });

    test('digests that do not describe the file (another size) are refused before anything is copied', async () => {
      const store = smallLimitsStorage();
      const { from, to, recorded } = await hashedSource(randomBytes(2 * MiB), store);

      const oneTooFew = Buffer.from(recorded.blocks!.md5, 'base64').subarray(16).toString('base64');
      const copying = store.copyFile(from, to, 'data.bin', { ...recorded, blocks: { blockBytes: 256 * KiB, md5: oneTooFew } });

      await expect(copying).rejects.toBeInstanceOf(IntegrityError);
      await expect(copying).rejects.toThrow(
        `file 'data.bin' has block digests recorded that do not describe its ${2 * MiB} bytes (${oneTooFew.length} base64 characters for blocks of ${256 * KiB} bytes)`,
      );
      expect(await storage.listFiles(to)).toEqual([]);
    });

    test('Azurite does not check the MD5 of a Copy Blob From URL, as Azure does (the gap docs/local-stand-ins.md describes)', async () => {
      const store = smallLimitsStorage();
      const bytes = randomBytes(MiB);
      const { from, to, recorded } = await hashedSource(bytes, store);

      const copied = await store.copyFile(from, to, 'data.bin', { ...recorded, blocks: withWrongBlock(recorded.blocks!, 0) });

      expect(copied.size).toBe(bytes.length);
    });

    test('blocks are copied a bounded number at once', async () => {
      const store = smallLimitsStorage({ blockCopyConcurrency: 3 });
      const { from, to, recorded } = await hashedSource(randomBytes(4 * MiB), store);
      let inFlight = 0;
      let most = 0;
      // Counts the Put Block From URL calls under way on the client the copy makes.
      const getBlockBlobClient = jest.spyOn(BlobClient.prototype, 'getBlockBlobClient').mockImplementation(function (this: BlobClient) {
        getBlockBlobClient.mockRestore();
        const client = this.getBlockBlobClient();
        const context = (client as unknown as { blockBlobContext: { stageBlockFromURL: (...args: unknown[]) => Promise<unknown> } }).blockBlobContext;
        const real = context.stageBlockFromURL.bind(context);
        context.stageBlockFromURL = async (...args: unknown[]) => {
          inFlight++;
          most = Math.max(most, inFlight);
          try {
            return await real(...args);
          } finally {
            inFlight--;
          }
        };
        return client;
      });

      await store.copyFile(from, to, 'data.bin', recorded);

      expect(most).toBe(3);
    });
  });

  describe('deleting', () => {
    test('deleteFile is idempotent', async () => {
      const ref = newRef('stalimrej');
      await upload(ref, { 'a.txt': Buffer.from('a'), 'b.txt': Buffer.from('b') });

      await storage.deleteFile(ref, 'a.txt');
      await storage.deleteFile(ref, 'a.txt');

      expect((await storage.listFiles(ref)).map((f) => f.name)).toEqual(['b.txt']);
    });

    test('deleteFile with a stale etag deletes nothing', async () => {
      const ref = newRef('stalimrej');
      await upload(ref, { 'a.txt': Buffer.from('a') });
      const [file] = await storage.listFiles(ref);

      await expect(storage.deleteFile(ref, 'a.txt', { etag: '"0x8DEADBEEF"' })).rejects.toBeInstanceOf(ConflictError);
      expect(await storage.listFiles(ref)).toEqual([file]);
      await storage.deleteFile(ref, 'a.txt', { etag: file.etag });
      expect(await storage.listFiles(ref)).toEqual([]);
    });

    test('deleteContainer is idempotent', async () => {
      const ref = newRef('stalimblocked');
      await upload(ref, { 'a.txt': Buffer.from('a') });

      await storage.deleteContainer(ref);
      await storage.deleteContainer(ref);

      expect(await storage.listFiles(ref)).toEqual([]);
    });
  });

  describe('containerUrl', () => {
    test('points at the container in its account, path-style on Azurite', async () => {
      const ref = newRef('stalimapp');
      const url = new URL(await storage.containerUrl(ref, 'rwdl', inOneHour()));

      expect(`${url.origin}${url.pathname}`).toBe(`${azurite.blobOrigin}/stalimappwsws01/${ref.container}`);
      expect(url.searchParams.get('sp')).toBe('rwdl');
      expect(url.searchParams.get('sr')).toBe('c');
    });

    test("'rl' can list but not write", async () => {
      const ref = newRef('stalimip');
      await upload(ref, { 'a.txt': Buffer.from('a') });
      const readOnly = await storage.containerUrl(ref, 'rl', inOneHour());

      expect((await putBlob(readOnly, 'b.txt', Buffer.from('b'))).status).toBe(403);
      const listing = await fetch(listUrl(readOnly));
      expect(listing.status).toBe(200);
      expect(await listing.text()).toContain('<Name>a.txt</Name>');
    });

    test('an expired SAS is refused', async () => {
      const ref = newRef('stalimex');
      await storage.ensureContainer(ref);
      const expired = await storage.containerUrl(ref, 'rwdl', new Date(Date.now() - 60_000));

      expect((await fetch(listUrl(expired))).status).toBe(403);
      expect((await putBlob(expired, 'a.txt', Buffer.from('a'))).status).toBe(403);
    });

    test('a SAS for one container does not open another', async () => {
      const containerA = newRef('stalimex');
      const containerB = newRef('stalimex');
      await storage.ensureContainer(containerA);
      await storage.ensureContainer(containerB);
      const urlA = new URL(await storage.containerUrl(containerA, 'rwdl', inOneHour()));
      const urlB = new URL(await storage.containerUrl(containerB, 'rwdl', inOneHour()));
      const sasAOnB = `${urlB.origin}${urlB.pathname}${urlA.search}`;

      expect((await putBlob(sasAOnB, 'a.txt', Buffer.from('a'))).status).toBe(403);
      expect((await fetch(listUrl(sasAOnB))).status).toBe(403);
    });
  });

  describe('mistakes in how it is set up or called', () => {
    test('an endpoint template without {account} is a configuration error, found when the adapter is built', () => {
      expect(() => storageAt('http://127.0.0.1:10000/stalimextest')).toThrow(ConfigError);
      expect(() => storageAt('http://127.0.0.1:10000/stalimextest')).toThrow(/endpointTemplate "http:\/\/127\.0\.0\.1:10000\/stalimextest" has no \{account\} placeholder/);
    });

    test('a container SAS without permissions is a broken contract, not a link', async () => {
      await expect(storage.containerUrl(newRef('stalimex'), '', inOneHour())).rejects.toBeInstanceOf(InvariantError);
    });

    test('an account without a configured key is said as such (503, like a refused key)', async () => {
      const keyless = storageAt(`${azurite.blobOrigin}/{account}`, { keys: {} });
      await expect(keyless.ping()).rejects.toBeInstanceOf(DependencyError);
      await expect(keyless.ping()).rejects.toThrow('no account key configured for stage storage stalimextest');
    });
  });

  describe('ping', () => {
    test('answers when storage is up', async () => {
      await expect(storage.ping()).resolves.toBeUndefined();
    });

    test('says which account is unreachable when storage is down', async () => {
      // The storage SDK's own retries, as configured, but without their seconds of waiting in between.
      const down = storageAt(`http://127.0.0.1:${await freePort()}/{account}`, { retry: { maxTries: 4, retryDelayInMs: 1, maxRetryDelayInMs: 1 } });
      const pinging = down.ping();

      await expect(pinging).rejects.toBeInstanceOf(DependencyError);
      await expect(pinging).rejects.toThrow(/stage storage stalimextest unreachable/);
    });

    test('says the credentials are refused when the key is wrong', async () => {
      const wrongKeys = Object.fromEntries(Object.keys(accountKeys).map((name) => [name, newAccountKey()]));
      const pinging = storageAt(`${azurite.blobOrigin}/{account}`, { keys: wrongKeys }).ping();

      await expect(pinging).rejects.toBeInstanceOf(DependencyError);
      await expect(pinging).rejects.toThrow(/stage storage stalimextest refused/);
    });
  });
});

/**
 * The Azure path: bearer tokens, user-delegation keys and user-delegation SAS. Azurite accepts
 * bearer tokens only over HTTPS with `oauth: basic` (it checks iss, aud and lifetime, not the
 * signature), which `startAzurite` does not offer, so this block starts its own blob server.
 */
const hasOpenssl = spawnSync('openssl', ['version']).status === 0;
(hasOpenssl ? describe : describe.skip)('BlobStageStorage with managed identity (user-delegation SAS)', () => {
  let certDir: string;
  let httpsServer: { start(): Promise<void>; close(): Promise<void>; getHttpServerAddress(): string };
  let tokenRequests = 0;
  let managed: BlobStageStorage;
  const originalTlsConnect = tls.connect;

  /**
   * Trusts the throw-away certificate the way NODE_EXTRA_CA_CERTS would: the SDK has no CA option,
   * jest sandboxes process.env, and Azurite checks copy sources over HTTPS from this same process.
   */
  function trustCertificate(certificate: string): void {
    const ca = [...tls.rootCertificates, certificate];
    const connectTrusting = (...args: unknown[]) => {
      const [first, ...rest] = args;
      const withCa = typeof first === 'object' && first !== null ? [{ ca, ...first }, ...rest] : args;
      return (originalTlsConnect as (...a: unknown[]) => tls.TLSSocket)(...withCa);
    };
    tls.connect = connectTrusting as typeof tls.connect;
  }

  const fakeManagedIdentity: TokenCredential = {
    async getToken() {
      tokenRequests += 1;
      const now = Math.floor(Date.now() / 1000);
      const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
      const claims = {
        iss: 'https://sts.windows.net/00000000-0000-0000-0000-000000000001/',
        aud: 'https://storage.azure.com',
        iat: now,
        nbf: now - 60,
        exp: now + 3600,
        oid: '00000000-0000-0000-0000-0000000000aa',
        tid: '00000000-0000-0000-0000-000000000001',
      };
      return { token: `${part({ alg: 'none', typ: 'JWT' })}.${part(claims)}.unsigned`, expiresOnTimestamp: (now + 3600) * 1000 };
    },
  };

  beforeAll(async () => {
    certDir = mkdtempSync(join(tmpdir(), 'airlock-azurite-tls-'));
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1',
      '-keyout', join(certDir, 'key.pem'), '-out', join(certDir, 'cert.pem'),
    ], { stdio: 'ignore' });
    trustCertificate(readFileSync(join(certDir, 'cert.pem'), 'utf8'));
    const BlobServer = require('azurite/dist/src/blob/BlobServer').default;
    const BlobConfiguration = require('azurite/dist/src/blob/BlobConfiguration').default;
    // Accounts come from AZURITE_ACCOUNTS, which the outer beforeAll's startAzurite published.
    httpsServer = new BlobServer(
      new BlobConfiguration(
        '127.0.0.1', 0, 5, ':memory:oauth-blob-metadata.db', ':memory:oauth-blob-extents.db', undefined,
        false, undefined, false, undefined, true, true,
        join(certDir, 'cert.pem'), join(certDir, 'key.pem'), '', 'basic', false, true,
      ),
    );
    await httpsServer.start();
    managed = new BlobStageStorage({
      treId: TRE_ID,
      endpointTemplate: `${httpsServer.getHttpServerAddress()}/{account}`,
      auth: { kind: 'managed-identity', credential: fakeManagedIdentity },
    });
  });

  afterAll(async () => {
    await httpsServer?.close();
    tls.connect = originalTlsConnect;
    if (certDir) rmSync(certDir, { recursive: true, force: true });
  });

  test('pings with a token', async () => {
    await managed.ping();
    expect(tokenRequests).toBeGreaterThan(0);
  });

  test('a user-delegation container SAS is https-only and lets a researcher upload; rl only lists', async () => {
    const ref = newRef('stalexint');
    await managed.ensureContainer(ref);
    const upload = await managed.containerUrl(ref, 'rwdl', inOneHour());
    const readOnly = await managed.containerUrl(ref, 'rl', inOneHour());

    expect(new URL(upload).searchParams.get('spr')).toBe('https');
    expect(new URL(upload).searchParams.get('skoid')).toBe('00000000-0000-0000-0000-0000000000aa');
    expect((await putBlob(upload, 'a.txt', Buffer.from('hello'))).status).toBe(201);
    expect((await putBlob(readOnly, 'b.txt', Buffer.from('b'))).status).toBe(403);
    expect((await fetch(listUrl(readOnly))).status).toBe(200);
    expect(await managed.listFiles(ref)).toEqual([expect.objectContaining({ name: 'a.txt', size: 5 })]);
  });

  test('copies across accounts with a user-delegation source SAS', async () => {
    const requestId = randomUUID();
    const from = newRef('stalimex', requestId);
    const to = newRef('stalimip', requestId);
    const bytes = randomBytes(256 * 1024);
    await managed.ensureContainer(from);
    expect((await putBlob(await managed.containerUrl(from, 'rwdl', inOneHour()), 'x.bin', bytes)).status).toBe(201);

    const copied = await managed.copyFile(from, to, 'x.bin');

    expect(copied.size).toBe(bytes.length);
    expect((await managed.hashFile(to, 'x.bin')).sha256).toBe(sha256(bytes));
  });

  test('copies block by block across accounts with a user-delegation source SAS, every block checked against its MD5', async () => {
    const blocky = new BlobStageStorage({
      treId: TRE_ID,
      endpointTemplate: `${httpsServer.getHttpServerAddress()}/{account}`,
      auth: { kind: 'managed-identity', credential: fakeManagedIdentity },
      syncCopyMaxBytes: MiB,
      minBlockBytes: 256 * KiB,
    });
    const requestId = randomUUID();
    const from = newRef('stalexip', requestId);
    const to = newRef('stalexapp', requestId);
    const bytes = randomBytes(2 * MiB - 7);
    await blocky.ensureContainer(from);
    expect((await putBlob(await blocky.containerUrl(from, 'rwdl', inOneHour()), 'x.bin', bytes)).status).toBe(201);
    const hashed = await blocky.hashFile(from, 'x.bin', { blockDigests: true });
    const corrupt = withWrongBlock(hashed.blocks!, 7);

    await expect(blocky.copyFile(from, to, 'x.bin', { sourceEtag: hashed.etag, blocks: corrupt })).rejects.toBeInstanceOf(IntegrityError);
    const copied = await blocky.copyFile(from, to, 'x.bin', { sourceEtag: hashed.etag, blocks: hashed.blocks });

    expect(hashed.blocks).toEqual(digestsOf(bytes, 256 * KiB));
    expect(copied.size).toBe(bytes.length);
    expect((await blocky.hashFile(to, 'x.bin')).sha256).toBe(sha256(bytes));
  });

  test('reuses one delegation key per account while it lasts', async () => {
    const fresh = new BlobStageStorage({
      treId: TRE_ID,
      endpointTemplate: `${httpsServer.getHttpServerAddress()}/{account}`,
      auth: { kind: 'managed-identity', credential: fakeManagedIdentity },
    });
    const keyRequests = jest.spyOn(BlobServiceClient.prototype, 'getUserDelegationKey');

    await Promise.all([
      fresh.containerUrl(newRef('stalimex'), 'rl', inOneHour()),
      fresh.containerUrl(newRef('stalimex'), 'rwdl', inOneHour()),
      fresh.containerUrl(newRef('stalimip'), 'rl', inOneHour()),
    ]);
    await fresh.containerUrl(newRef('stalimex'), 'rl', inOneHour());

    expect(keyRequests).toHaveBeenCalledTimes(2);
    keyRequests.mockRestore();
  });

  test('refuses a SAS that would outlive the longest delegation key', async () => {
    const eightDays = new Date(Date.now() + 8 * 24 * 3_600_000);
    const signing = managed.containerUrl(newRef('stalimex'), 'rl', eightDays);
    await expect(signing).rejects.toBeInstanceOf(InvariantError);
    await expect(signing).rejects.toThrow(/seven days/);
  });
});
