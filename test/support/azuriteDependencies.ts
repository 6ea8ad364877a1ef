/**
 * The airlock's real adapters on an in-memory Azurite started in this process: a TableRequestStore
 * and a TableWorkspaceRegistry on a state account and a BlobStageStorage over all ten stage accounts
 * of the given workspaces, installed with `setDependencies` so activities and handlers use them
 * through `getDependencies()`.
 */
import { EmptyRoleDirectory } from '../../src/infra/identity/workspaceRoleDirectory';
import { DisabledEventPublisher } from '../../src/infra/events/disabledEventPublisher';
import { EventPublisher } from '../../src/infra/events/eventPublisher';
import { DisabledMailer } from '../../src/infra/mail/disabledMailer';
import { Mailer } from '../../src/infra/mail/mailer';
import { randomUUID } from 'node:crypto';
import { InvocationContext } from '@azure/functions';
import { BlobServiceClient, ContainerClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { AirlockConfig, DEFAULT_ALLOWED_FILE_TYPES } from '../../src/config';
import { AirlockFile, AirlockRequest, newDraftRequest, withStatus } from '../../src/domain/request';
import { AIRLOCK_SYSTEM, UserRef } from '../../src/domain/roles';
import { CORE_ACCOUNTS, FIRST_DRAFT, stageOfStatus, storageAccountName, WORKSPACE_ACCOUNTS } from '../../src/domain/stages';
import { RequestStatus, RequestType } from '../../src/domain/status';
import { BlobStageStorage } from '../../src/infra/blobStageStorage';
import { Dependencies, ensureConfiguredWorkspaces, setDependencies } from '../../src/infra/dependencies';
import { TokenValidator } from '../../src/infra/identity/tokenValidator';
import { DisabledScanner } from '../../src/infra/scanning/disabledScanner';
import { containerFor, ContainerRef } from '../../src/infra/stageStorage';
import { TableRequestStore } from '../../src/infra/tableRequestStore';
import { TableWorkspaceRegistry } from '../../src/infra/tableWorkspaceRegistry';
import { newAccountKey, RunningAzurite, startAzurite } from '../../src/local/azurite';

export const STATE_ACCOUNT = 'airlockstate';
export const REQUESTS_TABLE = 'requests';

export interface TestDependenciesOptions {
  treId?: string;
  workspaces?: string[];
  maxFiles?: number;
  /** The clock the activities see; the real one by default. */
  now?: () => Date;
  /** Where events go; nowhere (as with no topic configured) by default. */
  events?: EventPublisher;
  /** Where notifications go; nowhere (as with no mail configured) by default. */
  mailer?: Mailer;
  /** Set on every workspace's airlock settings: whom owner and manager notifications reach. */
  notificationAddresses?: string[];
  /** Notification settings beyond mail (rules file, request URL template). */
  notifications?: Omit<AirlockConfig['notifications'], 'mail'>;
}

export interface TestDependencies {
  deps: Dependencies;
  azurite: RunningAzurite;
  /** Puts a file into a request's container as a researcher does (SAS URL + PUT); returns the blob's etag. */
  upload(ref: ContainerRef, name: string, content: Buffer | string): Promise<string>;
  /** The bytes of a blob, read around the airlock with the account key. */
  download(ref: ContainerRef, name: string): Promise<Buffer>;
  containerExists(ref: ContainerRef): Promise<boolean>;
  /** A raw client for a container in an account given by its real name. */
  blobContainer(accountName: string, containerName: string): ContainerClient;
  close(): Promise<void>;
}

export async function startTestDependencies(options: TestDependenciesOptions = {}): Promise<TestDependencies> {
  const treId = options.treId ?? 'test';
  const workspaces = options.workspaces ?? ['ws01'];
  const maxFiles = options.maxFiles ?? 50;

  const stageAccountNames = new Set<string>();
  for (const workspaceId of workspaces) {
    for (const account of [...CORE_ACCOUNTS, ...WORKSPACE_ACCOUNTS]) stageAccountNames.add(storageAccountName(account, { treId, workspaceId }));
  }
  const stageKeys = Object.fromEntries([...stageAccountNames].map((name) => [name, newAccountKey()]));
  const azurite = await startAzurite({ accounts: { [STATE_ACCOUNT]: newAccountKey(), ...stageKeys } });

  try {
    const endpointTemplate = `${azurite.blobOrigin}/{account}`;
    const connectionString = azurite.connectionString(STATE_ACCOUNT);
    const config: AirlockConfig = {
      treId,
      workspaceAudiences: Object.fromEntries(workspaces.map((id) => [id, `api://airlock-test-${id}`])),
      workspaceDisplayNames: Object.fromEntries(workspaces.map((id) => [id, id])),
      identity: { issuer: ['https://issuer.invalid'], jwksUri: 'https://issuer.invalid/keys', coreAudience: 'api://airlock-test-core' },
      stateStore: { kind: 'table', connectionString, table: REQUESTS_TABLE },
      storage: { endpointTemplate, auth: { kind: 'account-key', keys: stageKeys } },
      sasExpiryMinutes: 60,
      maxFilesPerRequest: maxFiles,
      maxFileSizeBytes: 1024 * 1024 * 1024,
      allowedFileTypes: [...DEFAULT_ALLOWED_FILE_TYPES],
      scanner: { kind: 'none' },
      deploymentId: 'test',
      notifications: { ...options.notifications, mail: { kind: 'none' } },
    };
    const store = await TableRequestStore.connect({ connectionString, tableName: REQUESTS_TABLE });
    const workspaceRegistry = await TableWorkspaceRegistry.connect({ connectionString });
    const ensured = await ensureConfiguredWorkspaces(workspaceRegistry, config);
    if (options.notificationAddresses) {
      const notificationAddresses = options.notificationAddresses;
      await Promise.all(ensured.map((workspace) => workspaceRegistry.replace({ ...workspace, airlock: { ...workspace.airlock, notificationAddresses } })));
    }
    const storage = new BlobStageStorage({ treId, endpointTemplate, auth: { kind: 'account-key', keys: stageKeys } });
    const identity: TokenValidator = {
      async authenticate() {
        throw new Error('identity is not available in activity tests');
      },
    };
    const now = options.now ?? (() => new Date());
    const deps: Dependencies = {
      config,
      store,
      workspaces: workspaceRegistry,
      storage,
      identity,
      // As the app builds them for scanner 'none': every file recorded as not scanned.
      scanner: new DisabledScanner(now),
      events: options.events ?? new DisabledEventPublisher(),
      mailer: options.mailer ?? new DisabledMailer(),
      roleDirectory: new EmptyRoleDirectory(),
      now,
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      newId: () => randomUUID(),
    };
    setDependencies(deps);

    const blobContainer = (accountName: string, containerName: string): ContainerClient => {
      const key = stageKeys[accountName];
      if (!key) throw new Error(`no stage account ${accountName} in this Azurite`);
      const service = new BlobServiceClient(azurite.blobEndpoint(accountName), new StorageSharedKeyCredential(accountName, key));
      return service.getContainerClient(containerName);
    };
    const containerOf = (ref: ContainerRef) =>
      blobContainer(storageAccountName(ref.account, { treId, workspaceId: ref.workspaceId }), ref.container);

    return {
      deps,
      azurite,
      async upload(ref, name, content) {
        await storage.ensureContainer(ref);
        const containerUrl = new URL(await storage.containerUrl(ref, 'rcw', new Date(Date.now() + 3_600_000)));
        containerUrl.pathname += '/' + name.split('/').map(encodeURIComponent).join('/');
        const response = await fetch(containerUrl, {
          method: 'PUT',
          headers: { 'x-ms-blob-type': 'BlockBlob' },
          body: typeof content === 'string' ? Buffer.from(content) : content,
        });
        if (response.status !== 201) throw new Error(`upload of ${name} answered ${response.status}: ${await response.text()}`);
        const etag = response.headers.get('etag');
        if (!etag) throw new Error(`upload of ${name} returned no etag`);
        return etag;
      },
      download: (ref, name) => containerOf(ref).getBlobClient(name).downloadToBuffer(),
      containerExists: (ref) => containerOf(ref).exists(),
      blobContainer,
      async close() {
        setDependencies(undefined);
        await azurite.close();
      },
    };
  } catch (error) {
    await azurite.close();
    throw error;
  }
}

// ---- stored requests ----

export const RESEARCHER: UserRef = { id: 'user-researcher', name: 'Rita Researcher', email: 'rita@example.org' };
const MANAGER: UserRef = { id: 'user-manager', name: 'Mia Manager' };

/** Who makes each transition a person makes; the airlock makes the others. */
const PERSON_MAKING: Partial<Record<RequestStatus, UserRef>> = {
  submitted: RESEARCHER,
  cancelled: RESEARCHER,
  approval_in_progress: MANAGER,
  rejection_in_progress: MANAGER,
  changes_requested: MANAGER,
};

/** The statuses a request passes on its way to each status, from draft. */
const PATH_TO: Partial<Record<RequestStatus, RequestStatus[]>> = {
  draft: [],
  submitted: ['submitted'],
  in_review: ['submitted', 'in_review'],
  changes_requested: ['submitted', 'in_review', 'changes_requested'],
  approval_in_progress: ['submitted', 'in_review', 'approval_in_progress'],
  approved: ['submitted', 'in_review', 'approval_in_progress', 'approved'],
  rejection_in_progress: ['submitted', 'in_review', 'rejection_in_progress'],
  rejected: ['submitted', 'in_review', 'rejection_in_progress', 'rejected'],
  cancelled: ['cancelled'],
  failed: ['failed'],
};

export interface StoredRequestOptions {
  status?: RequestStatus;
  type?: RequestType;
  workspaceId?: string;
  /** Files already recorded on the request (as hashSubmittedFiles records them). */
  files?: AirlockFile[];
}

/** A request created as a researcher would and walked through the legal transitions to `status`, then stored. */
export async function createStoredRequest(deps: Dependencies, options: StoredRequestOptions = {}): Promise<AirlockRequest> {
  const status = options.status ?? 'submitted';
  const path = PATH_TO[status];
  if (!path) throw new Error(`createStoredRequest cannot reach '${status}'`);
  const createdWhen = Math.floor(deps.now().getTime() / 1000) - 3_600;
  let request = newDraftRequest({
    id: deps.newId(),
    workspaceId: options.workspaceId ?? Object.keys(deps.config.workspaceAudiences)[0],
    type: options.type ?? 'import',
    title: 'Cohort extract',
    businessJustification: 'Needed for the approved study',
    creator: RESEARCHER,
    now: createdWhen,
  });
  path.forEach((to, step) => {
    const actor = PERSON_MAKING[to] ?? AIRLOCK_SYSTEM;
    request = withStatus(request, { to, actor, now: createdWhen + step + 1 });
  });
  if (status !== 'draft') {
    // Submitted once; the files are where the status keeps them (a submitted request's are still in its draft).
    const stage = status === 'submitted' ? 'draft' : stageOfStatus(status);
    request = { ...request, reviewCycle: 1, filesAt: stage ? { stage, cycle: status === 'changes_requested' ? 2 : 1 } : null };
  }
  if (options.files) request = { ...request, files: options.files };
  return deps.store.create(request);
}

/**
 * What the submit handler records: the files in the request's draft container now, each with the
 * version (etag) listed, as the submission of cycle 1.
 */
export async function recordSubmission(deps: Dependencies, request: AirlockRequest): Promise<AirlockRequest> {
  const listed = await deps.storage.listFiles(containerFor(request, FIRST_DRAFT));
  return deps.store.replace({ ...request, reviewCycle: 1, files: listed.map(({ name, size, etag }) => ({ name, size, etag })) });
}

/** What the orchestrator passes to every activity. */
export { lifecycleInputOf } from '../../src/functions/lifecycleNames';

/** A context like the one the Functions host gives an activity; `logs` collects what it logs. */
export function activityContext(functionName: string, logs: { level: string; message: string }[] = []): InvocationContext {
  return new InvocationContext({
    functionName,
    invocationId: randomUUID(),
    logHandler: (level, ...args) => logs.push({ level, message: args.map(String).join(' ') }),
  });
}
