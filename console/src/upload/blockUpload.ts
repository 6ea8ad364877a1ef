/**
 * One file to one blob of the draft container, straight from the browser: its blocks (four at a time),
 * each retried with backoff when the connection drops, then one Put Block List that makes the blob
 * appear whole. Nothing is committed before that last call, so an upload cancelled or interrupted
 * earlier leaves the container as it was. Starting again asks the service which blocks it already
 * holds and sends only the others.
 */
import { attachmentDisposition } from '../storage/blobUrls';
import type { LinkSource } from '../storage/linkCache';
import { putBlock, putBlockList, StorageError, uncommittedBlocks } from '../storage/storageCalls';
import { blockId, blockLength, blocksToSend, fileFingerprint, planBlocks } from './blockPlan';
import { blockListBody } from './blockListXml';
import { backoffMs, isRetryable, MAX_ATTEMPTS } from './retryPolicy';

export const PARALLEL_BLOCKS = 4;

export type UploadPhase = 'checking' | 'sending' | 'committing';

export interface FileUpload {
  file: File;
  blobName: string;
  link: LinkSource;
  signal: AbortSignal;
  onProgress(sentBytes: number): void;
  onPhase(phase: UploadPhase): void;
}

/** An upload that stopped on an error it could not get past by retrying; it may be resumed. */
export class UploadInterrupted extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UploadInterrupted';
  }
}

function abortError(): DOMException {
  return new DOMException('The upload was cancelled.', 'AbortError');
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(abortError());
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError());
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

function describe(error: unknown): string {
  if (error instanceof StorageError) return error.message;
  // fetch rejects with a TypeError and no detail when the connection fails.
  if (error instanceof TypeError) return 'the connection to the storage service failed';
  return error instanceof Error ? error.message : String(error);
}

/** Calls `attempt` until it succeeds, a refusal that asking again will not change, or MAX_ATTEMPTS. */
async function withRetries<T>(attempt: (url: string) => Promise<T>, link: LinkSource, signal: AbortSignal): Promise<T> {
  for (let tries = 1; ; tries += 1) {
    try {
      return await attempt(await link.get());
    } catch (error) {
      if (signal.aborted) throw abortError();
      const status = error instanceof StorageError ? error.status : undefined;
      // A refused link may have expired between two blocks: one more try with a new one.
      if (status === 403 && tries === 1) {
        link.renew();
        continue;
      }
      if (!isRetryable(status) || tries >= MAX_ATTEMPTS) throw error;
      await sleep(backoffMs(tries + 1), signal);
    }
  }
}

export async function uploadFile(upload: FileUpload): Promise<void> {
  const { file, blobName, link, signal } = upload;
  const blocks = planBlocks(file.size);
  const fingerprint = fileFingerprint(file.size, file.lastModified);
  const ids = blocks.map((block) => blockId(fingerprint, block.index));

  upload.onPhase('checking');
  let toSend;
  try {
    const stored = await withRetries((url) => uncommittedBlocks(url, blobName, signal), link, signal);
    toSend = blocksToSend(blocks, ids, stored);
  } catch (error) {
    if (signal.aborted) throw abortError();
    throw new UploadInterrupted(`Could not reach the draft container: ${describe(error)}`);
  }
  let sent = file.size - toSend.reduce((sum, block) => sum + blockLength(block), 0);
  upload.onProgress(sent);

  upload.onPhase('sending');
  // One failed block stops its siblings at once: the file is interrupted as a whole and resumed as a whole.
  const stopSiblings = new AbortController();
  const stopOnCancel = () => stopSiblings.abort();
  signal.addEventListener('abort', stopOnCancel, { once: true });
  let failure: { error: unknown; index: number } | undefined;
  let next = 0;
  const sender = async () => {
    while (!failure && !stopSiblings.signal.aborted && next < toSend.length) {
      const block = toSend[next++];
      try {
        await withRetries((url) => putBlock(url, blobName, ids[block.index], file.slice(block.start, block.end), stopSiblings.signal), link, stopSiblings.signal);
        sent += blockLength(block);
        upload.onProgress(sent);
      } catch (error) {
        failure ??= { error, index: block.index };
        stopSiblings.abort();
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(PARALLEL_BLOCKS, toSend.length) }, sender));
  } finally {
    signal.removeEventListener('abort', stopOnCancel);
  }
  if (signal.aborted) throw abortError();
  if (failure) {
    throw new UploadInterrupted(`Block ${failure.index + 1} of ${blocks.length} did not arrive after ${MAX_ATTEMPTS} tries: ${describe(failure.error)}`);
  }

  upload.onPhase('committing');
  try {
    await withRetries(
      (url) =>
        putBlockList(url, blobName, blockListBody(ids), { contentType: file.type || 'application/octet-stream', contentDisposition: attachmentDisposition(blobName) }, signal),
      link,
      signal,
    );
  } catch (error) {
    if (signal.aborted) throw abortError();
    throw new UploadInterrupted(`The file's blocks arrived but could not be put together: ${describe(error)}`);
  }
}
