/** The scan report in words, per file: what each engine said and whether it stops the request. */
import type { FileScanResult, FileVerdict, ScanEngine } from '../api/types';

export type Severity = 'good' | 'bad' | 'waiting' | 'neutral';

export interface Finding {
  engine: ScanEngine;
  verdict: FileVerdict;
  severity: Severity;
  sentence: string;
}

const ENGINE_NAMES: Record<ScanEngine, string> = {
  defender: 'Microsoft Defender',
  clamav: 'ClamAV',
  'content-checks': 'The content checks',
  none: 'No scanner',
};

const SEVERITY: Record<FileVerdict, Severity> = {
  clean: 'good',
  malicious: 'bad',
  policy_violation: 'bad',
  error: 'bad',
  not_scanned: 'bad',
  pending: 'waiting',
  skipped: 'neutral',
};

const withDetails = (sentence: string, details: string) => (details.trim() ? `${sentence}: ${details.trim()}` : `${sentence}.`);

export function findingOf(entry: FileScanResult): Finding {
  const engine = ENGINE_NAMES[entry.engine] ?? entry.engine;
  const checks = entry.engine === 'content-checks';
  const sentence = ((): string => {
    switch (entry.verdict) {
      case 'clean':
        return checks ? withDetails('The content checks passed', entry.details) : withDetails(`${engine} found no threat`, entry.details);
      case 'malicious':
        return withDetails(`${engine} found malware`, entry.details);
      case 'policy_violation':
        return withDetails(`${engine} found a problem`, entry.details);
      case 'error':
        return withDetails(`${engine} could not finish`, entry.details);
      case 'not_scanned':
        return withDetails(`${engine} could not scan it`, entry.details);
      case 'pending':
        return withDetails(`Awaiting ${engine}'s verdict`, entry.details);
      case 'skipped':
        // The airlock's own details often say "not scanned: …" already.
        return withDetails('Not scanned', entry.details.replace(/^\s*not scanned\s*:\s*/i, '') || 'scanning is disabled');
      default:
        return withDetails(`${engine}: ${String(entry.verdict)}`, entry.details);
    }
  })();
  return { engine: entry.engine, verdict: entry.verdict, severity: SEVERITY[entry.verdict] ?? 'neutral', sentence };
}

/** What the report says about one file, the content checks first. */
export function findingsFor(report: readonly FileScanResult[] | undefined, fileName: string): Finding[] {
  const order = (engine: ScanEngine) => (engine === 'content-checks' ? 0 : 1);
  return (report ?? [])
    .filter((entry) => entry.name === fileName)
    .sort((a, b) => order(a.engine) - order(b.engine))
    .map(findingOf);
}

/** One word for the file as a whole: any problem outweighs a clean verdict, waiting outweighs nothing. */
export function overallVerdict(findings: readonly Finding[]): { severity: Severity; words: string } {
  if (findings.some((f) => f.severity === 'bad')) return { severity: 'bad', words: 'problem found' };
  if (findings.some((f) => f.severity === 'waiting')) return { severity: 'waiting', words: 'awaiting a verdict' };
  if (findings.length === 0) return { severity: 'neutral', words: 'no scan result yet' };
  if (findings.every((f) => f.severity === 'neutral')) return { severity: 'neutral', words: 'not scanned' };
  return { severity: 'good', words: findings.some((f) => f.severity === 'neutral') ? 'content checks passed' : 'clean' };
}
