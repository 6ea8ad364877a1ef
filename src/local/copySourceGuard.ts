/**
 * Azure authorizes the source of a server-side copy separately from the destination: "the shared
 * access signature specified on the request applies only to the destination blob. Access to the
 * source blob or file is authorized separately" (Copy Blob, Authorization), and for the From-URL
 * operations "the source blob must either be public or be authorized via a shared access signature".
 * Azurite 3.37 does not check a source in the same account at all, so a researcher holding a write
 * SAS on one draft container could copy any other container of that account into it. This guard sits
 * in front of embedded Azurite's request listener and does what Azure does: it reads the source's
 * properties with only the credentials the request gives for the source (the SAS in its URL, or
 * `x-ms-copy-source-authorization`), and refuses the copy with `CannotVerifyCopySource` when that read
 * fails. Requests authorized with the account key (the airlock's own identity on the local host) pass
 * unchanged, as Shared Key may read a same-account source in Azure too.
 */
import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import { answerStorageError } from './storageErrorResponse';

/** How long the source check may take before the copy is refused as unverifiable. */
const SOURCE_CHECK_TIMEOUT_MS = 10_000;

/**
 * Replaces the server's request listener (Azurite installs exactly one) by the guard in front of it.
 * `ownOrigin` is where this Azurite answers, so a source named by a path alone can be resolved.
 */
export function guardCopySources(server: Server, ownOrigin: () => string): void {
  const listeners = server.listeners('request') as RequestListener[];
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const copySource = singleHeader(req, 'x-ms-copy-source');
    if (copySource === undefined || !isSasAuthorized(req)) return forward(listeners, req, res);
    verifyCopySource(copySource, singleHeader(req, 'x-ms-copy-source-authorization'), singleHeader(req, 'x-ms-version'), ownOrigin()).then(
      (refusal) => (refusal ? refuse(res, refusal) : forward(listeners, req, res)),
      () => refuse(res, { status: 500, message: 'The copy source could not be checked.' }),
    );
  });
}

function forward(listeners: RequestListener[], req: IncomingMessage, res: ServerResponse): void {
  for (const listener of listeners) listener(req, res);
}

/** A service or user delegation SAS on the destination: its signature is in the query. */
function isSasAuthorized(req: IncomingMessage): boolean {
  const url = new URL(req.url ?? '/', 'http://azurite.invalid');
  return url.searchParams.has('sig') && req.headers.authorization === undefined;
}

interface Refusal {
  status: number;
  message: string;
}

/** Reads the source's properties as Azure would before copying; a refusal when that read fails. */
export async function verifyCopySource(copySource: string, sourceAuthorization: string | undefined, version: string | undefined, ownOrigin: string): Promise<Refusal | undefined> {
  let source: URL;
  try {
    source = new URL(copySource, ownOrigin);
  } catch {
    return { status: 400, message: 'The value of x-ms-copy-source is not a valid URL.' };
  }
  if (source.protocol !== 'http:' && source.protocol !== 'https:') return { status: 400, message: 'The value of x-ms-copy-source is not a valid URL.' };
  const response = await fetch(source, {
    method: 'HEAD',
    headers: { ...(sourceAuthorization ? { authorization: sourceAuthorization } : {}), ...(version ? { 'x-ms-version': version } : {}) },
    signal: AbortSignal.timeout(SOURCE_CHECK_TIMEOUT_MS),
    redirect: 'manual',
  }).catch(() => undefined);
  if (!response) return { status: 404, message: 'The copy source could not be reached.' };
  if (response.ok) return undefined;
  // Azure answers with the source read's own status: 403 when the source is not authorized, 404
  // when it does not exist (a HEAD answer carries no body, so its reason is only in the status).
  const status = response.status === 401 ? 403 : response.status;
  return {
    status,
    message: status === 403 ? 'This request is not authorized to perform this operation.' : status === 404 ? 'The specified resource does not exist.' : 'Could not verify the copy source.',
  };
}

function refuse(res: ServerResponse, refusal: Refusal): void {
  answerStorageError(res, refusal.status, 'CannotVerifyCopySource', refusal.message);
}

function singleHeader(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
