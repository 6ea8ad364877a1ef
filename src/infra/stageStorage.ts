import { FilesLocation, StageAccount, stageAccountFor, stageContainerName } from '../domain/stages';
import { RequestType } from '../domain/status';

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
  /** Copy only this version of the source; a changed source fails the copy. */
  sourceEtag?: string;
  /** Provenance set in the copy call itself, so no write follows on the destination. */
  metadata?: Record<string, string>;
}

/**
 * The stage storage accounts. Implemented on Azure Blob Storage (managed identity in Azure, account
 * keys on Azurite). File bytes pass through here only in `hashFile`, as a stream.
 */
export interface StageStorage {
  ensureContainer(ref: ContainerRef): Promise<void>;
  listFiles(ref: ContainerRef): Promise<StoredFile[]>;
  /** SHA-256 of one blob, streamed; with `etag`, of that version only (another version is a ConflictError). */
  hashFile(ref: ContainerRef, name: string, options?: { etag?: string }): Promise<HashedFile>;
  /** A stream of one blob's bytes (or of a range of them), for scanners and inspectors; never buffered here. */
  readFile(ref: ContainerRef, name: string, range?: ByteRange): Promise<FileContent>;
  /** Server-side copy of one blob to the same name in `to` (created if missing); returns the new blob. */
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
