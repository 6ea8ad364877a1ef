/**
 * Embedded Azurite (blob and table), started on the event loop of the thread that calls
 * `startAzurite`. The local host calls it on a worker thread of its own (azuriteThread.ts); tests of
 * the adapters call it in their own thread. Azurite's package `main` is its VS Code extension, so the
 * servers are loaded by deep import; the version is pinned in package.json.
 * Azurite reads AZURITE_ACCOUNTS when it starts (and every minute after), so `startAzurite` publishes
 * the accounts there first (each worker thread has its own copy of the environment).
 *
 * Four things are added to Azurite as it comes: persisted metadata is saved before a request is
 * answered (durableLoki.ts), a SAS-authorized copy must be allowed to read its source
 * (copySourceGuard.ts), blob names follow Azure's rules (blobNameGuard.ts), as in Azure, and a table
 * query reads only the key range its filter allows (tableKeyRanges.ts), as Azure's index does.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { guardBlobNames } from './blobNameGuard';
import { guardCopySources } from './copySourceGuard';
import { makeStoreDurable, LokiMetadataStore } from './durableLoki';
import { applyJournal } from './lokiJournal';
import { skipAzuriteTelemetry } from './azuriteTelemetryOff';
import { narrowTableQueries } from './tableKeyRanges';

export interface AzuriteOptions {
  /** account name → base64 key */
  accounts: Record<string, string>;
  /** Directory for persisted data; undefined keeps everything in memory. */
  location?: string;
  host?: string;
  /** 0 (the default) picks free ports. A port that is taken is replaced by a free one (see `portsMoved`). */
  blobPort?: number;
  tablePort?: number;
  /**
   * When persisted metadata is saved (persisted data only). 'fsync' (the default): before the answer,
   * flushed to the disk, so it survives a power cut. 'write': before the answer, into the OS, so it
   * survives the process being killed but not the machine losing power. 'interval': Azurite's own
   * save every 5 s, which loses acknowledged writes in a crash (kept only to measure the others).
   */
  metadataSaves?: 'fsync' | 'write' | 'interval';
}

export interface RunningAzurite {
  /** e.g. http://127.0.0.1:41234 ; an account's endpoint is `${blobOrigin}/${account}` */
  blobOrigin: string;
  tableOrigin: string;
  accounts: Record<string, string>;
  blobEndpoint(account: string): string;
  tableEndpoint(account: string): string;
  /** A connection string for the account, with both blob and table endpoints. */
  connectionString(account: string): string;
  /** The ports asked for that were taken, so other ports were used. */
  portsMoved: Array<{ service: 'blob' | 'table'; asked: number; used: number }>;
  close(): Promise<void>;
}

export function newAccountKey(): string {
  return randomBytes(32).toString('base64');
}

/** Merges into AZURITE_ACCOUNTS so several embedded instances in one process see all their accounts. */
function publishAccounts(accounts: Record<string, string>): void {
  const known = new Map<string, string>();
  for (const entry of (process.env.AZURITE_ACCOUNTS ?? '').split(';').filter(Boolean)) {
    const [name, ...keys] = entry.split(':');
    known.set(name, keys.join(':'));
  }
  for (const [name, key] of Object.entries(accounts)) known.set(name, key);
  process.env.AZURITE_ACCOUNTS = [...known].map(([name, key]) => `${name}:${key}`).join(';');
}

