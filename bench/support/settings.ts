/**
 * What `npm run bench` measures, from the environment. The defaults are issue #13's sizes;
 * BENCH_QUICK=1 shrinks everything for a run of a few minutes, and each BENCH_* variable still
 * overrides a single size.
 */
import { tmpdir } from 'node:os';

export const PHASES = ['hashAndScan', 'contentChecks', 'largeFiles', 'smallFiles', 'largeMoveMemory', 'lifecycles', 'list'] as const;
export type PhaseName = (typeof PHASES)[number];

export interface BenchSettings {
  /** The large file, in MiB: hash + scan, submit, the moves, and each file of the memory phase. */
  sizeMiB: number;
  /** Each timed step is run this many times and its median printed (baselines too). */
  runs: number;
  smallFiles: number;
  smallFileKiB: number;
  /** Files of 1 KiB whose content checks are timed. */
  checkFiles: number;
  /** Stored requests at which the list is timed; the first is the baseline. */
  listSizes: number[];
  listSamples: number;
  lifecycles: number;
  lifecycleTimeoutSeconds: number;
  /** Files of `sizeMiB` moved at once while the host's memory is watched. */
  largeFiles: number;
  phases: ReadonlySet<PhaseName>;
  /** Where the random files and the hosts' data directories go (needs about 3 × sizeMiB × largeFiles free). */
  workDir: string;
}

/** libclamav scans at most 2 GiB − 1 in one file; the bench's clamd gets a little headroom above the file. */
const LARGEST_FILE_MIB = 2031;

const QUICK: Record<string, string> = {
  BENCH_SIZE_MB: '64',
  BENCH_RUNS: '1',
  BENCH_SMALL_FILES: '20',
  BENCH_LIST_SIZES: '10,100,1000',
  BENCH_LIST_SAMPLES: '20',
  BENCH_LIFECYCLES: '50',
  BENCH_LARGE_FILES: '2',
};

/** A BENCH_* variable that cannot be used: said in one line, without a stack. */
export class BenchSettingsError extends Error {}

export function benchSettings(env: NodeJS.ProcessEnv): BenchSettings {
  const quick = env.BENCH_QUICK === '1' || env.BENCH_QUICK === 'true';
  const read = (name: string, fallback: string) => env[name]?.trim() || (quick ? QUICK[name] : undefined) || fallback;
  const whole = (name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER) => {
    const text = read(name, String(fallback));
    const value = Number(text);
    if (!Number.isInteger(value) || value < min || value > max) throw new BenchSettingsError(`${name} must be a whole number from ${min} to ${max} (got '${text}')`);
    return value;
  };
  const listSizesText = read('BENCH_LIST_SIZES', '10,1000,10000');
  const listSizes = listSizesText.split(',').map((size) => Number(size.trim()));
  if (listSizes.length < 2 || listSizes.some((size, index) => !Number.isInteger(size) || size < 1 || (index > 0 && size <= listSizes[index - 1]))) {
    throw new BenchSettingsError(`BENCH_LIST_SIZES must be at least two increasing whole numbers, the first being the baseline (got '${listSizesText}')`);
  }
  const only = (env.BENCH_ONLY ?? '').split(',').map((name) => name.trim()).filter(Boolean);
  const unknown = only.filter((name) => !(PHASES as readonly string[]).includes(name));
  if (unknown.length) throw new BenchSettingsError(`BENCH_ONLY names unknown phases ${unknown.join(', ')}; phases: ${PHASES.join(', ')}`);
  return {
    sizeMiB: whole('BENCH_SIZE_MB', 1024, 1, LARGEST_FILE_MIB),
    runs: whole('BENCH_RUNS', 3, 1, 99),
    smallFiles: whole('BENCH_SMALL_FILES', 100, 1, 10_000),
    smallFileKiB: whole('BENCH_SMALL_FILE_KB', 1024, 1, 64 * 1024),
    checkFiles: whole('BENCH_CHECK_FILES', 200, 1, 10_000),
    listSizes,
    listSamples: whole('BENCH_LIST_SAMPLES', 50, 1, 10_000),
    lifecycles: whole('BENCH_LIFECYCLES', 500, 1, 100_000),
    lifecycleTimeoutSeconds: whole('BENCH_LIFECYCLE_TIMEOUT_S', 900, 10),
    largeFiles: whole('BENCH_LARGE_FILES', 5, 1, 50),
    phases: new Set(only.length ? (only as PhaseName[]) : PHASES),
    workDir: env.BENCH_WORK_DIR?.trim() || tmpdir(),
  };
}

/** The settings as one line, for the top of the output. */
export function describeSettings(settings: BenchSettings): string {
  return [
    `large file ${settings.sizeMiB} MiB`,
    `runs ${settings.runs}`,
    `${settings.smallFiles} × ${settings.smallFileKiB} KiB`,
    `content checks ${settings.checkFiles} × 1 KiB`,
    `list at ${settings.listSizes.join(', ')} stored (${settings.listSamples} samples)`,
    `${settings.lifecycles} lifecycles`,
    `memory: ${settings.largeFiles} × ${settings.sizeMiB} MiB`,
    `phases ${[...settings.phases].join(', ')}`,
  ].join('; ');
}
