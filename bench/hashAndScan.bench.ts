// Run: node -r esbuild-register bench/hashAndScan.bench.ts [sizeMiB=1024]
// Needs clamd and clamdscan (apt-get install clamav-daemon clamdscan), and about 3 × sizeMiB free in the temp dir.
//
// Does streaming a blob from storage to clamd, with the SHA-256 computed on the way, cost more
// than the slower of its parts? Compared, on one random file, median of 3 runs each:
//   (a) sha256sum on the local file                  (hashing alone, from the page cache)
//   (b) clamdscan --stream on the local file         (clamd alone, same INSTREAM path)
//   (c) storage.readFile → ClamdScanner.scan         (the airlock: download + hash + scan, one pass)
//   (d) storage.hashFile                             (download + hash, no scan: the storage share of c)
// clamd runs with DisableCache, or runs 2 and 3 of the same content would skip the scan.
import { execFile } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { createWriteStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { promisify } from 'node:util';
import { ContainerClient } from '@azure/storage-blob';
import { storageAccountName } from '../src/domain/stages';
import { BlobStageStorage } from '../src/infra/blobStageStorage';
import { ClamdScanner } from '../src/infra/scanning/clamdScanner';
import { ContainerRef } from '../src/infra/stageStorage';
import { newAccountKey, startAzurite } from '../src/local/azurite';
import { startClamd } from '../test/support/clamd';

const run = promisify(execFile);
const MiB = 1024 * 1024;
const RUNS = 3;
/** libclamav cannot scan a single file of 2 GiB or more (docs/clamav.md). */
const LARGEST_SCANNABLE_MIB = 2047;
const TRE_ID = 'bench';
const WORKSPACE_ID = 'ws01';
const BLOB_NAME = 'random.bin';

interface Measurement {
  label: string;
  seconds: number[];
}

async function main(): Promise<void> {
  const sizeMiB = Number(process.argv[2] ?? 1024);
  if (!Number.isInteger(sizeMiB) || sizeMiB < 1 || sizeMiB > LARGEST_SCANNABLE_MIB - 16) {
    throw new Error(`size must be a whole number of MiB between 1 and ${LARGEST_SCANNABLE_MIB - 16} (got ${process.argv[2]})`);
  }
  const work = mkdtempSync(join(tmpdir(), 'hash-and-scan-bench-'));
  const cleanups: (() => Promise<void> | void)[] = [() => rmSync(work, { recursive: true, force: true })];
  try {
    const localFile = join(work, BLOB_NAME);
    await timed(`writing ${sizeMiB} MiB of random bytes`, () => writeRandomFile(localFile, sizeMiB));

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

    const clamd = await startClamd({ maxFileSizeMb: sizeMiB + 16, disableCache: true });
    cleanups.unshift(() => clamd.stop());
    // clamdscan prefers LocalSocket when a config names both; a TCP-only config keeps (b) and (c) on the
    // same transport. clamdscan also stops sending at ITS config's StreamMaxLength (25M when absent)
    // and then reports the truncated stream as OK, so the limit must be repeated here.
    const clamdscanConfig = join(work, 'clamdscan.conf');
    const port = new URL(clamd.address).port;
    writeFileSync(clamdscanConfig, `TCPAddr 127.0.0.1\nTCPSocket ${port}\nStreamMaxLength ${sizeMiB + 16}M\n`);
    const scanner = new ClamdScanner({ address: clamd.address });

    const expectedSha256 = (await run('sha256sum', [localFile])).stdout.split(' ')[0];
    const measurements: Measurement[] = [
      await measure('(a) sha256sum file', async () => {
        const { stdout } = await run('sha256sum', [localFile]);
        check(stdout.startsWith(expectedSha256), 'sha256sum disagrees with itself');
      }),
      await measure('(b) clamdscan --stream file', async () => {
        // Exit status 0 is "no virus found"; 1 (found) or 2 (error) rejects.
        const { stdout } = await run('clamdscan', ['--stream', '--no-summary', `--config-file=${clamdscanConfig}`, localFile]);
        check(stdout.trim().endsWith(': OK'), `clamdscan said: ${stdout.trim()}`);
      }),
      await measure('(c) readFile -> ClamdScanner.scan', async () => {
        const content = await storage.readFile(ref, BLOB_NAME);
        const result = await scanner.scan(content.stream);
        check(!result.infected && result.sha256 === expectedSha256 && result.size === sizeMiB * MiB, `scan said: ${JSON.stringify(result)}`);
      }),
      await measure('(d) storage.hashFile (no scan)', async () => {
        const hashed = await storage.hashFile(ref, BLOB_NAME);
        check(hashed.sha256 === expectedSha256, 'hashFile digest differs');
      }),
    ];
    printTable(sizeMiB, measurements);
  } finally {
    for (const cleanup of cleanups) await cleanup();
  }
}

async function writeRandomFile(path: string, sizeMiB: number): Promise<void> {
  const out = createWriteStream(path);
  const chunk = Buffer.alloc(8 * MiB);
  for (let written = 0; written < sizeMiB; written += 8) {
    const bytes = Math.min(8, sizeMiB - written) * MiB;
    // A fresh buffer each time: the stream may still hold the previous one.
    const piece = Buffer.from(randomFillSync(chunk).subarray(0, bytes));
    if (!out.write(piece)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

async function measure(label: string, operation: () => Promise<void>): Promise<Measurement> {
  const seconds: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    await operation();
    seconds.push((performance.now() - start) / 1000);
    process.stderr.write(`  ${label}: run ${i + 1} ${seconds[i].toFixed(2)} s\n`);
  }
  return { label, seconds };
}

async function timed<T>(label: string, operation: () => Promise<T>): Promise<T> {
  const start = performance.now();
  const result = await operation();
  process.stderr.write(`${label}: ${((performance.now() - start) / 1000).toFixed(1)} s\n`);
  return result;
}

function check(condition: boolean, problem: string): void {
  if (!condition) throw new Error(problem);
}

function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.floor(sorted.length / 2)];
}

function printTable(sizeMiB: number, measurements: Measurement[]): void {
  const rate = (seconds: number) => `${(sizeMiB / seconds).toFixed(0)} MiB/s`;
  const lines = [
    `hash + scan of ${sizeMiB} MiB of random bytes, ${RUNS} runs each (seconds)`,
    '',
    `${'operation'.padEnd(36)} ${'runs'.padEnd(20)} ${'median'.padStart(7)}  rate`,
    ...measurements.map(
      ({ label, seconds }) =>
        `${label.padEnd(36)} ${seconds.map((s) => s.toFixed(2)).join(' ').padEnd(20)} ${median(seconds).toFixed(2).padStart(7)}  ${rate(median(seconds))}`,
    ),
    '',
  ];
  const [a, b, c] = measurements.map((m) => median(m.seconds));
  lines.push(`c/a = ${(c / a).toFixed(2)}   (one pass vs hashing alone)`);
  lines.push(`c/b = ${(c / b).toFixed(2)}   (one pass vs clamd alone)`);
  process.stdout.write(lines.join('\n') + '\n');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
