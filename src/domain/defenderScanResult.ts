/**
 * What a Microsoft Defender for Storage malware scanning result says, read from the event exactly
 * as Azure sends it (`Microsoft.Security.MalwareScanningResult`, Event Grid schema). Pure: no I/O.
 * The docs disagree about the casing and wording of the result values, so only one value counts as
 * clean and everything else, including values we have never seen, keeps the file out (fail closed).
 */

export const MALWARE_SCANNING_RESULT_EVENT_TYPE = 'Microsoft.Security.MalwareScanningResult';

/** The event's `data`, field for field as Defender publishes it. */
export interface DefenderScanResultData {
  /** GUID of the scan */
  correlationId: string;
  /** `https://<account>.blob.core.windows.net/<container>/<blob>`, often not percent-encoded */
  blobUri: string;
  /** The ETag of the blob version that was scanned. */
  eTag: string;
  /** ISO 8601 */
  scanFinishedTimeUtc: string;
  /** `No threats found`, `Malicious`, `Not Scanned`, `Error` (casing varies) */
  scanResultType: string;
  scanResultDetails: {
    malwareNamesFound?: string[];
    /** upper-case hex in Azure's examples */
    sha256?: string;
    /** `SAM2592xx: <text>`, present when the result is Not Scanned */
    notScannedReason?: string;
  } | null;
}

export interface BlobLocation {
  accountName: string;
  container: string;
  /** Decoded: as the blob is named in the container, `/` included. */
  blobName: string;
}

/**
 * `delayed` is not a verdict: Defender postponed the scan (SAM259215) and a final result follows.
 * `error` is also what an unrecognised result becomes.
 */
export type DefenderVerdict = 'clean' | 'malicious' | 'not_scanned' | 'error' | 'delayed';

export interface DefenderVerdictReading {
  verdict: DefenderVerdict;
  /** shown to the requester and the reviewer */
  details: string;
  /** the `SAM2592xx` code when Defender gave one */
  code?: string;
}

/** Not scanned yet, scanned later: the only Defender code that is a state rather than an outcome. */
export const DELAYED_BY_SERVICE_CODE = 'SAM259215';

/** What a file's pending entry says while Defender has postponed its scan. */
export const DELAYED_DETAILS = 'delayed by Defender; a verdict will follow';

const CLEAN_RESULT = 'no threats found';

/**
 * Account, container and blob of a blob URL, host-style (`https://<account>.blob.core.windows.net/...`,
 * any cloud's suffix) or path-style as Azurite and other emulators serve it
 * (`http://127.0.0.1:10000/<account>/...`). Throws when it is not a blob URL.
 */
export function parseBlobUri(uri: string): BlobLocation {
  // Not `new URL`: Defender sends names unencoded, and a '?' or '#' in a name would be cut off as a
  // query or a fragment. A scan result URI has neither, so everything after the host is the path.
  const match = /^https?:\/\/([^/?#]+)(\/.*)?$/i.exec(uri.trim());
  if (!match) throw new Error(`'${uri}' is not an http(s) URL`);
  const host = match[1].replace(/:\d+$/, '').toLowerCase();
  const segments = (match[2] ?? '').replace(/^\/+/, '').split('/');
  const hostAccount = accountOfBlobHost(host);
  if (hostAccount === undefined && !isEmulatorHost(host)) throw new Error(`'${uri}' is not a blob URL (host '${host}')`);
  const [accountName, container, ...blobPath] = hostAccount === undefined ? segments : [hostAccount, ...segments];
  const blobName = decodeOnce(blobPath.join('/'));
  if (!accountName || !container || !blobName) throw new Error(`'${uri}' does not name an account, a container and a blob`);
  return { accountName: decodeOnce(accountName).toLowerCase(), container: decodeOnce(container), blobName };
}

/** `<account>.blob.<suffix>`, and `<account>.<zone>.blob.storage.azure.net` (DNS-zone endpoints). */
function accountOfBlobHost(host: string): string | undefined {
  const labels = host.split('.');
  return labels.length > 2 && labels.indexOf('blob') >= 1 ? labels[0] : undefined;
}

function isEmulatorHost(host: string): boolean {
  return host === 'localhost' || /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host.startsWith('[') || !host.includes('.');
}

/**
 * Percent-decoding, once, of whatever is validly encoded; a '%' that starts no valid UTF-8
 * sequence (an unencoded "100% done.csv") is kept as it is rather than failing the whole name.
 */
function decodeOnce(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text.replace(/(?:%[0-9a-f]{2})+/gi, (run) => {
      try {
        return decodeURIComponent(run);
      } catch {
        return run;
      }
    });
  }
}

/** Reads a scan result. Only "No threats found" (any case, trimmed) is clean. */
export function defenderVerdict(data: Pick<DefenderScanResultData, 'scanResultType' | 'scanResultDetails'>): DefenderVerdictReading {
  const resultType: unknown = data.scanResultType;
  const normalized = typeof resultType === 'string' ? resultType.trim().toLowerCase() : undefined;
  const details = data.scanResultDetails ?? {};
  const names = (Array.isArray(details.malwareNamesFound) ? details.malwareNamesFound : []).filter(
    (name) => typeof name === 'string' && name.trim() !== '',
  );
  // A named piece of malware outweighs any result type it comes with.
  if (normalized === 'malicious' || names.length) {
    return { verdict: 'malicious', details: `Malicious: ${names.length ? names.join(', ') : 'malware found (Defender named none)'}` };
  }
  switch (normalized) {
    case CLEAN_RESULT:
      return { verdict: 'clean', details: 'No threats found' };
    case 'not scanned': {
      const reason = parseReason(details.notScannedReason);
      if (reason.code === DELAYED_BY_SERVICE_CODE) {
        return { verdict: 'delayed', details: DELAYED_DETAILS, code: reason.code };
      }
      return { verdict: 'not_scanned', details: `Not scanned${reason.label}`, ...(reason.code ? { code: reason.code } : {}) };
    }
    case 'error': {
      // Defender documents no reason field for errors; use the not-scanned one if it comes.
      const reason: ParsedReason = details.notScannedReason?.trim() ? parseReason(details.notScannedReason) : { label: ': Defender reported an error' };
      return { verdict: 'error', details: `Scan error${reason.label}`, ...(reason.code ? { code: reason.code } : {}) };
    }
    default:
      return { verdict: 'error', details: `Unrecognised Defender scan result ${describeValue(resultType)}; treated as not clean` };
  }
}

interface ParsedReason {
  code?: string;
  /** what follows "Not scanned" or "Scan error" in the details */
  label: string;
}

/** `SAM259210: Scan aborted - blob is password protected` → code and `" (SAM259210): Scan aborted - ..."`. */
function parseReason(reason: string | undefined): ParsedReason {
  const text = typeof reason === 'string' ? reason.trim() : '';
  const coded = /^(SAM\d+)\b\s*[:\-–]?\s*(.*)$/is.exec(text);
  if (coded) {
    const code = coded[1].toUpperCase();
    return { code, label: coded[2] ? ` (${code}): ${coded[2]}` : ` (${code})` };
  }
  return { label: text ? `: ${text}` : ': no reason given' };
}

function describeValue(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
