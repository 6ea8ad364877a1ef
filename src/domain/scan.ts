/**
 * The scan report of a request: one entry per file and per engine, and how the entries add up to
 * one outcome. Anything but an explicit clean verdict keeps the request out of review (fail closed).
 */

export type ScanEngine = 'defender' | 'clamav' | 'content-checks' | 'none';

/** `pending`: a verdict is awaited (Defender scans asynchronously, or delayed it). */
export type FileVerdict = 'pending' | 'clean' | 'malicious' | 'not_scanned' | 'error' | 'policy_violation' | 'skipped';

export interface FileScanResult {
  name: string;
  sha256?: string;
  verdict: FileVerdict;
  engine: ScanEngine;
  /** what was found, or why it was not scanned: shown to the requester and the reviewer */
  details: string;
  /** epoch seconds */
  scannedAt?: number;
  /** The blob version the verdict is about; a verdict for another version is not accepted. */
  etag?: string;
}

export type ScanSummary =
  | { outcome: 'clean'; message: string }
  | { outcome: 'threat'; message: string }
  | { outcome: 'pending'; message: string };

const BLOCKING: readonly FileVerdict[] = ['malicious', 'not_scanned', 'error', 'policy_violation'];

/**
 * The most a report entry's `details` and a blocked request's summary may take, as JSON text: the
 * request document must fit its store with every file of the largest request (see
 * AIRLOCK_SETTINGS_LIMITS.maxFiles), so text that grows with the content is cut here.
 */
export const MAX_SCAN_DETAILS_JSON_LENGTH = 500;
export const MAX_SCAN_SUMMARY_JSON_LENGTH = 2_000;

/** `text`, cut with an ellipsis so that its JSON string (quotes and escapes included) fits `maxJsonLength`. */
export function boundedText(text: string, maxJsonLength: number): string {
  if (JSON.stringify(text).length <= maxJsonLength) return text;
  const cut = ' …';
  let low = 0;
  let high = text.length;
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (JSON.stringify(text.slice(0, middle) + cut).length <= maxJsonLength) low = middle;
    else high = middle - 1;
  }
  // Never end on half of a surrogate pair: JSON would carry it as a six-character escape.
  const end = /[\ud800-\udbff]$/.test(text.slice(0, low)) ? low - 1 : low;
  return text.slice(0, end) + cut;
}

/**
 * One outcome for the request: any blocking verdict blocks it (and says which file and why); a
 * pending verdict, or a file that an expected engine has not reported on, keeps it waiting; clean
 * only when every file has a clean verdict, or a deliberately skipped one (scanning disabled).
 */
export function summarizeScan(
  report: readonly FileScanResult[],
  fileNames: readonly string[],
  engines: readonly ScanEngine[] = [],
): ScanSummary {
  const blocking = report.filter((entry) => BLOCKING.includes(entry.verdict));
  if (blocking.length) return { outcome: 'threat', message: blockedSummary(blocking) };
  const awaited = new Set(report.filter((entry) => entry.verdict === 'pending').map((entry) => entry.name));
  for (const engine of engines) {
    for (const name of fileNames) if (!report.some((entry) => entry.name === name && entry.engine === engine)) awaited.add(name);
  }
  if (awaited.size) return { outcome: 'pending', message: `awaiting a scan verdict for ${[...awaited].join(', ')}` };
  if (report.some((entry) => entry.verdict === 'skipped')) {
    return { outcome: 'clean', message: `not scanned: scanning is disabled${report.some((e) => e.engine === 'content-checks') ? '; content checks passed' : ''}` };
  }
  return { outcome: 'clean', message: `no threats found in ${fileNames.length} file${fileNames.length === 1 ? '' : 's'}` };
}

/** Every blocking entry's reason, cut to MAX_SCAN_SUMMARY_JSON_LENGTH: the report keeps them all. */
function blockedSummary(blocking: readonly FileScanResult[]): string {
  const message = blocking.map((entry) => `${entry.name}: ${entry.details}`).join('; ');
  if (JSON.stringify(message).length <= MAX_SCAN_SUMMARY_JSON_LENGTH) return message;
  const note = ` (${new Set(blocking.map((entry) => entry.name)).size} files blocked; the scan report gives each reason)`;
  return boundedText(message, MAX_SCAN_SUMMARY_JSON_LENGTH - note.length) + note;
}

/**
 * The report with one engine's entry for a file replaced (or added). A pending entry never replaces
 * a final verdict about the same version of the file: Defender may answer before the airlock has
 * written down that it awaits the answer.
 */
export function withScanResult(report: readonly FileScanResult[], reported: FileScanResult): FileScanResult[] {
  const result = { ...reported, details: boundedText(reported.details, MAX_SCAN_DETAILS_JSON_LENGTH) };
  const existing = report.find((entry) => entry.name === result.name && entry.engine === result.engine);
  if (existing && result.verdict === 'pending' && existing.verdict !== 'pending' && sameVersion(existing.etag, result.etag)) {
    return [...report];
  }
  return [...report.filter((entry) => entry !== existing), result];
}

function sameVersion(a?: string, b?: string): boolean {
  return !!a && !!b && a.replace(/"/g, '') === b.replace(/"/g, '');
}
