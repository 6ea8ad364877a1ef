/**
 * The message of anything thrown. JavaScript may throw values that are not Errors (a string, an SDK's
 * plain object), and a log line or a reason must say something either way.
 */
export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
