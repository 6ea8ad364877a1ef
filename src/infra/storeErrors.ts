/**
 * How both request-store adapters tell the caller's fault from the store's: the store's failures
 * (down, throttled, refusing the airlock's identity) become a 503 DependencyError; the rest pass on.
 */
import { DependencyError, isAirlockError } from '../domain/errors';
import { errorText } from '../domain/errorText';

/** The HTTP status of an SDK error: Cosmos puts it in `code`, the storage SDKs in `statusCode`. */
export function statusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, statusCode } = error as { code?: unknown; statusCode?: unknown };
  if (typeof code === 'number') return code;
  if (typeof statusCode === 'number') return statusCode;
  return undefined;
}

/** Statuses that say the store, not the caller, is at fault (throttling and auth included: the airlock cannot fix them). */
export function isDependencyStatus(status: number): boolean {
  return status >= 500 || status === 408 || status === 429 || status === 401 || status === 403;
}

/** Network failures carry a string code (ECONNREFUSED, ETIMEDOUT, ...) or are RestError/TimeoutError without a status. */
function isNetworkFailure(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' || error.name === 'RestError' || error.name === 'TimeoutError' || error.name === 'AbortError';
}

export function toStoreError(error: unknown): unknown {
  // The airlock's own errors (a conflict, corrupt data, a broken contract) already say what they are.
  if (isAirlockError(error)) return error;
  const status = statusOf(error);
  if ((status !== undefined && isDependencyStatus(status)) || (status === undefined && isNetworkFailure(error))) {
    return new DependencyError(`request store unavailable: ${describeFailure(error)}`, { cause: error });
  }
  return error;
}

export function describeFailure(error: unknown): string {
  const status = statusOf(error);
  const reason = errorText(error);
  return status !== undefined ? `${status} ${reason}` : reason;
}
