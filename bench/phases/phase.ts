import { RunningClamd } from '../../test/support/clamd';
import { Figure } from '../support/figures';
import { BenchSettings } from '../support/settings';

/** What every phase is given by `npm run bench`. */
export interface PhaseContext {
  settings: BenchSettings;
  /** A clamd with DisableCache (every run of the same bytes is a real scan); undefined when clamd or clamdscan is missing. */
  clamd?: RunningClamd;
  /** Why the scanning figures cannot be measured, when they cannot. */
  scanToolsMissing?: string;
  /** One file of `sizeMiB` random bytes, written on first use and shared by the phases. */
  largeFile(): Promise<string>;
  /** This run's own directory, removed at the end. */
  workDir: string;
  /** Adds a figure to the printed table, as soon as it is known. */
  record(figure: Figure): void;
}

/** Generous bounds for one step on a large file: a stuck step fails the figure rather than the machine's patience. */
export function stepTimeoutMs(sizeMiB: number): number {
  return 120_000 + sizeMiB * 1_000;
}
