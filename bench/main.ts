// `npm run bench` (builds first, as `npm start` does): issue #13's figures, each next to a baseline
// measured in the same run on the same machine, as ours / baseline / ratio / target / pass or fail.
// Progress goes to stderr; the results (machine, commit, settings and one Markdown table) to stdout.
//
// Sizes default to the issue's; BENCH_QUICK=1 runs everything small (a few minutes), and each size can
// be set on its own: BENCH_SIZE_MB, BENCH_RUNS, BENCH_SMALL_FILES, BENCH_SMALL_FILE_KB,
// BENCH_CHECK_FILES, BENCH_LIST_SIZES, BENCH_LIST_SAMPLES, BENCH_LIFECYCLES, BENCH_LIFECYCLE_TIMEOUT_S,
// BENCH_LARGE_FILES, BENCH_WORK_DIR; BENCH_ONLY=phase,... runs some phases (see support/settings.ts).
// The scanning figures need clamd and clamdscan (apt-get install -y clamav-daemon clamdscan).
//
// The exit code is 1 when a figure could not be measured; a missed target is reported, not an error.
import './support/functionsCore';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { RunningClamd, startClamd } from '../test/support/clamd';
import { contentChecksPhase } from './phases/contentChecks';
import { hashAndScanPhase } from './phases/hashAndScan';
import { largeFilesPhase } from './phases/largeFiles';
import { largeMoveMemoryPhase } from './phases/largeMoveMemory';
import { lifecyclesPhase } from './phases/lifecycles';
import { LIST_HOST_ENV, listLatencyPhase } from './phases/listLatency';
import { PhaseContext } from './phases/phase';
import { smallFilesPhase } from './phases/smallFiles';
import { BenchHost } from './support/benchHost';
import { missingScanTools } from './support/commandBaselines';
import { Figure, figuresTable, formatQuantity, phaseFailure, ratioOf, verdictOf } from './support/figures';
import { describeMachine } from './support/machine';
import { writeRandomFile } from './support/randomFile';
import { benchSettings, BenchSettingsError, describeSettings, PhaseName } from './support/settings';
import { progress, timed } from './support/timing';

/** The largest file size the host accepts by default (AIRLOCK_MAX_FILE_SIZE_MB). */
const HOST_DEFAULT_MAX_FILE_MB = 1024;

async function main(): Promise<number> {
  const settings = benchSettings(process.env);
  const workDir = mkdtempSync(join(settings.workDir, 'airlock-bench-'));
  const figures: Figure[] = [];
  const record = (figure: Figure) => {
    figures.push(figure);
    progress(`= ${summaryOf(figure)}`);
  };
  const wants = (...phases: PhaseName[]) => phases.some((phase) => settings.phases.has(phase));
  const cleanups: (() => Promise<void>)[] = [async () => rmSync(workDir, { recursive: true, force: true })];
  try {
    progress(`npm run bench: ${describeSettings(settings)}`);
    const scanToolsMissing = missingScanTools();
    let clamd: RunningClamd | undefined;
    if (scanToolsMissing) {
      progress(`the scanning figures will not be measured: ${scanToolsMissing}`);
    } else if (wants('hashAndScan', 'largeFiles')) {
      // The limits the host assumes by default (AIRLOCK_CLAMD_* unset); DisableCache, so every run scans.
      const started = await startClamd({ disableCache: true });
      clamd = started;
      cleanups.unshift(() => started.stop());
    }
    let largeFile: Promise<string> | undefined;
    const context: PhaseContext = {
      settings,
      clamd,
      scanToolsMissing,
      workDir,
      record,
      largeFile() {
        const path = join(workDir, 'random.bin');
        largeFile ??= timed(`writing ${settings.sizeMiB} MiB of random bytes`, () => writeRandomFile(path, settings.sizeMiB)).then(() => path);
        return largeFile;
      },
    };
    const run = async (phase: PhaseName, label: string, body: () => Promise<void>) => {
      if (!settings.phases.has(phase)) return;
      progress(`\n== ${label}`);
      try {
        await body();
      } catch (error) {
        progress(error instanceof Error ? (error.stack ?? error.message) : String(error));
        record(phaseFailure(label, error));
      }
    };

    await run('hashAndScan', 'hash + ClamAV in one pass', () => hashAndScanPhase(context));
    await run('contentChecks', 'content checks', () => contentChecksPhase(context));

    if (wants('largeMoveMemory', 'largeFiles', 'smallFiles')) {
      progress('\n== starting the local host for the file phases');
      let host: BenchHost | undefined;
      try {
        host = await BenchHost.start(workDir, 'files', {
          AIRLOCK_MAX_FILE_SIZE_MB: String(Math.max(HOST_DEFAULT_MAX_FILE_MB, settings.sizeMiB)),
          ...(clamd ? { AIRLOCK_CLAMD: clamd.address } : {}),
        });
      } catch (error) {
        record(phaseFailure('starting the local host for the file phases', error));
      }
      if (host) {
        const filesHost = host;
        try {
          // First, on a host that has moved nothing yet.
          await run('largeMoveMemory', `memory while moving ${settings.largeFiles} × ${settings.sizeMiB} MiB`, () => largeMoveMemoryPhase(context, filesHost));
          await run('largeFiles', `one ${settings.sizeMiB} MiB file: submit and every move`, () => largeFilesPhase(context, filesHost));
          await run('smallFiles', `${settings.smallFiles} × ${settings.smallFileKiB} KiB`, () => smallFilesPhase(context, filesHost));
        } finally {
          await filesHost.stop().catch((error: unknown) => record(phaseFailure('stopping the local host of the file phases', error)));
        }
      }
    }

    await run('lifecycles', `${settings.lifecycles} concurrent lifecycles`, () => lifecyclesPhase(context));
    await run('list', 'list latency', async () => {
      const host = await BenchHost.start(workDir, 'list', LIST_HOST_ENV);
      try {
        await listLatencyPhase(context, host);
      } finally {
        await host.stop();
      }
    });
  } finally {
    for (const cleanup of cleanups) await cleanup().catch((error: unknown) => progress(`cleanup failed: ${String(error)}`));
  }

  const lines = [
    '# npm run bench',
    '',
    '```',
    ...describeMachine(),
    `settings    ${describeSettings(settings)}`,
    '```',
    '',
    figuresTable(figures),
    '',
  ];
  process.stdout.write(lines.join('\n'));
  return figures.some((figure) => figure.error) ? 1 : 0;
}

function summaryOf(figure: Figure): string {
  if (figure.error) return `${figure.figure}: not measured (${figure.error})`;
  const ratio = ratioOf(figure);
  const verdict = verdictOf(figure);
  return [
    `${figure.figure}: ${figure.ours ? formatQuantity(figure.ours) : '—'}`,
    figure.baseline ? ` vs ${formatQuantity(figure.baseline)} (${figure.baseline.label})` : '',
    ratio !== undefined ? `, ${ratio.toFixed(2)}×` : '',
    verdict === undefined ? '' : verdict ? ', pass' : ', FAIL',
  ].join('');
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof BenchSettingsError ? error.message : error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  },
);
