/**
 * JSON documents in Azure Table storage, shared by the table adapters: one property cannot hold a
 * large document, so its JSON is split over string properties doc0..docN of one entity (one entity,
 * so a write stays a single conditional operation).
 */
import { TableClient } from '@azure/data-tables';
import { InvariantError } from '../domain/errors';

/** A string property may hold 64 KiB of UTF-16, i.e. 32,768 code units; stay under it. */
export const DOCUMENT_CHUNK_LENGTH = 30_000;
/** An entity may hold 1 MiB; 16 full chunks are at most 960,000 bytes, leaving room for other columns. */
export const MAX_DOCUMENT_CHUNKS = 16;

const DOCUMENT_PROPERTY_PREFIX = 'doc';

/**
 * The properties holding `json`; `what` names the document in the error when it is too large. The
 * settings' limits keep every request within this (test/infra/requestCapacity.test.ts), so a larger
 * document is the airlock's mistake, not its caller's.
 */
export function documentChunks(what: string, json: string): Record<string, string> {
  const count = Math.max(1, Math.ceil(json.length / DOCUMENT_CHUNK_LENGTH));
  if (count > MAX_DOCUMENT_CHUNKS) {
    throw new InvariantError(
      `${what} is too large for the table store: ${json.length} characters of JSON, at most ${MAX_DOCUMENT_CHUNKS * DOCUMENT_CHUNK_LENGTH}`,
    );
  }
  const chunks: Record<string, string> = {};
  for (let index = 0; index < count; index++) {
    chunks[`${DOCUMENT_PROPERTY_PREFIX}${index}`] = json.slice(index * DOCUMENT_CHUNK_LENGTH, (index + 1) * DOCUMENT_CHUNK_LENGTH);
  }
  return chunks;
}

/** The JSON spread over an entity's doc0..docN, joined again. */
export function joinDocumentChunks(entity: Record<string, unknown>): string {
  let json = '';
  for (let index = 0; typeof entity[`${DOCUMENT_PROPERTY_PREFIX}${index}`] === 'string'; index++) {
    json += entity[`${DOCUMENT_PROPERTY_PREFIX}${index}`] as string;
  }
  return json;
}

export function tableClientFromConnectionString(connectionString: string, table: string): TableClient {
  return TableClient.fromConnectionString(connectionString, table, {
    // Azurite speaks plain http; the SDK refuses to send a key over it unless told.
    allowInsecureConnection: usesHttp(connectionString),
  });
}

function usesHttp(connectionString: string): boolean {
  const settings = new Map<string, string>();
  for (const part of connectionString.split(';')) {
    const separator = part.indexOf('=');
    if (separator > 0) settings.set(part.slice(0, separator).trim().toLowerCase(), part.slice(separator + 1).trim());
  }
  if (settings.get('usedevelopmentstorage')?.toLowerCase() === 'true') return true;
  const endpoint = settings.get('tableendpoint');
  if (endpoint) return endpoint.toLowerCase().startsWith('http://');
  return settings.get('defaultendpointsprotocol')?.toLowerCase() === 'http';
}

/**
 * Creates the table when it is missing, once per process, so a fresh account works without a
 * deployment step; a failure lets the next call try again. Another instance may create the table
 * between the service's check and ours, which is success too.
 */
export function tableCreator(table: TableClient, toError: (error: unknown) => unknown): () => Promise<void> {
  return onceUntilFailure(async () => {
    try {
      await table.createTable();
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 409) return;
      throw toError(error);
    }
  });
}

/** `work` run once and its outcome shared by every caller; a failure is not kept, so the next call tries again. */
export function onceUntilFailure(work: () => Promise<void>): () => Promise<void> {
  let ready: Promise<void> | undefined;
  return () =>
    (ready ??= work().catch((error: unknown) => {
      ready = undefined;
      throw error;
    }));
}
