/**
 * The local host: what Azure provides, stood in by one process. Embedded Azurite (one account per
 * stage, plus one for request state) on a worker thread of its own, so it uses the second core
 * (azuriteThread.ts), the app's own function registrations served over HTTP, the
 * Durable backend persisted on disk, and a token issuer. It only sets the app's configuration to
 * point at these; the app itself runs unchanged.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CORE_ACCOUNTS, storageAccountName, WORKSPACE_ACCOUNTS } from '../domain/stages';
import { newAccountKey, RunningAzurite } from './azurite';
import { startAzuriteThread } from './azuriteThread';
import { CORS_ORIGINS_SETTING, parseCorsOrigins } from './corsPolicy';
import { DURABLE_CLOCK_RATE_SETTING, durableClock } from './durableClock';
import { LocalDurableBackend } from './durableBackend';
import { getDependencies } from '../infra/dependencies';
import { ClamdScanner } from '../infra/scanning/clamdScanner';
import { installFunctionsCore, registrations } from './functionsCore';
import { formatLogLine } from './localLog';
import { LOCAL_STATE_STORE_FILE } from './localStateStore';
import { createHttpHost } from './httpHost';
import { LocalTimers } from './timerTriggers';
import { LOCAL_EVENT_TOPIC_PATH, LocalEventTopic, localEventSubscriptions, parseWebhooks } from './localEventTopic';
import { LOCAL_CORE_AUDIENCE, LOCAL_ISSUER_PATHS, LocalIssuer, localWorkspaceAudience, writeIssuerInfo } from './localIssuer';
import { errorText } from '../domain/errorText';
import { localRoleGrantsDirectory } from '../infra/identity/localRoleDirectory';
import { devSignInRoutes } from './devSignIn';
import { allowBrowserAccess, consoleOrigins } from './azuriteCors';
import { lockDataDir } from './dataDirLock';

const STATE_ACCOUNT = 'airlockstate';
const TRE_ID = 'local';

const STATE_FILE = 'local-host.json';

/** What the data directory remembers between starts: the workspaces, the storage keys and ports. */
interface LocalHostState {
  treId: string;
  workspaces: string[];
  accountKeys: Record<string, string>;
  /** the access key of the local events topic (`aeg-sas-key`) */
  eventsTopicKey: string;
  /**
   * The functions host's system key (`durabletask_extension`), which the public Durable management
   * endpoints require as in Azure (`?code=` or `x-functions-key`).
   */
  systemKey: string;
  /** Azurite's ports: a SAS link names its port, so links issued before a restart work after it. */
  storagePorts?: { blob: number; table: number };
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
  /** what the banner says about notification mail */
  mail: string;
  origin: string;
  apiUrl: string;
  /** the browser console, served by the app (`/api/console/`) */
  consoleUrl: string;
  dataDir: string;
  issuer: LocalIssuer;
  workspaces: string[];
  durable: LocalDurableBackend;
  azurite: RunningAzurite;
  /** AIRLOCK_WEBHOOKS: where the local events topic delivers, besides the subscribed functions */
  eventWebhooks: string[];
  /** The file that holds the system key of the Durable management endpoints (never printed). */
  systemKeyFile: string;
  close(): Promise<void>;
}

function loadState(dataDir: string, extraWorkspaces: string[]): LocalHostState {
  const file = join(dataDir, STATE_FILE);
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
  state.eventsTopicKey ??= randomBytes(32).toString('base64');
  state.systemKey ??= randomBytes(32).toString('base64url');
  saveState(dataDir, state);
  return state;
}

function saveState(dataDir: string, state: LocalHostState): void {
  const file = join(dataDir, STATE_FILE);
  writeFileSync(file, JSON.stringify(state, null, 2), { mode: 0o600 });
  // writeFileSync's mode applies only when it creates the file; a file from an older version keeps its own.
  chmodSync(file, 0o600);
}

