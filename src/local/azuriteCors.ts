/**
 * The browser console uploads and downloads straight to and from the stage containers through the
 * SAS links the API issues, so the stage accounts must answer CORS for the console's origin: here,
 * Azurite's, set at each start (Set Blob Service Properties) for the host's own origins plus
 * AIRLOCK_CORS_ALLOWED_ORIGINS; in Azure, bicep declares the same rule on the stage accounts'
 * blob services (bicep/modules/stageStorageAccount.bicep). Any other origin's preflight is refused.
 */
import { CorsRule, BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import type { RunningAzurite } from './azurite';
import type { CorsPolicy } from './corsPolicy';

/**
 * What a block upload (Put Block, Put Block List), a listing, a download and a delete need: every
 * request header (the SDK and the console send x-ms-* and content-* headers), and the response
 * headers a client reads (etag to resume, x-ms-* for the request id and the blob's properties).
 */
export function browserCorsRule(origins: readonly string[] | '*'): CorsRule {
  return {
    allowedOrigins: origins === '*' ? '*' : origins.join(','),
    allowedMethods: 'GET,HEAD,PUT,DELETE,OPTIONS',
    allowedHeaders: '*',
    exposedHeaders: 'etag,x-ms-*,content-length,content-range,content-type,last-modified',
    maxAgeInSeconds: 3600,
  };
}

/**
 * The host's origin under both names a browser may use for it (`http://127.0.0.1:<port>` and
 * `http://localhost:<port>`), plus the configured origins; '*' when those allow every origin.
 */
export function consoleOrigins(hostOrigin: string, configured: CorsPolicy | undefined): string[] | '*' {
  if (configured?.anyOrigin) return '*';
  const port = new URL(hostOrigin).port;
  return [...new Set([hostOrigin, `http://127.0.0.1:${port}`, `http://localhost:${port}`, ...(configured?.origins ?? [])])];
}

/** Sets the rule on each account's blob service, replacing any CORS rules it had; the other service properties stay. */
export async function allowBrowserAccess(azurite: RunningAzurite, accounts: readonly string[], origins: readonly string[] | '*'): Promise<void> {
  const rule = browserCorsRule(origins);
  await Promise.all(
    accounts.map((account) =>
      new BlobServiceClient(azurite.blobEndpoint(account), new StorageSharedKeyCredential(account, azurite.accounts[account])).setProperties({ cors: [rule] }),
    ),
  );
}
