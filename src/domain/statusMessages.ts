/**
 * What a person may read about a failure. Status messages go into the API, the portal and mails;
 * the full error with its stack goes to the logs only. Errors that cross the Durable boundary arrive
 * as `<reason> \n <stack>`, and their reasons name the activity that failed.
 */
import { errorText } from './errorText';

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
