/**
 * What a person reads about where a request is, and why.
 *
 * Two fields, because Azure TRE's portal shows any `statusMessage` as a red error bar (tre-facts
 * §1.8) and TRE sets it only when a request fails or is blocked (§3.2):
 *  - `statusMessage`: why a request failed or was blocked, only while it is `failed`,
 *    `blocking_in_progress` or `blocked_by_scan`;
 *  - `progressMessage`: everything else worth saying (the scan passed or was off, approvals so far,
 *    the reason a reviewer rejected, asked for changes or revoked). TRE's portal ignores it; our
 *    API, events and mails carry it.
 * A rejection, a request for changes and a revoke are decisions, not failures: the portal shows
 * their explanation in the request's reviews, so a red bar would only repeat it as an error.
 *
 * Failure reasons go into the API, the portal and mails; the full error with its stack goes to the
 * logs only. Errors that cross the Durable boundary arrive as `<reason> \n <stack>`, and their
 * reasons name the activity that failed.
 */
import { errorText } from './errorText';
import { RequestStatus } from './status';

/** The statuses whose message is a failure or a block, shown by TRE's portal as an error. */
export const STATUSES_WITH_STATUS_MESSAGE: readonly RequestStatus[] = ['failed', 'blocking_in_progress', 'blocked_by_scan'];

export interface RequestMessages {
  statusMessage?: string;
  progressMessage?: string;
}

/** Where the message of a change to `status` goes: the status message for a failure or a block, else the progress message. */
export function messagesFor(status: RequestStatus, message: string | undefined): RequestMessages {
  if (!message) return {};
  return STATUSES_WITH_STATUS_MESSAGE.includes(status) ? { statusMessage: message } : { progressMessage: message };
}

/** The longest reason shown to a person; longer ones are cut with an ellipsis. */
export const MAX_REASON_LENGTH = 500;

const ACTIVITY_PREFIX = /^(?:Activity function '[^']*' failed: )+/;
// Absolute paths (POSIX and Windows) and stack frames say where code lives, which helps nobody outside.
const ABSOLUTE_PATH = /(?:[A-Za-z]:\\|file:\/\/|\/)(?:[\w.@-]+[\\/])+[\w.@-]+(?::\d+){0,2}/g;

export function userFacingReason(error: unknown): string {
  const text = errorText(error);
  const firstLine = text.split(/\r?\n/)[0].replace(ACTIVITY_PREFIX, '').replace(/\s+at\s.*$/, '');
  const reason = firstLine.replace(ABSOLUTE_PATH, '<path>').trim() || 'an internal error';
  return reason.length > MAX_REASON_LENGTH ? `${reason.slice(0, MAX_REASON_LENGTH - 1)}…` : reason;
}