export async function startLocalHost(options: LocalHostOptions): Promise<RunningLocalHost> {
  const log = options.log ?? ((line: string) => console.log(line));
  const dataDir = resolve(options.dataDir);
  mkdirSync(dataDir, { recursive: true });
  // Before anything reads or writes the directory's state or storage.
  const unlock = lockDataDir(dataDir);
  try {
    return await startLocked(options, log, dataDir, unlock);
  } catch (error) {
    unlock();
    throw error;
  }
}

async function startLocked(options: LocalHostOptions, log: (line: string) => void, dataDir: string, unlock: () => void): Promise<RunningLocalHost> {
  const state = loadState(dataDir, options.workspaces ?? []);
  const eventWebhooks = parseWebhooks(process.env.AIRLOCK_WEBHOOKS);
  const clock = durableClock(process.env[DURABLE_CLOCK_RATE_SETTING]);
  const cors = parseCorsOrigins(process.env[CORS_ORIGINS_SETTING]);

  const startingAzurite = startAzuriteThread({
    accounts: state.accountKeys,
    location: join(dataDir, 'azurite'),
    blobPort: state.storagePorts?.blob,
    tablePort: state.storagePorts?.table,
    // As when Azurite shared the app's thread and crashed with it: a host without storage stops, and
    // what it acknowledged is on disk for the next start.
    onFailure: (error) => {
      log(formatLogLine('error', 'storage (Azurite) stopped; stopping the local host', error));
      process.exit(1);
    },
  });
  // The app's modules load while Azurite's thread loads its own (about a second each), so a start
  // takes the longer of the two rather than their sum. Registering reads no configuration, so the
  // app can be loaded before the storage ports are known.
  try {
    installFunctionsCore();
    require('../index');
  } catch (error) {
    await startingAzurite.then((started) => started.close()).catch(() => undefined);
    throw error;
  }
  const azurite = await startingAzurite;
  const closeOnFailure: Array<() => Promise<void>> = [() => azurite.close()];
  for (const moved of azurite.portsMoved) {
    log(formatLogLine('warn', `storage: ${moved.service} port ${moved.asked} is taken, using ${moved.used}; links (SAS URLs) issued before this start no longer work`));
  }
  state.storagePorts = { blob: Number(new URL(azurite.blobOrigin).port), table: Number(new URL(azurite.tableOrigin).port) };
  saveState(dataDir, state);
  try {
    const durable = new LocalDurableBackend({ registrations, historyDir: join(dataDir, 'durable'), log, now: clock.now, timerPollIntervalMs: clock.timerPollIntervalMs });
    let issuer: LocalIssuer | undefined;
    const eventsTopic = new LocalEventTopic({ key: state.eventsTopicKey, log, directory: join(dataDir, 'events') });
    const host = createHttpHost({
      registrations,
      durable,
      systemKey: state.systemKey,
      cors,
      extraRoutes: [
        { method: 'GET', path: `/local-issuer${LOCAL_ISSUER_PATHS.jwks}`, handle: async () => jsonResult(issuer!.jwks()) },
        { method: 'GET', path: `/local-issuer${LOCAL_ISSUER_PATHS.openIdConfiguration}`, handle: async () => jsonResult(issuer!.openIdConfiguration()) },
        ...eventsTopic.routes,
        ...devSignInRoutes({ issuer: () => issuer!, dataDir, workspaces: state.workspaces }),
      ],
    });
    const origin = await host.listen(options.port);
    closeOnFailure.unshift(() => host.close());
    closeOnFailure.unshift(() => eventsTopic.close());
    await eventsTopic.start(localEventSubscriptions(origin, registrations, eventWebhooks));
    // The issuer URL names the port, so it is known only once the host listens.
    issuer = await LocalIssuer.open(dataDir, `${origin}/local-issuer`);
    await writeIssuerInfo(dataDir, issuer.issuer);
    // The console's uploads and downloads go from the browser straight to the SAS links: the stage accounts answer its origin.
    const stageAccounts = Object.keys(state.accountKeys).filter((account) => account !== STATE_ACCOUNT);
    await allowBrowserAccess(azurite, stageAccounts, consoleOrigins(origin, cors));

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
      ...localMailSettings(process.env, dataDir),
      // Links in the mails open the request from this host, not as a bare API path.
      AIRLOCK_REQUEST_URL_TEMPLATE: process.env.AIRLOCK_REQUEST_URL_TEMPLATE?.trim() || `${origin}/api/workspaces/{workspaceId}/requests/{requestId}`,
      AIRLOCK_EVENTS_TOPIC_ENDPOINT: `${origin}${LOCAL_EVENT_TOPIC_PATH}`,
      AIRLOCK_EVENTS_TOPIC_KEY: state.eventsTopicKey,
      // The grants the token CLI records stand in for Entra ID's app role assignments; an explicit setting is kept.
      AIRLOCK_ROLE_DIRECTORY: process.env.AIRLOCK_ROLE_DIRECTORY?.trim() || `local:${localRoleGrantsDirectory(dataDir)}`,
      // The console signs in through this host's development sign-in (devSignIn.ts), never Entra ID.
      AIRLOCK_CONSOLE_SIGN_IN: 'local',
    });
    writeFileSync(
      join(dataDir, LOCAL_STATE_STORE_FILE),
      JSON.stringify({ connectionString: azurite.connectionString(STATE_ACCOUNT), tableName: 'airlockrequests' }),
      { mode: 0o600 },
    );
    // Fail at start-up, with the configuration's own message, rather than on the first request.
    const deps = await getDependencies();
    // The notifier's rules too: a broken rules file stops the host here, not at the first event.
    (require('../functions/events/airlockNotifier') as typeof import('../functions/events/airlockNotifier')).validateNotificationRulesAtStartup(deps.config);
    // Resumes every persisted instance: work scheduled before a stop runs again, due timers fire.
    await durable.start();
    closeOnFailure.unshift(() => durable.stop());
    // Timer functions run once now: after a crash, the reconciler makes the store and the workflows agree.
    const timers = new LocalTimers({ registrations, contextFor: (registration) => host.contextFor(registration), log });
    await timers.start();
    closeOnFailure.unshift(() => timers.stop());

    return {
      scanning: scanning.description,
      mail: deps.mailer.description,
      origin,
      apiUrl: `${origin}/api`,
      consoleUrl: `${origin}/api/console/`,
      dataDir,
      issuer,
      workspaces: state.workspaces,
      durable,
      azurite,
      eventWebhooks,
      systemKeyFile: join(dataDir, STATE_FILE),
      async close() {
        await timers.stop();
        // Work under way finishes first, while the events topic (a route of this host) still takes its
        // publishes: closed before, it answered 503 and a publish retried for seconds. Work still running
        // after the grace period is dropped here and run again on the next start.
        await durable.stop({ graceMs: 10_000 });
        // Before the HTTP host, so no delivery is attempted to the functions of a host that is going away.
        await eventsTopic.close();
        await host.close();
        await azurite.close();
        unlock();
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
  // Outside the try: an address that is not one (a ConfigError) stops the start, as any other bad setting does.
  const scanner = new ClamdScanner({ address: clamd, timeoutMs: 5_000 });
  try {
    await scanner.ping();
    return { scanner: 'clamav', description: `ClamAV (clamd at ${clamd})` };
  } catch (error) {
    return { scanner: 'none', description: `DISABLED: clamd at ${clamd} does not answer (${errorText(error)}); files are NOT scanned for malware` };
  }
}

/**
 * Mail goes to the SMTP server the user names (AIRLOCK_SMTP_HOST), else into .eml files under the
 * data dir, so every notification can be opened and read; an explicit AIRLOCK_MAIL is kept.
 */
function localMailSettings(env: NodeJS.ProcessEnv, dataDir: string): Record<string, string> {
  if (env.AIRLOCK_MAIL?.trim()) return {};
  if (env.AIRLOCK_SMTP_HOST?.trim()) return { AIRLOCK_MAIL: 'smtp' };
  return { AIRLOCK_MAIL: 'eml', AIRLOCK_EML_DIR: env.AIRLOCK_EML_DIR?.trim() || join(dataDir, 'mail') };
}

function jsonResult(body: unknown) {
  return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}
