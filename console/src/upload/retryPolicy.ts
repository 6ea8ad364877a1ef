/**
 * When a failed storage call is tried again. A dropped connection or a busy service passes; a refusal
 * (an expired or insufficient link, a name the service will not take) does not, and is shown at once.
 */

/** Attempts per block, the first included. */
export const MAX_ATTEMPTS = 4;

/** Milliseconds to wait before attempt `attempt` (2, 3, ...): doubling from half a second, with up to 25% jitter. */
export function backoffMs(attempt: number, random: () => number = Math.random): number {
  const base = 500 * 2 ** Math.max(0, attempt - 2);
  return Math.round(base * (1 + 0.25 * random()));
}

/** Whether an HTTP answer may succeed if asked again; `undefined` is a network failure (no answer at all). */
export function isRetryable(status: number | undefined): boolean {
  if (status === undefined) return true;
  return status === 408 || status === 429 || status >= 500;
}
