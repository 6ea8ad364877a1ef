import { IntegrityError } from '../domain/errors';
import { BlockDigests } from '../domain/request';
import { FilesLocation, reviewedCopyContainerName, StageAccount, stageAccountFor, stageContainerName } from '../domain/stages';
import { RequestType } from '../domain/status';

export type { BlockDigests };

/** Identifies one request's container in one stage account of one workspace. */
export interface ContainerRef {
  account: StageAccount;
  workspaceId: string;
  /** `<request id>-<cycle>` (stageContainerName) */
  container: string;
}

export interface StoredFile {
  name: string;
  size: number;
  etag: string;
}

export interface HashedFile extends StoredFile {
  sha256: string;
  /** present when asked for (`blockDigests`) */
  blocks?: BlockDigests;
}

export interface HashOptions {
  /** Hash this version only; another version is a ConflictError. */
  etag?: string;
  /** Also the MD5 of each block, as `copyFile` will ask the storage service to check them. */
  blockDigests?: boolean;
  /**
   * Given every chunk of the same read, in order, and awaited before the next (so a slower reader,
   * clamd, holds the read back rather than the chunks piling up): the one read feeds the scanner too.
   */
  tee?: (bytes: Buffer) => Promise<void> | void;
}

export interface ByteRange {
  offset: number;
  /** bytes to read; to the end when absent */
  count?: number;
}

export interface FileContent {
  stream: NodeJS.ReadableStream;
  /** the whole blob's size, whatever the range */
  size: number;
  etag: string;
}

export interface CopyOptions {
  /** Copy only this version of the source; a changed source fails the copy (ConflictError). */
  sourceEtag?: string;
  /**
   * The source's block digests as `hashFile` gave them: the storage service checks each block it
   * copies against its MD5, so a copy of other bytes fails (IntegrityError) and is never made.
   */
  blocks?: BlockDigests;
  /** Provenance set in the copy call itself, so no write follows on the destination. */
  metadata?: Record<string, string>;
}

/** How a file is cut into blocks for its digests and its copies. */
export interface BlockLimits {
  /** Largest file copied in one call (Copy Blob From URL); it has one digest. */
  singleCallMaxBytes: number;
  /** Smallest block of a file copied block by block. */
  minBlockBytes: number;
  /** Largest block one Put Block From URL may copy. */
  maxBlockBytes: number;
}

/**
 * A file above the single-call limit has at most this many block digests (unless it is too large
 * for that many blocks of the largest size): they are kept on the request document, whose size is
 * bounded (AIRLOCK_SETTINGS_LIMITS), and the blocks are copied in parallel.
 */
export const MAX_DIGESTED_BLOCKS = 8;

const MD5_BYTES = 16;

const MiB = 1024 * 1024;

/** Azure's: Copy Blob From URL copies up to 256 MiB; a block is at most 4000 MiB. */
export const AZURE_BLOCK_LIMITS: BlockLimits = { singleCallMaxBytes: 256 * MiB, minBlockBytes: 8 * MiB, maxBlockBytes: 4000 * MiB };

/** The block size for a file of `size` bytes: the whole file up to the single-call limit, else at most MAX_DIGESTED_BLOCKS blocks. */
export function blockBytesFor(size: number, limits: BlockLimits): number {
  if (size <= limits.singleCallMaxBytes) return Math.max(size, 1);
  return Math.min(limits.maxBlockBytes, Math.max(limits.minBlockBytes, Math.ceil(size / MAX_DIGESTED_BLOCKS)));
}

/** How many blocks a file of `size` bytes has at `blockBytes` per block; an empty file has one. */
export function blockCount(size: number, blockBytes: number): number {
  return Math.max(1, Math.ceil(size / blockBytes));
}

/** One block of a file and the MD5 its bytes must have. */
export interface DigestedBlock {
  range: Required<ByteRange>;
  md5: Buffer;
}

/** The digests as they are recorded: the MD5s concatenated in block order, base64 (compact, for the request document). */
export function blockDigestsOf(blockBytes: number, md5s: readonly Buffer[]): BlockDigests {
  return { blockBytes, md5: Buffer.concat(md5s).toString('base64') };
}

