// Run: node -r esbuild-register bench/hashAndScan.bench.ts [sizeMiB=1024]   (also a phase of `npm run bench`)
// Needs clamd and clamdscan (apt-get install clamav-daemon clamdscan), and about 3 × sizeMiB free in the temp dir.
//
// Does streaming a blob from storage to clamd, with the SHA-256 computed on the way, cost more
// than the slower of its parts? Compared, on one random file, median of 3 runs each:
//   (a) sha256sum on the local file                  (hashing alone, from the page cache)
//   (b) clamdscan --stream on the local file         (clamd alone, same INSTREAM path)
//   (c) storage.readFile → ClamdScanner.scan         (the airlock: download + hash + scan, one pass)
//   (d) storage.hashFile                             (download + hash, no scan: the storage share of c)
// clamd runs with DisableCache, or runs 2 and 3 of the same content would skip the scan.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ContainerClient } from '@azure/storage-blob';
import { storageAccountName } from '../src/domain/stages';
import { BlobStageStorage } from '../src/infra/blobStageStorage';
import { ClamdScanner } from '../src/infra/scanning/clamdScanner';
import { ContainerRef } from '../src/infra/stageStorage';
import { newAccountKey, startAzurite } from '../src/local/azurite';
import { RunningClamd, startClamd } from '../test/support/clamd';
import { clamdscanStream, sha256sum, writeClamdscanConfig } from './support/commandBaselines';
import { MiB, writeRandomFile } from './support/randomFile';
import { median, timed, timeRuns } from './support/timing';

/** libclamav cannot scan a single file of 2 GiB or more (docs/clamav.md). */
const LARGEST_SCANNABLE_MIB = 2047;
const TRE_ID = 'bench';
const WORKSPACE_ID = 'ws01';
const BLOB_NAME = 'random.bin';

export interface HashAndScanOptions {
  sizeMiB: number;
  runs: number;
  /** A file of exactly sizeMiB random bytes; written here when absent. */
  localFile?: string;
  /** A clamd with DisableCache and limits above sizeMiB; started here when absent. */
  clamd?: RunningClamd;
  workDir?: string;
}

/** Seconds of each run of (a) to (d). */
export interface HashAndScanResult {
  sha256sum: number[];
  clamdscan: number[];
  onePass: number[];
  hashOnly: number[];
}

export async function measureHashAndScan(options: HashAndScanOptions): Promise<HashAndScanResult> {
  const { sizeMiB, runs } = options;
  if (!Number.isInteger(sizeMiB) || sizeMiB < 1 || sizeMiB > LARGEST_SCANNABLE_MIB - 16) {
    throw new Error(`size must be a whole number of MiB between 1 and ${LARGEST_SCANNABLE_MIB - 16} (got ${sizeMiB})`);
  }
  const work = mkdtempSync(join(options.workDir ?? tmpdir(), 'hash-and-scan-bench-'));
  const cleanups: (() => Promise<void> | void)[] = [() => rmSync(work, { recursive: true, force: true })];
  try {
    const localFile = options.localFile ?? join(work, BLOB_NAME);
    if (!options.localFile) await timed(`writing ${sizeMiB} MiB of random bytes`, () => writeRandomFile(localFile, sizeMiB));

    const accountName = storageAccountName('stalimip', { treId: TRE_ID, workspaceId: WORKSPACE_ID });
    const azurite = await startAzurite({ accounts: { [accountName]: newAccountKey() }, location: join(work, 'azurite') });
    cleanups.unshift(() => azurite.close());
    const storage = new BlobStageStorage({
      treId: TRE_ID,
      endpointTemplate: `${azurite.blobOrigin}/{account}`,
      auth: { kind: 'account-key', keys: azurite.accounts },
    });
    const ref: ContainerRef = { account: 'stalimip', workspaceId: WORKSPACE_ID, container: 'bench' };
    await storage.ensureContainer(ref);
    const containerUrl = await storage.containerUrl(ref, 'rw', new Date(Date.now() + 3_600_000));
    await timed('uploading it to Azurite (on disk)', () =>
      new ContainerClient(containerUrl).getBlockBlobClient(BLOB_NAME).uploadFile(localFile, { blockSize: 8 * MiB, concurrency: 4 }),
    );

    let clamd = options.clamd;
    if (!clamd) {
      clamd = await startClamd({ maxFileSizeMb: sizeMiB + 16, disableCache: true });
      const started = clamd;
      cleanups.unshift(() => started.stop());
    }
    const clamdscanConfig = writeClamdscanConfig(join(work, 'clamdscan.conf'), clamd, sizeMiB + 16);
    const scanner = new ClamdScanner({ address: clamd.address });

    const expectedSha256 = await sha256sum(localFile);
    return {
      sha256sum: await timeRuns('(a) sha256sum file', runs, async () => {
        check((await sha256sum(localFile)) === expectedSha256, 'sha256sum disagrees with itself');
      }),
      clamdscan: await timeRuns('(b) clamdscan --stream file', runs, () => clamdscanStream(clamdscanConfig, localFile)),
      onePass: await timeRuns('(c) readFile -> ClamdScanner.scan', runs, async () => {
        const content = await storage.readFile(ref, BLOB_NAME);
        const result = await scanner.scan(content.stream);
        check(!result.infected && result.sha256 === expectedSha256 && result.size === sizeMiB * MiB, `scan said: ${JSON.stringify(result)}`);
      }),
      hashOnly: await timeRuns('(d) storage.hashFile (no scan)', runs, async () => {
        const hashed = await storage.hashFile(ref, BLOB_NAME);
        check(hashed.sha256 === expectedSha256, 'hashFile digest differs');
      }),
    };
  } finally {
    for (const cleanup of cleanups) await cleanup();
  }
}

function check(condition: boolean, problem: string): void {
  if (!condition) throw new Error(problem);
}

function printTable(sizeMiB: number, runs: number, result: HashAndScanResult): void {
  const rate = (seconds: number) => `${(sizeMiB / seconds).toFixed(0)} MiB/s`;
  const rows: [string, number[]][] = [
    ['(a) sha256sum file', result.sha256sum],
    ['(b) clamdscan --stream file', result.clamdscan],
    ['(c) readFile -> ClamdScanner.scan', result.onePass],
    ['(d) storage.hashFile (no scan)', result.hashOnly],
  ];
  const lines = [
    `hash + scan of ${sizeMiB} MiB of random bytes, ${runs} runs each (seconds)`,
    '',
    `${'operation'.padEnd(36)} ${'runs'.padEnd(20)} ${'median'.padStart(7)}  rate`,
    ...rows.map(
      ([label, seconds]) =>
        `${label.padEnd(36)} ${seconds.map((s) => s.toFixed(2)).join(' ').padEnd(20)} ${median(seconds).toFixed(2).padStart(7)}  ${rate(median(seconds))}`,
    ),
    '',
  ];
  const [a, b, c] = rows.map(([, seconds]) => median(seconds));
  lines.push(`c/a = ${(c / a).toFixed(2)}   (one pass vs hashing alone)`);
  lines.push(`c/b = ${(c / b).toFixed(2)}   (one pass vs clamd alone)`);
  process.stdout.write(lines.join('\n') + '\n');
}

if (require.main === module) {
  const sizeMiB = Number(process.argv[2] ?? 1024);
  const runs = 3;
  measureHashAndScan({ sizeMiB, runs }).then(
    (result) => printTable(sizeMiB, runs, result),
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
