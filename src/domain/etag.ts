/**
 * ETags travel quoted (`"0x8D..."`) in HTTP headers and often unquoted in JSON (blob listings,
 * Event Grid payloads); one form is compared and passed on, so the two never disagree.
 */
export function quotedEtag(etag: string | undefined): string {
  return etag ? `"${unquoted(etag)}"` : '';
}

/** The etag as JSON carries it, without quotes; '' when there is none. */
export function unquotedEtag(etag: string | undefined): string {
  return etag ? unquoted(etag) : '';
}

/** An absent or empty etag names no version, so it matches nothing. */
export function sameEtag(a: string | undefined, b: string | undefined): boolean {
  return !!a && !!b && unquoted(a) !== '' && unquoted(a) === unquoted(b);
}

function unquoted(etag: string): string {
  return etag.trim().replace(/^"|"$/g, '');
}
