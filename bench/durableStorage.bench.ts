// Run: node -r esbuild-register bench/durableStorage.bench.ts [writes=400] [concurrency=8]
//
// What does "nothing is acknowledged before it is durable" cost the local host's storage? The same
// work against embedded Azurite on disk, three ways, in this process:
//   interval  Azurite as it comes: metadata saved every 5 s (a crash loses acknowledged writes)
//   write     saved (group commit) before each answer, into the OS: survives a killed process
//   fsync     the same, flushed to the disk: survives a power cut (the local host's setting)
// The work: `writes` small blob uploads and as many two-entity table transactions (what the airlock
// does per request change), `concurrency` at a time. Reported: writes per second, median of 3 runs,
// and the ratio to `interval`. The metadata file grows with the data, and each save writes all of it,
// so the cost also grows with the size of the data directory (the table holds the runs' rows).
import { BlobServiceClient } from '@azure/storage-blob';
import { TableClient } from '@azure/data-tables';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newAccountKey, startAzurite } from '../src/local/azurite';

const WRITES = Number(process.argv[2] ?? 400);
const CONCURRENCY = Number(process.argv[3] ?? 8);
const RUNS = 3;
const MODES = ['interval', 'write', 'fsync'] as const;
const ACCOUNT = 'benchaccount';

async function writesPerSecond(mode: (typeof MODES)[number], run: number): Promise<number> {
  const location = mkdtempSync(join(tmpdir(), `airlock-bench-${mode}-`));
  const azurite = await startAzurite({ accounts: { [ACCOUNT]: newAccountKey() }, location, metadataSaves: mode });
  try {
    const container = BlobServiceClient.fromConnectionString(azurite.connectionString(ACCOUNT)).getContainerClient(`run${run}`);
    await container.create();
    const table = TableClient.fromConnectionString(azurite.connectionString(ACCOUNT), `run${run}`, { allowInsecureConnection: true });
    await table.createTable();
    let next = 0;
    const started = process.hrtime.bigint();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        for (let i = next++; i < WRITES; i = next++) {
          await container.getBlockBlobClient(`file-${i}.txt`).upload(`content ${i}`, `content ${i}`.length);
          await table.submitTransaction([
            ['create', { partitionKey: 'ws', rowKey: `request-${i}`, doc0: 'x'.repeat(2000) }],
            ['create', { partitionKey: 'ws', rowKey: `audit~request-${i}~00000001`, doc0: 'y'.repeat(500) }],
          ]);
        }
      }),
    );
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    return (2 * WRITES) / seconds;
  } finally {
    await azurite.close();
    rmSync(location, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const results: Record<string, number> = {};
  for (const mode of MODES) {
    const runs: number[] = [];
    for (let run = 0; run < RUNS; run++) runs.push(await writesPerSecond(mode, run));
    results[mode] = runs.sort((a, b) => a - b)[Math.floor(RUNS / 2)];
  }
  console.log(`${WRITES} blob uploads + ${WRITES} table transactions, ${CONCURRENCY} at a time, median of ${RUNS} runs`);
  for (const mode of MODES) {
    console.log(`${mode.padEnd(9)} ${results[mode].toFixed(0).padStart(6)} writes/s   ${(results[mode] / results.interval).toFixed(2)} × interval`);
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
