/**
 * The adapters the functions use, built once per process from configuration. Handlers and
 * activities ask for them here; orchestrators never do (they must stay free of I/O).
 */
import { randomUUID } from 'node:crypto';
import { AirlockConfig, loadConfig, MailConfig, ScannerConfig } from '../config';
import { DisabledEventPublisher } from './events/disabledEventPublisher';
import { EventPublisher } from './events/eventPublisher';
import { DisabledMailer } from './mail/disabledMailer';
import { Mailer } from './mail/mailer';
import { AirlockSettings, defaultAirlockSettings, Workspace } from '../domain/workspace';
import { roleDirectoryFor } from './identity/roleDirectoryFor';
import { WorkspaceRoleDirectory } from './identity/workspaceRoleDirectory';
import { createTokenValidator, TokenValidator } from './identity/tokenValidator';
import { RequestStore } from './requestStore';
import { ClamavFileScanner } from './scanning/clamavFileScanner';
import { ClamdScanner } from './scanning/clamdScanner';
import { DefenderFileScanner } from './scanning/defenderFileScanner';
import { DisabledScanner } from './scanning/disabledScanner';
import { MalwareScanner } from './scanning/malwareScanner';
import { StageStorage } from './stageStorage';
import { WorkspaceRegistry } from './workspaceRegistry';

export interface Dependencies {
  config: AirlockConfig;
  store: RequestStore;
  workspaces: WorkspaceRegistry;
  storage: StageStorage;
  identity: TokenValidator;
  scanner: MalwareScanner;
  events: EventPublisher;
  mailer: Mailer;
  /** workspace roles of callers who present a core token */
  roleDirectory: WorkspaceRoleDirectory;
  /** current time; tests may pin it */
  now(): Date;
  /** Waits; tests replace it so that they never wait in real time. */
  sleep(ms: number): Promise<void>;
  newId(): string;
}

let current: Promise<Dependencies> | undefined;

export function getDependencies(): Promise<Dependencies> {
  current ??= buildDependencies(loadConfig()).catch((error) => {
    current = undefined;
    throw error;
  });
  return current;
}

/** For tests that substitute an adapter; the local host and Azure use `getDependencies`. */
export function setDependencies(dependencies: Dependencies | undefined): void {
  current = dependencies ? Promise.resolve(dependencies) : undefined;
}

async function managedIdentity(clientId: string | undefined) {
  // Loaded only in Azure: the local host authenticates with account keys and its own issuer.
  const { DefaultAzureCredential } = await import('@azure/identity');
  return new DefaultAzureCredential(clientId ? { managedIdentityClientId: clientId } : {});
}

/**
 * An adapter's SDK is loaded only when the configuration chooses it (the Cosmos SDK alone is about 270
 * modules, the storage, Event Grid and mail SDKs about 300 between them), which every cold start and
 * every local host start would otherwise pay for; tests that install in-memory adapters load none.
 */
export async function buildDependencies(config: AirlockConfig): Promise<Dependencies> {
  const { store, workspaces } = await connectStateStore(config);
  await ensureConfiguredWorkspaces(workspaces, config);

  const { BlobStageStorage } = await import('./blobStageStorage');
  const storage = new BlobStageStorage({
    treId: config.treId,
    endpointTemplate: config.storage.endpointTemplate,
    auth:
      config.storage.auth.kind === 'account-key'
        ? { kind: 'account-key', keys: config.storage.auth.keys }
        : { kind: 'managed-identity', credential: await managedIdentity(config.storage.auth.clientId) },
  });

  const identity = createTokenValidator({ ...config.identity, workspaceAudiences: config.workspaceAudiences });
  const now = () => new Date();
  return {
    config,
    store,
    workspaces,
    storage,
    identity,
    scanner: scannerFor(config.scanner, storage, now),
    events: await eventPublisherFor(config),
    mailer: await mailerFor(config.notifications.mail),
    roleDirectory: await roleDirectoryFor(config.roleDirectory, () => managedIdentity(clientIdOf(config))),
    now,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    newId: () => randomUUID(),
  };
}

/** The request store and the workspace registry live side by side: the same Cosmos database, or the same table account. */
async function connectStateStore(config: AirlockConfig): Promise<{ store: RequestStore; workspaces: WorkspaceRegistry }> {
  if (config.stateStore.kind === 'table') {
    const { TableRequestStore } = await import('./tableRequestStore');
    const { TableWorkspaceRegistry } = await import('./tableWorkspaceRegistry');
    const { connectionString, table } = config.stateStore;
    return {
      store: await TableRequestStore.connect({ connectionString, tableName: table }),
      workspaces: await TableWorkspaceRegistry.connect({ connectionString }),
    };
  }
  const { CosmosRequestStore } = await import('./cosmosRequestStore');
  const { CosmosWorkspaceRegistry } = await import('./cosmosWorkspaceRegistry');
  const cosmos = {
    endpoint: config.stateStore.endpoint,
    key: config.stateStore.key,
    credential: config.stateStore.key ? undefined : await managedIdentity(clientIdOf(config)),
    database: config.stateStore.database,
  };
  return {
    store: await CosmosRequestStore.connect({ ...cosmos, container: config.stateStore.container }),
    workspaces: await CosmosWorkspaceRegistry.connect(cosmos),
  };
}

/**
 * Every workspace the configuration names exists in the registry, with default settings the first
 * time; an administrator's settings survive every later start.
 */
export function ensureConfiguredWorkspaces(workspaces: WorkspaceRegistry, config: AirlockConfig): Promise<Workspace[]> {
  const defaults = airlockSettingsDefaultsFor(config);
  return Promise.all(
    Object.entries(config.workspaceAudiences).map(([id, audience]) =>
      workspaces.ensure({ id, audience, displayName: config.workspaceDisplayNames[id] ?? id }, defaults),
    ),
  );
}

export function airlockSettingsDefaultsFor(config: AirlockConfig): AirlockSettings {
  return defaultAirlockSettings({
    maxFiles: config.maxFilesPerRequest,
    maxFileSizeMb: Math.floor(config.maxFileSizeBytes / (1024 * 1024)),
    allowedFileTypes: config.allowedFileTypes,
  });
}

async function eventPublisherFor(config: AirlockConfig): Promise<EventPublisher> {
  const topic = config.eventsTopic;
  if (!topic) return new DisabledEventPublisher();
  const { EventGridEventPublisher } = await import('./events/eventGridEventPublisher');
  return new EventGridEventPublisher(topic.endpoint, topic.key ? { key: topic.key } : await managedIdentity(clientIdOf(config)));
}

async function mailerFor(mail: MailConfig): Promise<Mailer> {
  switch (mail.kind) {
    case 'smtp':
      return new (await import('./mail/smtpMailer')).SmtpMailer(mail);
    case 'eml':
      return new (await import('./mail/emlFileMailer')).EmlFileMailer(mail.directory, mail.from);
    case 'none':
      return new DisabledMailer((line) => console.log(line));
  }
}

function scannerFor(scanner: ScannerConfig, storage: StageStorage, now: () => Date): MalwareScanner {
  switch (scanner.kind) {
    case 'defender':
      return new DefenderFileScanner(storage, scanner.timeoutMinutes);
    case 'clamav':
      return new ClamavFileScanner(new ClamdScanner({ address: scanner.address }), storage, now, scanner.address);
    case 'none':
      return new DisabledScanner(now);
  }
}


function clientIdOf(config: AirlockConfig): string | undefined {
  return config.storage.auth.kind === 'managed-identity' ? config.storage.auth.clientId : undefined;
}
