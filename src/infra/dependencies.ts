/**
 * The adapters the functions use, built once per process from configuration. Handlers and
 * activities ask for them here; orchestrators never do (they must stay free of I/O).
 */
import { randomUUID } from 'node:crypto';
import { AirlockConfig, loadConfig, ScannerConfig } from '../config';
import { ContentPolicy, DEFAULT_CONTENT_POLICY, FileType } from '../domain/contentPolicy';
import { BlobStageStorage } from './blobStageStorage';
import { CosmosRequestStore } from './cosmosRequestStore';
import { createTokenValidator, TokenValidator } from './identity/tokenValidator';
import { RequestStore } from './requestStore';
import { ClamavFileScanner } from './scanning/clamavFileScanner';
import { ClamdScanner } from './scanning/clamdScanner';
import { DefenderFileScanner } from './scanning/defenderFileScanner';
import { DisabledScanner } from './scanning/disabledScanner';
import { MalwareScanner } from './scanning/malwareScanner';
import { StageStorage } from './stageStorage';
import { TableRequestStore } from './tableRequestStore';

export interface Dependencies {
  config: AirlockConfig;
  store: RequestStore;
  storage: StageStorage;
  identity: TokenValidator;
  scanner: MalwareScanner;
  contentPolicy: ContentPolicy;
  /** current time; tests may pin it */
  now(): Date;
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

export async function buildDependencies(config: AirlockConfig): Promise<Dependencies> {
  const store: RequestStore =
    config.stateStore.kind === 'cosmos'
      ? await CosmosRequestStore.connect({
          endpoint: config.stateStore.endpoint,
          key: config.stateStore.key,
          credential: config.stateStore.key ? undefined : await managedIdentity(clientIdOf(config)),
          database: config.stateStore.database,
          container: config.stateStore.container,
        })
      : await TableRequestStore.connect({ connectionString: config.stateStore.connectionString, tableName: config.stateStore.table });

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
    storage,
    identity,
    scanner: scannerFor(config.scanner, storage, now),
    contentPolicy: contentPolicyFor(config),
    now,
    newId: () => randomUUID(),
  };
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

export function contentPolicyFor(config: AirlockConfig): ContentPolicy {
  return {
    ...DEFAULT_CONTENT_POLICY,
    maxFiles: config.maxFilesPerRequest,
    maxFileSizeBytes: config.maxFileSizeBytes,
    maxExpandedBytes: config.maxFileSizeBytes,
    allowedTypes: config.allowedFileTypes as FileType[],
  };
}

function clientIdOf(config: AirlockConfig): string | undefined {
  return config.storage.auth.kind === 'managed-identity' ? config.storage.auth.clientId : undefined;
}
