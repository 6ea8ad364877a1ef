/**
 * The local host: what Azure provides, stood in by one process. Embedded Azurite (one account per
 * stage, plus one for request state), the app's own function registrations served over HTTP, the
 * Durable backend persisted on disk, and a token issuer. It only sets the app's configuration to
 * point at these; the app itself runs unchanged.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CORE_ACCOUNTS, storageAccountName, WORKSPACE_ACCOUNTS } from '../domain/stages';
import { startAzurite, newAccountKey, RunningAzurite } from './azurite';
import { LocalDurableBackend } from './durableBackend';
import { getDependencies } from '../infra/dependencies';
import { ClamdScanner } from '../infra/scanning/clamdScanner';
import { installFunctionsCore, registrations } from './functionsCore';
import { LOCAL_STATE_STORE_FILE } from './localStateStore';
import { createHttpHost } from './httpHost';
import { LOCAL_CORE_AUDIENCE, LOCAL_ISSUER_PATHS, LocalIssuer, localWorkspaceAudience, writeIssuerInfo } from './localIssuer';

const STATE_ACCOUNT = 'airlockstate';
const TRE_ID = 'local';

/** What the data directory remembers between starts: the workspaces and the storage keys. */
interface LocalHostState {
  treId: string;
  workspaces: string[];
  accountKeys: Record<string, string>;
}

export interface LocalHostOptions {
  dataDir: string;
  port: number;
  /** Workspaces beyond those already known; `demo` is created on first start. */
  workspaces?: string[];
  log?: (line: string) => void;
}

export interface RunningLocalHost {
  /** what the banner says about malware scanning */
  scanning: string;
  origin: string;
  apiUrl: string;
  dataDir: string;
  issuer: LocalIssuer;
  workspaces: string[];
  durable: LocalDurableBackend;
  azurite: RunningAzurite;
  close(): Promise<void>;
}

function loadState(dataDir: string, extraWorkspaces: string[]): LocalHostState {
  const file = join(dataDir, 'local-host.json');
  const state: LocalHostState = existsSync(file)
    ? JSON.parse(readFileSync(file, 'utf8'))
    : { treId: TRE_ID, workspaces: ['demo'], accountKeys: {} };
  for (const workspace of extraWorkspaces) if (!state.workspaces.includes(workspace)) state.workspaces.push(workspace);
  const accounts = [
    STATE_ACCOUNT,
    ...CORE_ACCOUNTS.map((account) => storageAccountName(account, { treId: state.treId, workspaceId: '' })),
    ...state.workspaces.flatMap((workspaceId) => WORKSPACE_ACCOUNTS.map((account) => storageAccountName(account, { treId: state.treId, workspaceId }))),
  ];
  for (const account of accounts) state.accountKeys[account] ??= newAccountKey();
  writeFileSync(file, JSON.stringify(state, null, 2), { mode: 0o600 });
  return state;
}

