/**
 * URLs for one blob from a container's SAS URL (`https://<account>/<container>?<sas>`, as `.../link`
 * answers). A blob name is percent-encoded segment by segment: '/' stays a folder separator, and
 * everything else ('#', '?', '%', spaces, letters beyond ASCII) reaches the service as written.
 */

export function encodeBlobName(name: string): string {
  return name.split('/').map(encodeURIComponent).join('/');
}

function splitContainerUrl(containerUrl: string): { base: string; sas: string } {
  const question = containerUrl.indexOf('?');
  const base = (question < 0 ? containerUrl : containerUrl.slice(0, question)).replace(/\/+$/, '');
  const sas = question < 0 ? '' : containerUrl.slice(question + 1);
  return { base, sas };
}

function withQuery(url: string, sas: string, params: Record<string, string>): string {
  const extra = Object.entries(params).map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(value)}`);
  const query = [sas, ...extra].filter(Boolean).join('&');
  return query ? `${url}?${query}` : url;
}

/** The blob's URL with the container's SAS, and any operation parameters (`comp=block`, ...). */
export function blobUrl(containerUrl: string, blobName: string, params: Record<string, string> = {}): string {
  const { base, sas } = splitContainerUrl(containerUrl);
  return withQuery(`${base}/${encodeBlobName(blobName)}`, sas, params);
}

/** The container's own URL with operation parameters: its listing (`restype=container&comp=list`). */
export function containerUrlWith(containerUrl: string, params: Record<string, string>): string {
  const { base, sas } = splitContainerUrl(containerUrl);
  return withQuery(base, sas, params);
}

/** When the link's SAS stops working (its `se`), in epoch milliseconds; undefined when it does not say. */
export function linkExpiresAt(containerUrl: string): number | undefined {
  const { sas } = splitContainerUrl(containerUrl);
  const expiry = new URLSearchParams(sas).get('se');
  if (!expiry) return undefined;
  const time = Date.parse(expiry);
  return Number.isNaN(time) ? undefined : time;
}

/** The name a downloaded file gets on disk: the blob name's last segment. */
export function downloadName(blobName: string): string {
  return blobName.slice(blobName.lastIndexOf('/') + 1);
}

/** `Content-Disposition` for a stored file, so opening its URL downloads it under its own name. */
export function attachmentDisposition(blobName: string): string {
  return `attachment; filename*=UTF-8''${encodeURIComponent(downloadName(blobName))}`;
}
