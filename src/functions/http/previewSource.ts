/**
 * The bytes a preview reads: the one version of the file the preview was bound to, in byte ranges,
 * and a zip's listing read the same way. A blob replaced meanwhile is a ConflictError, never a page
 * of other bytes.
 */
import * as yauzl from 'yauzl';
import { ArchiveEntry, ArchiveListing } from '../../domain/preview';
import { BlobVersion } from '../../infra/blobVersion';
import { ContainerRef, StageStorage } from '../../infra/stageStorage';
import { openZip, readEntries, unreadableReason } from '../../infra/zipOverStorage';

/** The version of a file a preview reads, and what the reader is told when it changes meanwhile. */
export class PreviewedBlob extends BlobVersion {
  constructor(storage: StageStorage, ref: ContainerRef, name: string, size: number, etag: string) {
    super(storage, ref, { name, size, etag }, `'${name}' changed while it was being previewed; ask again to see the version there now`);
  }
}

/**
 * The zip's entries as its central directory lists them, at most `limit`; `unreadable` says why
 * a file that starts like a zip cannot be listed. Storage failures and a changed blob are thrown.
 */
export async function listArchive(blob: BlobVersion, limit: number): Promise<ArchiveListing | { unreadable: string }> {
  let zip: yauzl.ZipFile;
  try {
    zip = await openZip(blob);
  } catch (error) {
    blob.throwIfFailed();
    return { unreadable: unreadableReason(error) };
  }
  try {
    const entries = (await readEntries(zip, limit)).map(archiveEntryOf);
    return { entries, truncated: zip.entryCount > entries.length };
  } catch (error) {
    blob.throwIfFailed();
    return { unreadable: unreadableReason(error) };
  } finally {
    zip.close();
  }
}

function archiveEntryOf(entry: yauzl.Entry): ArchiveEntry {
  return { name: entry.fileName, size: entry.uncompressedSize, compressedSize: entry.compressedSize, directory: entry.fileName.endsWith('/') };
}