export async function startLocalHost(options: LocalHostOptions): Promise<RunningLocalHost> {
  const log = options.log ?? ((line: string) => console.log(line));
  const dataDir = resolve(options.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const state = loadState(dataDir, options.workspaces ?? []);

  const azurite = await startAzurite({ accounts: state.accountKeys, location: join(dataDir, 'azurite') });
  const closeOnFailure: Array<() => Promise<void>> = [() => azurite.close()];
  try {
    installFunctionsCore();
    // Registering reads no configuration, so the app can be loaded before the port is known.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require('../index');
    const durable = new LocalDurableBackend({ registrations, historyDir: join(dataDir, 'durable'), log });
    let issuer: LocalIssuer | undefined;
    const host = createHttpHost({
      registrations,
      durable,
      extraRoutes: [
        { method: 'GET', path: `/local-issuer${LOCAL_ISSUER_PATHS.jwks}`, handle: async () => jsonResult(issuer!.jwks()) },
        { method: 'GET', path: `/local-issuer${LOCAL_ISSUER_PATHS.openIdConfiguration}`, handle: async () => jsonResult(issuer!.openIdConfiguration()) },
      ],
    });
    const origin = await host.listen(options.port);
    closeOnFailure.unshift(() => host.close());
    // The issuer URL names the port, so it is known only once the host listens.
    issuer = await LocalIssuer.open(dataDir, `${origin}/local-issuer`);
    await writeIssuerInfo(dataDir, issuer.issuer);

    const scanning = await chooseScanner(process.env.AIRLOCK_CLAMD, process.env.AIRLOCK_SCANNER);
    Object.assign(process.env, {
      AIRLOCK_SCANNER: scanning.scanner,
      AIRLOCK_TRE_ID: state.treId,
      AIRLOCK_WORKSPACE_AUDIENCES: state.workspaces.map((ws) => `${ws}=${localWorkspaceAudience(ws)}`).join(';'),
      AIRLOCK_AUTH_ISSUER: issuer.issuer,
      AIRLOCK_AUTH_JWKS_URI: issuer.jwksUri,
      AIRLOCK_CORE_AUDIENCE: LOCAL_CORE_AUDIENCE,
      AIRLOCK_STATE_STORE: 'table',
      AIRLOCK_TABLE_CONNECTION_STRING: azurite.connectionString(STATE_ACCOUNT),
      AIRLOCK_STORAGE_AUTH: 'account-key',
      AIRLOCK_STORAGE_ACCOUNT_KEYS: Object.entries(state.accountKeys).map(([name, key]) => `${name}:${key}`).join(';'),
      AIRLOCK_BLOB_ENDPOINT_TEMPLATE: `${azurite.blobOrigin}/{account}`,
    });
    writeFileSync(
      join(dataDir, LOCAL_STATE_STORE_FILE),
      JSON.stringify({ connectionString: azurite.connectionString(STATE_ACCOUNT), tableName: 'airlockrequests' }),
      { mode: 0o600 },
    );
    // Fail at start-up, with the configuration's own message, rather than on the first request.
    await getDependencies();
    // Resumes every persisted instance: work scheduled before a stop runs again, due timers fire.
    await durable.start();
    closeOnFailure.unshift(() => durable.stop());

    return {
      scanning: scanning.description,
      origin,
      apiUrl: `${origin}/api`,
      dataDir,
      issuer,
      workspaces: state.workspaces,
      durable,
      azurite,
      async close() {
        await host.close();
        // Work still running after the grace period is dropped here and run again on the next start.
        await durable.stop({ graceMs: 10_000 });
        await azurite.close();
      },
    };
  } catch (error) {
    for (const close of closeOnFailure) await close().catch(() => undefined);
    throw error;
  }
}

/**
 * Defender does not exist here, so the local host scans with ClamAV when clamd answers, and
 * otherwise runs with scanning off, and says so wherever a person looks (banner, /api/health,
 * each request's status message).
 */
async function chooseScanner(clamd: string | undefined, requested: string | undefined): Promise<{ scanner: 'clamav' | 'none' | 'defender'; description: string }> {
  // Defender's verdicts can be delivered by hand to /runtime/webhooks/eventgrid, exactly as Event Grid would.
  if (requested === 'defender') return { scanner: 'defender', description: 'defender: verdicts are awaited as Event Grid events at /runtime/webhooks/eventgrid?functionName=defenderScanResult' };
  if (!clamd) return { scanner: 'none', description: 'DISABLED: files are NOT scanned for malware (set AIRLOCK_CLAMD=tcp://127.0.0.1:3310 to scan with ClamAV)' };
  try {
    await new ClamdScanner({ address: clamd, timeoutMs: 5_000 }).ping();
    return { scanner: 'clamav', description: `ClamAV (clamd at ${clamd})` };
  } catch (error) {
    return { scanner: 'none', description: `DISABLED: clamd at ${clamd} does not answer (${(error as Error).message}); files are NOT scanned for malware` };
  }
}

function jsonResult(body: unknown) {
  return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}
