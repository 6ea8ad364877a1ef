/**
 * `node dist/src/tools/auditVerify.js`: checks the audit log of every airlock request in the state
 * store the app is configured for, and prints one line per request:
 *
 *   ok <workspaceId>/<requestId> (<n> entries)
 *   BROKEN <workspaceId>/<requestId>: <problem>; <problem>...
 *
 * Exit status: 0 when every log verifies, 1 when one or more are broken, 2 when the check could not
 * run (configuration, store unreachable).
 *
 * With AIRLOCK_STATE_STORE unset it checks the running local host's store, found through
 * <AIRLOCK_DATA_DIR>/state-store.json (`npm run audit:verify` next to `npm start`). Otherwise
 * configuration is read exactly as the app reads it (`loadConfig()`), so run it in the app's
 * environment: the Function App's settings, or for the local host the same variables the host sets
 * (AIRLOCK_STATE_STORE=table, AIRLOCK_TABLE_CONNECTION_STRING pointing at the host's Azurite table
 * endpoint with the `STATE_ACCOUNT` key from <data dir>/local-host.json, plus AIRLOCK_TRE_ID,
 * AIRLOCK_WORKSPACE_AUDIENCES, AIRLOCK_AUTH_ISSUER, AIRLOCK_AUTH_JWKS_URI, AIRLOCK_CORE_AUDIENCE,
 * which loadConfig requires). The host must be running: its Azurite lives in its process.
 * With a Cosmos store and no AIRLOCK_COSMOS_KEY it signs in as the app does (managed identity).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, AirlockConfig } from '../config';
import { DependencyError } from '../domain/errors';
import { AirlockRequest } from '../domain/request';
import { verifyChain } from '../infra/auditChain';
import { CosmosRequestStore } from '../infra/cosmosRequestStore';
import { everyRequest, RequestStore } from '../infra/requestStore';
import { TableRequestStore } from '../infra/tableRequestStore';
import { LOCAL_STATE_STORE_FILE } from '../local/localStateStore';
import { errorText } from '../domain/errorText';

export interface BrokenRequest {
  workspaceId: string;
  requestId: string;
  /** entries read from the log (0 when it could not be read) */
  entries: number;
  problems: string[];
}

export interface AuditVerifyReport {
  checked: number;
  broken: BrokenRequest[];
}

/** A request changed while its log was read is read again, at most this many times. */
const MAX_ATTEMPTS = 3;

/**
 * Verifies the audit log of every request `store.listAll` returns, page by page. `report` gets one
 * line per request. A request written to while it is checked is checked again, so a write racing
 * the check is not reported as tampering. Only a store failure (DependencyError) stops the run.
 */
export async function verifyAllRequests(store: RequestStore, report: (line: string) => void = () => {}): Promise<AuditVerifyReport> {
  const seen = new Set<string>();
  const broken: BrokenRequest[] = [];
  for await (const request of everyRequest(store)) {
    const key = `${request.workspaceId}/${request.id}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const result = await verifyRequest(store, request);
    if (result.problems.length === 0) {
      report(`ok ${key} (${result.entries} ${result.entries === 1 ? 'entry' : 'entries'})`);
    } else {
      broken.push({ workspaceId: request.workspaceId, requestId: request.id, ...result });
      report(`BROKEN ${key}: ${result.problems.join('; ')}`);
    }
  }
  return { checked: seen.size, broken };
}

async function verifyRequest(store: RequestStore, listed: AirlockRequest): Promise<{ entries: number; problems: string[] }> {
  let request = listed;
  for (let attempt = 1; ; attempt++) {
    let entries: number;
    let problems: string[];
    try {
      const log = await store.listAudit(request.workspaceId, request.id);
      const verdict = verifyChain(log, request.auditHead);
      entries = verdict.entries;
      problems = verdict.problems;
    } catch (error) {
      if (error instanceof DependencyError) throw error;
      entries = 0;
      problems = [`its audit log cannot be read: ${errorText(error)}`];
    }
    if (problems.length === 0) return { entries, problems };
    // Every audited write changes the etag: the same etag after reading the log means the log and
    // the head were read as they stand, so the finding is real.
    const current = await store.get(request.workspaceId, request.id);
    if (current === undefined || current.etag === request.etag || attempt >= MAX_ATTEMPTS) return { entries, problems };
    request = current;
  }
}

interface ConnectedStore {
  store: RequestStore;
  where: string;
  close(): void;
}

/** Without the app's configuration: the running local host's store, as its data directory describes it. */
async function connectLocalHostStore(): Promise<ConnectedStore> {
  const dataDir = process.env.AIRLOCK_DATA_DIR ?? '.airlock';
  const file = join(dataDir, LOCAL_STATE_STORE_FILE);
  if (!existsSync(file)) {
    throw new Error(`no AIRLOCK_STATE_STORE configured and no local host state in ${file}; start the local host (npm start) or set the app's configuration`);
  }
  const { connectionString, tableName } = JSON.parse(readFileSync(file, 'utf8')) as { connectionString: string; tableName: string };
  const store = await TableRequestStore.connect({ connectionString, tableName });
  return { store, where: `the local host's table ${tableName} (${dataDir})`, close: () => {} };
}

async function connectConfiguredStore(): Promise<ConnectedStore> {
  const config = loadConfig();
  const where = config.stateStore.kind === 'table' ? `table ${config.stateStore.table}` : `Cosmos ${config.stateStore.database}/${config.stateStore.container}`;
  return { ...(await connectStore(config)), where };
}

async function connectStore(config: AirlockConfig): Promise<{ store: RequestStore; close(): void }> {
  if (config.stateStore.kind === 'table') {
    const store = await TableRequestStore.connect({ connectionString: config.stateStore.connectionString, tableName: config.stateStore.table });
    return { store, close: () => {} };
  }
  const { endpoint, key, database, container } = config.stateStore;
  // As the app signs in (infra/dependencies.ts): the key when one is set, else the managed identity.
  const clientId = config.storage.auth.kind === 'managed-identity' ? config.storage.auth.clientId : undefined;
  const credential = key
    ? undefined
    : new (await import('@azure/identity')).DefaultAzureCredential(clientId ? { managedIdentityClientId: clientId } : {});
  const store = await CosmosRequestStore.connect({ endpoint, key, credential, database, container });
  return { store, close: () => store.close() };
}

async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log('usage: node dist/src/tools/auditVerify.js   (reads the app configuration from the environment; see the file header)');
    return 0;
  }
  const { store, close, where } = process.env.AIRLOCK_STATE_STORE ? await connectConfiguredStore() : await connectLocalHostStore();
  try {
    const result = await verifyAllRequests(store, (line) => console.log(line));
    console.error(`audit check of ${where}: ${result.checked} requests, ${result.broken.length} broken`);
    return result.broken.length === 0 ? 0 : 1;
  } finally {
    close();
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(`audit check failed: ${errorText(error)}`);
      process.exit(2);
    },
  );
}