export async function startAzurite(options: AzuriteOptions): Promise<RunningAzurite> {
  const inMemory = options.location === undefined;
  const dir = options.location;
  // Before Azurite's modules load (most of a start): a location that cannot be used fails at once.
  if (dir) mkdirSync(join(dir, 'blob-extents'), { recursive: true });
  publishAccounts(options.accounts);
  skipAzuriteTelemetry();
  const BlobServer = require('azurite/dist/src/blob/BlobServer').default;
  const BlobConfiguration = require('azurite/dist/src/blob/BlobConfiguration').default;
  const TableServer = require('azurite/dist/src/table/TableServer').default;
  const TableConfiguration = require('azurite/dist/src/table/TableConfiguration').default;
  const databaseFiles = dir && {
    blob: join(dir, '__azurite_db_blob__.json'),
    extents: join(dir, '__azurite_db_blob_extent__.json'),
    table: join(dir, '__azurite_db_table__.json'),
  };
  // What the last run acknowledged in its journals, written into the files Azurite is about to read.
  if (databaseFiles) await Promise.all(Object.values(databaseFiles).map(applyJournal));
  const host = options.host ?? '127.0.0.1';
  const blobPort = await usablePort(host, options.blobPort ?? 0);
  const tablePort = await usablePort(host, options.tablePort ?? 0);

  const blob = new BlobServer(
    new BlobConfiguration(
      host,
      blobPort,
      5,
      databaseFiles ? databaseFiles.blob : ':memory:blob-metadata.db',
      databaseFiles ? databaseFiles.extents : ':memory:blob-extents.db',
      inMemory ? undefined : [{ locationId: 'Default', locationPath: join(dir!, 'blob-extents'), maxConcurrency: 10 }],
      false, // access log
      undefined,
      false, // debug log
      undefined,
      true, // loose
      true, // skipApiVersionCheck: the SDK asks for newer REST versions than Azurite knows
      '',
      '',
      '',
      undefined,
      false,
      inMemory,
    ),
  );
  const table = new TableServer(
    new TableConfiguration(
      host,
      tablePort,
      5,
      databaseFiles ? databaseFiles.table : ':memory:table.db',
      false, // debug log
      false, // access log
      undefined,
      undefined,
      true,
      true,
      '',
      '',
      '',
      undefined,
      false,
      inMemory,
    ),
  );
  narrowTableQueries(table.metadataStore);
  const metadataSaves = options.metadataSaves ?? 'fsync';
  const durableStores =
    inMemory || metadataSaves === 'interval'
      ? []
      : [blob.metadataStore, blob.extentMetadataStore, table.metadataStore].map((store: LokiMetadataStore) => makeStoreDurable(store, { fsync: metadataSaves === 'fsync' }));
  let blobOrigin = '';
  guardCopySources(blob.httpServer, () => blobOrigin);
  guardBlobNames(blob.httpServer);
  await blob.start();
  try {
    await table.start();
  } catch (error) {
    await blob.close();
    throw error;
  }
  blobOrigin = `http://${blob.getHttpServerAddress().replace(/^https?:\/\//, '')}`;
  const tableOrigin = `http://${table.getHttpServerAddress().replace(/^https?:\/\//, '')}`;
  const portsMoved = [
    { service: 'blob' as const, asked: options.blobPort ?? 0, used: Number(new URL(blobOrigin).port) },
    { service: 'table' as const, asked: options.tablePort ?? 0, used: Number(new URL(tableOrigin).port) },
  ].filter(({ asked, used }) => asked !== 0 && asked !== used);
  return describeRunningAzurite(options.accounts, { blobOrigin, tableOrigin, portsMoved }, async () => {
    await Promise.allSettled([blob.close(), table.close()]);
    await Promise.allSettled(durableStores.map((store) => store.idle()));
  });
}

/** Where a started Azurite answers: all a caller in another thread needs to know of it. */
export type AzuriteAddresses = Pick<RunningAzurite, 'blobOrigin' | 'tableOrigin' | 'portsMoved'>;

export function describeRunningAzurite(accounts: Record<string, string>, addresses: AzuriteAddresses, close: () => Promise<void>): RunningAzurite {
  const { blobOrigin, tableOrigin, portsMoved } = addresses;
  const blobEndpoint = (account: string) => `${blobOrigin}/${account}`;
  const tableEndpoint = (account: string) => `${tableOrigin}/${account}`;
  return {
    blobOrigin,
    tableOrigin,
    portsMoved,
    accounts: { ...accounts },
    blobEndpoint,
    tableEndpoint,
    connectionString: (account) =>
      `DefaultEndpointsProtocol=http;AccountName=${account};AccountKey=${accounts[account]};` +
      `BlobEndpoint=${blobEndpoint(account)};TableEndpoint=${tableEndpoint(account)};`,
    close,
  };
}

/** The port asked for when it is free, else 0 (any free port): a port taken by another program must not stop the host. */
async function usablePort(host: string, port: number): Promise<number> {
  if (port === 0) return 0;
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(0));
    probe.listen(port, host, () => probe.close(() => resolve(port)));
  });
}