/**
 * Each block of a file of `size` bytes with its recorded MD5. Digests that do not describe a file
 * of that size were not made of it: an IntegrityError naming the file.
 */
export function digestedBlocksOf(name: string, size: number, blocks: BlockDigests): DigestedBlock[] {
  const md5s = Buffer.from(blocks.md5, 'base64');
  const valid =
    Number.isSafeInteger(blocks.blockBytes) &&
    blocks.blockBytes > 0 &&
    md5s.toString('base64') === blocks.md5 &&
    md5s.length === MD5_BYTES * blockCount(size, blocks.blockBytes);
  if (!valid) {
    throw new IntegrityError(
      `file '${name}' has block digests recorded that do not describe its ${size} bytes (${blocks.md5.length} base64 characters for blocks of ${blocks.blockBytes} bytes)`,
    );
  }
  return blockRanges(size, blocks.blockBytes).map((range, index) => ({ range, md5: md5s.subarray(index * MD5_BYTES, (index + 1) * MD5_BYTES) }));
}

/** The byte range of each block of a file of `size` bytes at `blockBytes` per block. */
export function blockRanges(size: number, blockBytes: number): Required<ByteRange>[] {
  return Array.from({ length: blockCount(size, blockBytes) }, (_, index) => {
    const offset = index * blockBytes;
    return { offset, count: Math.min(blockBytes, size - offset) };
  });
}

/**
 * Runs `work` on every item, at most `limit` at once, in order of start. The first failure stops
 * new starts; it is thrown once the ones under way have ended, so nothing runs on after the caller.
 */
export async function forEachBounded<T>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (!failure && next < items.length) {
      const index = next++;
      try {
        await work(items[index], index);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure) throw failure.error;
}

/**
 * The stage storage accounts. Implemented on Azure Blob Storage (managed identity in Azure, account
 * keys on Azurite). File bytes pass through here only in `hashFile` and `readFile`, as streams: a
 * copy is made and verified by the storage service itself.
 */
export interface StageStorage {
  ensureContainer(ref: ContainerRef): Promise<void>;
  listFiles(ref: ContainerRef): Promise<StoredFile[]>;
  /** SHA-256 of one blob (and its block digests, when asked), streamed in one read; with `etag`, of that version only. */
  hashFile(ref: ContainerRef, name: string, options?: HashOptions): Promise<HashedFile>;
  /** A stream of one blob's bytes (or of a range of them), for scanners and inspectors; never buffered here. */
  readFile(ref: ContainerRef, name: string, range?: ByteRange): Promise<FileContent>;
  /**
   * Server-side copy of one blob to the same name in `to` (created if missing); returns the new
   * blob. A copy of the same source version made before is found and returned, not made again.
   */
  copyFile(from: ContainerRef, to: ContainerRef, name: string, options?: CopyOptions): Promise<StoredFile>;
  /** Deletes one blob; absent is fine. */
  deleteFile(ref: ContainerRef, name: string, options?: { etag?: string }): Promise<void>;
  /** Deletes the container and everything in it; absent is fine. */
  deleteContainer(ref: ContainerRef): Promise<void>;
  /** A URL to the container with a SAS scoped to it alone. */
  containerUrl(ref: ContainerRef, permissions: string, expiresOn: Date): Promise<string>;
  ping(): Promise<void>;
}

/** The container of a request's files in one stage for one submission cycle. */
export function containerFor(request: { id: string; workspaceId: string; type: RequestType }, at: FilesLocation): ContainerRef {
  return { account: stageAccountFor(request.type, at.stage), workspaceId: request.workspaceId, container: stageContainerName(request.id, at.cycle) };
}

/** Where the files of submission `cycle` are kept as reviewed, once the request was returned for changes. */
export function reviewedCopyFor(request: { id: string; workspaceId: string; type: RequestType }, cycle: number): ContainerRef {
  return { account: stageAccountFor(request.type, 'in_progress'), workspaceId: request.workspaceId, container: reviewedCopyContainerName(request.id, cycle) };
}
