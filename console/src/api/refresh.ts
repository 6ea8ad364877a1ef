/**
 * How long a page waits before it reads something again (usePolling's interval): its resting
 * interval while what it shows waits on a person, and soon while it waits on something that passes by
 * itself (a request's checks, files moving between stages), which the person looking is waiting for.
 */

/** The first looks at something passing: its checks and moves usually take about a second. */
export const PASSING_REFRESH_MS = 500;

/**
 * One per page: `(passing) => milliseconds`, where `passing` names what the page waits to see pass
 * (a status, "files moving back") or is undefined when nothing does. While the same thing passes, the
 * wait grows from PASSING_REFRESH_MS by a fifth of the time it has lasted (1 s after 5 s, 2 s after
 * 10 s), never beyond `restingMs`: a scan may take minutes, and the page then looks as seldom as at rest.
 */
export function refreshPolicy(restingMs: number, now: () => number = Date.now): (passing: string | undefined) => number {
  let seen: string | undefined;
  let since = 0;
  return (passing) => {
    if (passing !== seen) {
      seen = passing;
      since = now();
    }
    if (passing === undefined) return restingMs;
    return Math.min(restingMs, Math.max(PASSING_REFRESH_MS, Math.round((now() - since) / 5)));
  };
}
