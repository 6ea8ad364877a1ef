/**
 * What a Microsoft Defender for Storage malware scanning result says, read from the event exactly
 * as Azure sends it (`Microsoft.Security.MalwareScanningResult`, Event Grid schema). Pure: no I/O.
 * The docs disagree about the casing and wording of the result values, so only one value counts as
 * clean and everything else, including values we have never seen, keeps the file out (fail closed).
 *
 * Also whether a verdict counts for a stored request (`decideScanResult`): Event Grid delivers at
 * least once and in any order, so a verdict about another blob version, another submission or
 * another account, or one already recorded, changes nothing.
 */
import { epochSeconds } from './epochSeconds';
import { sameEtag } from './etag';
import { AirlockRequest } from './request';
import { FileScanResult } from './scan';
import { stageAccountFor, storageAccountName } from './stages';
import { errorText } from './errorText';

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

// ---------------------------------------------------------------------------------------------
// The event, read

/** A scan result event's data, checked to be what Defender sends. */
export interface ScanResultEvent {
  data: DefenderScanResultData;
  blob: BlobLocation;
  /** epoch seconds */
  scanFinishedAt: number;
}

/** The event's data, checked to be what Defender sends; a string says what is wrong with it. */
export function readScanResultEvent(data: unknown): ScanResultEvent | string {
  if (typeof data !== 'object' || data === null) return 'it has no data';
  const candidate = data as Partial<Record<keyof DefenderScanResultData, unknown>>;
  if (typeof candidate.blobUri !== 'string') return 'data.blobUri is missing';
  if (typeof candidate.eTag !== 'string' || !candidate.eTag.trim()) return 'data.eTag is missing';
  const finished = typeof candidate.scanFinishedTimeUtc === 'string' ? Date.parse(candidate.scanFinishedTimeUtc) : NaN;
  if (Number.isNaN(finished)) return `data.scanFinishedTimeUtc '${String(candidate.scanFinishedTimeUtc)}' is not a time`;
  if (candidate.scanResultDetails !== undefined && candidate.scanResultDetails !== null && typeof candidate.scanResultDetails !== 'object') {
    return 'data.scanResultDetails is not an object';
  }
  let blob: BlobLocation;
  try {
    blob = parseBlobUri(candidate.blobUri);
  } catch (error) {
    return errorText(error);
  }
  return { data: data as DefenderScanResultData, blob, scanFinishedAt: epochSeconds(new Date(finished)) };
}

// ---------------------------------------------------------------------------------------------
// Whether it counts

/** What one event means for the stored request, decided afresh on every read. */
export type ScanResultDecision =
  | { action: 'ignore'; reason: string }
  /** Already recorded: nothing to write, but the orchestration is nudged again (the first delivery may have stored and then failed to nudge). */
  | { action: 'renotify'; reason: string }
  | { action: 'record'; entry: FileScanResult; notify: boolean; reason: string };

/** What the event says, and where the request's copies are: everything the decision needs besides the request. */
export interface ScanResultFacts extends ScanResultEvent {
  /** the submission cycle named by the blob's container */
  cycle: number;
  /** the real name of the account the request's in-progress copies are in (`inProgressAccountOf`) */
  inProgressAccount: string;
}

/** The real name of the account a request's in-progress copies are in: the only account Defender verdicts are taken from. */
export function inProgressAccountOf(request: Pick<AirlockRequest, 'type' | 'workspaceId'>, treId: string): string {
  return storageAccountName(stageAccountFor(request.type, 'in_progress'), { treId, workspaceId: request.workspaceId });
}

/**
 * The verdict goes onto the request's Defender entry for that file when the entry awaits exactly
 * that blob version. The entry may not exist yet: Defender can report before the airlock's
 * requestScan activity has written its pending entries (the content checks run first, and read
 * every file). Dropping that verdict would leave the request waiting until its scan deadline, so
 * it is kept as an entry bound to the event's eTag; requestScan keeps such an entry only when that
 * eTag is the in-progress copy's, so a verdict about any other content can never count.
 */
export function decideScanResult(request: AirlockRequest, facts: ScanResultFacts): ScanResultDecision {
  const { data, blob } = facts;
  const reading = defenderVerdict(data);
  if (request.status !== 'submitted') return { action: 'ignore', reason: `the request is ${request.status}, not submitted` };
  if (blob.accountName !== facts.inProgressAccount) {
    return { action: 'ignore', reason: `the blob is in account '${blob.accountName}', not the request's in-progress account '${facts.inProgressAccount}'` };
  }
  if (facts.cycle !== (request.reviewCycle ?? 0)) {
    return { action: 'ignore', reason: `stale: the blob is in the container of submission ${facts.cycle}; the request is at submission ${request.reviewCycle ?? 0}` };
  }
  const file = request.files.find((candidate) => candidate.name === blob.blobName);
  if (!file) return { action: 'ignore', reason: 'the request has no file of that name' };

  const entry = (request.scanReport ?? []).find((candidate) => candidate.name === blob.blobName && candidate.engine === 'defender');
  const verdictEntry = (base: Pick<FileScanResult, 'sha256' | 'etag'>): FileScanResult => ({
    name: blob.blobName,
    engine: 'defender',
    verdict: reading.verdict === 'delayed' ? 'pending' : reading.verdict,
    details: reading.details,
    sha256: typeof data.scanResultDetails?.sha256 === 'string' ? data.scanResultDetails.sha256.toLowerCase() : base.sha256,
    scannedAt: facts.scanFinishedAt,
    etag: base.etag,
  });

  if (entry && sameEtag(entry.etag, data.eTag)) {
    if (entry.verdict !== 'pending') return { action: 'renotify', reason: `duplicate; already recorded as ${entry.verdict}` };
    if (reading.verdict === 'delayed') {
      if (entry.details === reading.details) return { action: 'ignore', reason: 'duplicate; already noted as delayed' };
      return { action: 'record', entry: { ...entry, details: reading.details }, notify: false, reason: 'delayed by Defender; still pending' };
    }
    return { action: 'record', entry: verdictEntry(entry), notify: true, reason: `recorded ${reading.verdict}: ${reading.details}` };
  }
  if (entry?.verdict === 'pending') {
    // The pending entry names the version in the in-progress stage; this verdict is about another.
    return { action: 'ignore', reason: `stale: the verdict is about eTag ${data.eTag}, the file awaits ${entry.etag ?? 'no eTag'}` };
  }

  // No entry yet, or one left from an earlier submission: an early verdict, unless the scan finished
  // before the request was last submitted, in which case it is about a copy from an earlier round.
  const submittedAt = lastSubmittedAt(request);
  if (submittedAt !== undefined && facts.scanFinishedAt < submittedAt) {
    return { action: 'ignore', reason: `stale: the scan finished before the request was last submitted (eTag ${data.eTag})` };
  }
  if (reading.verdict === 'delayed') return { action: 'ignore', reason: 'delayed by Defender, and the airlock is not awaiting this file yet' };
  return {
    action: 'record',
    entry: verdictEntry({ sha256: file.sha256, etag: data.eTag }),
    notify: true,
    reason: `recorded ${reading.verdict} ahead of the airlock's request to scan: ${reading.details}`,
  };
}

/** epoch seconds of the latest move into `submitted` (a request can be submitted again after changes) */
function lastSubmittedAt(request: AirlockRequest): number | undefined {
  const submissions = request.history.filter((item) => item.properties.status === 'submitted');
  return submissions.length ? submissions[submissions.length - 1].updatedWhen : undefined;
}
