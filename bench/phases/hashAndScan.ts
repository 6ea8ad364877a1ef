/**
 * Hash + ClamAV in one pass (the airlock's scanner reading a blob and hashing it on the way to clamd)
 * against `clamdscan --stream` of the same local file: bench/hashAndScan.bench.ts, on the suite's file
 * and clamd.
 */
import { measureHashAndScan } from '../hashAndScan.bench';
import { median } from '../support/timing';
import { PhaseContext } from './phase';

export async function hashAndScanPhase(context: PhaseContext): Promise<void> {
  const { sizeMiB, runs } = context.settings;
  const figure = `hash + ClamAV in one pass, ${sizeMiB} MiB random`;
  if (!context.clamd) {
    context.record({ figure, target: { kind: 'ratio-at-most', ratio: 1.1 }, error: context.scanToolsMissing ?? 'no clamd' });
    return;
  }
  const result = await measureHashAndScan({ sizeMiB, runs, localFile: await context.largeFile(), clamd: context.clamd, workDir: context.workDir });
  context.record({
    figure,
    ours: { value: median(result.onePass), unit: 's' },
    baseline: { value: median(result.clamdscan), unit: 's', label: 'clamdscan --stream' },
    // #13: the scan overlaps the read, so only clamd's own work after the last byte is added (as for submit, ≤ 1.1×).
    target: { kind: 'ratio-at-most', ratio: 1.1 },
    note:
      `storage.readFile → ClamdScanner.scan on Azurite in the bench process; sha256sum ${median(result.sha256sum).toFixed(2)} s, ` +
      `storage.hashFile ${median(result.hashOnly).toFixed(2)} s`,
  });
}
