/**
 * The baseline of every move: the storage service's own server-side copy of the same bytes, across
 * accounts, with nothing checked and nothing recorded. The same operation the airlock would pick for
 * the size (Copy Blob From URL up to Azure's 256 MiB, else the asynchronous Copy Blob), polled often
 * so that polling does not decide the figure.
 */
import { BlobClient, BlobSASPermissions } from '@azure/storage-blob';

const SYNC_COPY_LIMIT_BYTES = 256 * 1024 * 1024;
const POLL_MS = 20;

export async function rawServerSideCopy(source: BlobClient, destination: BlobClient, sizeBytes: number): Promise<void> {
  const sourceUrl = await source.generateSasUrl({ permissions: BlobSASPermissions.parse('r'), expiresOn: new Date(Date.now() + 3_600_000) });
  if (sizeBytes <= SYNC_COPY_LIMIT_BYTES) {
    await destination.syncCopyFromURL(sourceUrl);
    return;
  }
  const poller = await destination.beginCopyFromURL(sourceUrl, { intervalInMs: POLL_MS });
  const result = await poller.pollUntilDone();
  if (result.copyStatus !== 'success') throw new Error(`copy of ${source.name} ended ${result.copyStatus}`);
}
