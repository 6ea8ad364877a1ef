/**
 * Calls to the storage service through a container's SAS URL, as the browser makes them (the storage
 * accounts answer CORS for the console's origin). An error carries the service's status and code.
 */
import { blobUrl, containerUrlWith } from './blobUrls';
import { parseBlobListing, parseUncommittedBlocks, type ListedBlob } from './storageXml';
import type { StoredBlock } from '../upload/blockPlan';

export const STORAGE_VERSION = '2025-01-05';

export class StorageError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'StorageError';
  }
}

const STATUS_WORDS: Record<number, string> = {
  403: 'the link was refused (it may have expired, or does not allow this)',
  404: 'the container or file is not there',
  409: 'the storage service refused the change as conflicting',
};

export async function storageFailure(response: Response): Promise<StorageError> {
  const text = await response.text().catch(() => '');
  const code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1] ?? response.headers.get('x-ms-error-code') ?? '';
  const words = STATUS_WORDS[response.status] ?? `the storage service answered ${response.status}`;
  return new StorageError(response.status, code, `${words[0].toUpperCase()}${words.slice(1)}${code ? ` (${code})` : ''}.`);
}

function headers(extra: Record<string, string> = {}): Record<string, string> {
  return { 'x-ms-version': STORAGE_VERSION, ...extra };
}

export async function listBlobs(containerUrl: string, signal?: AbortSignal): Promise<ListedBlob[]> {
  const blobs: ListedBlob[] = [];
  let marker: string | undefined;
  do {
    const url = containerUrlWith(containerUrl, { restype: 'container', comp: 'list', ...(marker ? { marker } : {}) });
    const response = await fetch(url, { headers: headers(), signal });
    if (!response.ok) throw await storageFailure(response);
    const page = parseBlobListing(await response.text());
    blobs.push(...page.blobs);
    marker = page.nextMarker;
  } while (marker);
  return blobs;
}

/** The blocks uploaded to a blob and not yet committed; none when the blob does not exist yet. */
export async function uncommittedBlocks(containerUrl: string, blobName: string, signal?: AbortSignal): Promise<StoredBlock[]> {
  const response = await fetch(blobUrl(containerUrl, blobName, { comp: 'blocklist', blocklisttype: 'uncommitted' }), { headers: headers(), signal });
  if (response.status === 404) return [];
  if (!response.ok) throw await storageFailure(response);
  return parseUncommittedBlocks(await response.text());
}

export async function putBlock(containerUrl: string, blobName: string, id: string, body: Blob, signal?: AbortSignal): Promise<void> {
  const response = await fetch(blobUrl(containerUrl, blobName, { comp: 'block', blockid: id }), { method: 'PUT', headers: headers(), body, signal });
  if (!response.ok) throw await storageFailure(response);
}

export async function putBlockList(
  containerUrl: string,
  blobName: string,
  body: string,
  properties: { contentType: string; contentDisposition: string },
  signal?: AbortSignal,
): Promise<void> {
  const response = await fetch(blobUrl(containerUrl, blobName, { comp: 'blocklist' }), {
    method: 'PUT',
    headers: headers({
      'Content-Type': 'application/xml; charset=utf-8',
      'x-ms-blob-content-type': properties.contentType,
      'x-ms-blob-content-disposition': properties.contentDisposition,
    }),
    body,
    signal,
  });
  if (!response.ok) throw await storageFailure(response);
}

export async function deleteBlob(containerUrl: string, blobName: string, signal?: AbortSignal): Promise<void> {
  const response = await fetch(blobUrl(containerUrl, blobName), { method: 'DELETE', headers: headers(), signal });
  if (!response.ok && response.status !== 404) throw await storageFailure(response);
}
