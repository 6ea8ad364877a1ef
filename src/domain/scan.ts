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
  if (blocking.length) {
    return { outcome: 'threat', message: blocking.map((entry) => `${entry.name}: ${entry.details}`).join('; ') };
  }
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

/**
 * The report with one engine's entry for a file replaced (or added). A pending entry never replaces
 * a final verdict about the same version of the file: Defender may answer before the airlock has
 * written down that it awaits the answer.
 */
export function withScanResult(report: readonly FileScanResult[], result: FileScanResult): FileScanResult[] {
  const existing = report.find((entry) => entry.name === result.name && entry.engine === result.engine);
  if (existing && result.verdict === 'pending' && existing.verdict !== 'pending' && sameVersion(existing.etag, result.etag)) {
    return [...report];
  }
  return [...report.filter((entry) => entry !== existing), result];
}

function sameVersion(a?: string, b?: string): boolean {
  return !!a && !!b && a.replace(/"/g, '') === b.replace(/"/g, '');
}
