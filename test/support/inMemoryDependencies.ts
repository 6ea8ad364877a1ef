/**
 * The airlock's adapters held in memory, for handler tests that need neither Azurite nor a child
 * process: a request store and a workspace registry with the real contracts (etag-checked writes,
 * audit entries chained by the real auditChain helpers), stage storage as maps of blobs, an identity
 * that reads `Bearer <name>` as a person the test signed in, a clock that stands still (a handler's
 * sleep moves it on at once, so no test waits in real time), and a Durable client that records
 * what it is told. `installInMemoryDependencies` hands them to the handlers through `setDependencies`.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { HttpRequest, InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { AirlockConfig, DEFAULT_ALLOWED_FILE_TYPES } from '../../src/config';
import { AuditDraft, AuditEntry } from '../../src/domain/audit';
import { sameEtag } from '../../src/domain/etag';
import { ConflictError, IntegrityError, InvariantError, NotFoundError, RequestValidationError, UnauthenticatedError } from '../../src/domain/errors';
import { auditOfCreation } from '../../src/domain/auditOfChange';
import { epochSeconds } from '../../src/domain/epochSeconds';
import { AirlockRequest, newDraftRequest, upgradeStoredRequest, withStatus } from '../../src/domain/request';
import { AIRLOCK_SYSTEM, Caller, UserRef, userRefOf, WorkspaceRole } from '../../src/domain/roles';
import { RequestStatus } from '../../src/domain/status';
import { TransitionTrigger } from '../../src/domain/transitions';
import { ListQuery } from '../../src/domain/schemas';
import { stageOfStatus, storageAccountName } from '../../src/domain/stages';
import { AirlockSettings, Workspace, WorkspaceSeed } from '../../src/domain/workspace';
import { assertNotAuditEntryId, chainEntries } from '../../src/infra/auditChain';
import { Dependencies, ensureConfiguredWorkspaces, setDependencies } from '../../src/infra/dependencies';
import { DisabledEventPublisher } from '../../src/infra/events/disabledEventPublisher';
import { TokenValidator } from '../../src/infra/identity/tokenValidator';
import { WorkspaceRoleDirectory } from '../../src/infra/identity/workspaceRoleDirectory';
import { DisabledMailer } from '../../src/infra/mail/disabledMailer';
import { assertAuditRange, AuditRange, CrossWorkspaceQuery, RequestPage, RequestStore } from '../../src/infra/requestStore';
import { DisabledScanner } from '../../src/infra/scanning/disabledScanner';
import {
  AZURE_BLOCK_LIMITS,
  blockBytesFor,
  blockDigestsOf,
  blockRanges,
  ByteRange,
  ContainerRef,
  CopyOptions,
  digestedBlocksOf,
  FileContent,
  HashedFile,
  HashOptions,
  StageStorage,
  StoredFile,
} from '../../src/infra/stageStorage';
import { ensureWorkspace, WorkspaceRegistry } from '../../src/infra/workspaceRegistry';

/** Stored documents are kept as JSON, so nothing a caller holds can change them behind the store's back. */
function copyOf<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** A stored request as the real stores read it: a copy, in the shape this version reads (a test may store an older one). */
function readCopyOf(document: AirlockRequest): AirlockRequest {
  return upgradeStoredRequest(copyOf(document));
}

// ---- role directory ----

/** App role assignments held in memory: what Graph would answer for a core token's caller. */
export class InMemoryRoleDirectory implements WorkspaceRoleDirectory {
  private readonly grants = new Map<string, Map<string, WorkspaceRole[]>>();

  grant(userId: string, workspaceId: string, ...roles: WorkspaceRole[]): void {
    const byWorkspace = this.grants.get(userId) ?? new Map<string, WorkspaceRole[]>();
    byWorkspace.set(workspaceId, [...new Set([...(byWorkspace.get(workspaceId) ?? []), ...roles])]);
    this.grants.set(userId, byWorkspace);
  }

  async rolesOf(userId: string, workspaces: readonly Workspace[]): Promise<Map<string, WorkspaceRole[]>> {
    const held = this.grants.get(userId) ?? new Map<string, WorkspaceRole[]>();
    return new Map(workspaces.flatMap((workspace) => (held.get(workspace.id)?.length ? [[workspace.id, [...held.get(workspace.id)!]] as const] : [])));
  }
}

// ---- request store ----

interface StoredRequest {
  document: AirlockRequest;
  entries: AuditEntry[];
}

export class InMemoryRequestStore implements RequestStore {
  private readonly requests = new Map<string, StoredRequest>();
  private version = 0;
  /** Called after every `get` has read, so a test can play another writer acting between a handler's read and its write. */
  afterGet: ((workspaceId: string, id: string) => void) | undefined;

  async create(request: AirlockRequest, audit: AuditDraft[] = []): Promise<AirlockRequest> {
    assertNotAuditEntryId(request.id);
    const key = keyOf(request.workspaceId, request.id);
    if (this.requests.has(key)) throw new ConflictError(`Airlock request ${request.id} already exists`);
    return this.write(key, request, undefined, audit);
  }

  async get(workspaceId: string, id: string): Promise<AirlockRequest | undefined> {
    const stored = this.requests.get(keyOf(workspaceId, id));
    const read = stored && readCopyOf(stored.document);
    this.afterGet?.(workspaceId, id);
    return read;
  }

  async getById(id: string): Promise<AirlockRequest | undefined> {
    const matches = [...this.requests.values()].filter((stored) => stored.document.id === id);
    if (matches.length > 1) throw new IntegrityError(`Airlock request ${id} is stored in ${matches.length} workspaces`);
    return matches[0] && readCopyOf(matches[0].document);
  }

  async replace(request: AirlockRequest, audit: AuditDraft[] = []): Promise<AirlockRequest> {
    if (!request.etag) throw new InvariantError(`Airlock request ${request.id} has no etag; replace needs the version it was read at`);
    const key = keyOf(request.workspaceId, request.id);
    const stored = this.requests.get(key);
    if (!stored || !sameEtag(stored.document.etag, request.etag)) {
      throw new ConflictError(`Airlock request ${request.id} was changed by someone else; reload and try again`);
    }
    return this.write(key, request, stored, audit);
  }

  async listAudit(workspaceId: string, requestId: string, range: AuditRange = {}): Promise<AuditEntry[]> {
    assertAuditRange(range);
    const { afterSeq = 0, throughSeq = Infinity } = range;
    const entries = this.requests.get(keyOf(workspaceId, requestId))?.entries ?? [];
    return copyOf(entries.filter((entry) => entry.seq > afterSeq && entry.seq <= throughSeq));
  }

  async list(workspaceId: string, query: ListQuery): Promise<RequestPage> {
    return this.page(query, (request) => request.workspaceId === workspaceId);
  }

  async listAll(query: CrossWorkspaceQuery): Promise<RequestPage> {
    return this.page(query, (request) => query.workspaceIds === undefined || query.workspaceIds.includes(request.workspaceId));
  }

  async ping(): Promise<void> {}

  /**
   * A write by another party (the workflow moving files, another instance): the stored request
   * becomes `change` of it, with a new etag and without audit entries, as a test needs it.
   */
  changeBehindTheHandler(workspaceId: string, id: string, change: (request: AirlockRequest) => AirlockRequest): AirlockRequest {
    const key = keyOf(workspaceId, id);
    const stored = this.requests.get(key);
    if (!stored) throw new Error(`no request ${workspaceId}/${id} in the in-memory store`);
    const changed = { ...change(copyOf(stored.document)), etag: this.nextEtag() };
    this.requests.set(key, { document: copyOf(changed), entries: stored.entries });
    return copyOf(changed);
  }

  /** The drafts are chained on from the head of the version the etag named, in the same write as the document. */
  private write(key: string, request: AirlockRequest, stored: StoredRequest | undefined, audit: AuditDraft[]): AirlockRequest {
    const ids = { requestId: request.id, workspaceId: request.workspaceId };
    const chained = audit.length > 0 ? chainEntries(stored ? request.auditHead : undefined, audit, ids) : undefined;
    const document: AirlockRequest = { ...copyOf(request), etag: this.nextEtag() };
    if (chained) document.auditHead = chained.head;
    this.requests.set(key, { document, entries: [...(stored?.entries ?? []), ...(chained?.entries ?? [])] });
    return readCopyOf(document);
  }

  private page(query: ListQuery, inScope: (request: AirlockRequest) => boolean): RequestPage {
    // As the real stores: a token this store did not issue is a malformed request.
    const offset = query.continuationToken === undefined ? 0 : Number(query.continuationToken);
    if (!Number.isSafeInteger(offset) || offset < 0) throw new RequestValidationError('continuationToken is not valid');
    const direction = query.orderAscending ? 1 : -1;
    const matches = [...this.requests.values()]
      .map((stored) => stored.document)
      .filter(inScope)
      .filter((request) => query.type === undefined || request.type === query.type)
      .filter((request) => query.status === undefined || request.status === query.status)
      .filter((request) => query.creatorUserId === undefined || request.createdBy.id === query.creatorUserId)
      .sort((a, b) => direction * compare(a[query.orderBy], b[query.orderBy]) || compare(a.id, b.id));
    const items = matches.slice(offset, offset + query.pageSize).map(readCopyOf);
    const next = offset + items.length;
    return next < matches.length ? { items, continuationToken: String(next) } : { items };
  }

  private nextEtag(): string {
    this.version += 1;
    return `"${this.version}"`;
  }
}

function keyOf(workspaceId: string, id: string): string {
  return `${workspaceId}/${id}`;
}

function compare(a: string | number, b: string | number): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

// ---- workspace registry ----

export class InMemoryWorkspaceRegistry implements WorkspaceRegistry {
  private readonly workspaces = new Map<string, Workspace>();
  private version = 0;

  async get(id: string): Promise<Workspace | undefined> {
    const workspace = this.workspaces.get(id);
    return workspace && copyOf(workspace);
  }

  async create(workspace: Workspace): Promise<Workspace> {
    if (this.workspaces.has(workspace.id)) throw new ConflictError(`Workspace ${workspace.id} already exists`);
    return this.write(workspace);
  }

  async replace(workspace: Workspace): Promise<Workspace> {
    const stored = this.workspaces.get(workspace.id);
    if (!stored || !sameEtag(stored.etag, workspace.etag)) {
      throw new ConflictError(`Workspace ${workspace.id} was changed by someone else; reload and try again`);
    }
    return this.write(workspace);
  }

  async list(): Promise<Workspace[]> {
    return [...this.workspaces.values()].map(copyOf);
  }

  ensure(seed: WorkspaceSeed, defaults: AirlockSettings): Promise<Workspace> {
    return ensureWorkspace(this, seed, defaults);
  }

  /** An administrator's settings change, without the administrator. */
  async changeSettings(id: string, settings: Partial<AirlockSettings>): Promise<Workspace> {
    const stored = await this.get(id);
    if (!stored) throw new Error(`no workspace ${id} in the in-memory registry`);
    return this.replace({ ...stored, airlock: { ...stored.airlock, ...settings } });
  }

  private write(workspace: Workspace): Workspace {
    this.version += 1;
    const stored = { ...copyOf(workspace), etag: `"${this.version}"` };
    this.workspaces.set(workspace.id, stored);
    return copyOf(stored);
  }
}

// ---- stage storage ----

function md5Of(content: Buffer, range: Required<ByteRange>): Buffer {
  return createHash('md5').update(content.subarray(range.offset, range.offset + range.count)).digest();
}

interface Blob {
  content: Buffer;
  etag: string;
  metadata: Record<string, string>;
}

export interface IssuedContainerUrl {
  ref: ContainerRef;
  permissions: string;
  expiresOn: Date;
}

export class InMemoryStageStorage implements StageStorage {
  private readonly containers = new Map<string, Map<string, Blob>>();
  private version = 0;
  /** Every SAS URL made, in order. */
  readonly issuedUrls: IssuedContainerUrl[] = [];
  /** Called as a URL is about to be made, so a test can see what had been recorded by then. */
  beforeContainerUrl: ((issued: IssuedContainerUrl) => Promise<void>) | undefined;

  constructor(private readonly treId: string) {}

  async ensureContainer(ref: ContainerRef): Promise<void> {
    this.containerOf(ref, { create: true });
  }

  async listFiles(ref: ContainerRef): Promise<StoredFile[]> {
    const container = this.containers.get(this.keyOf(ref));
    if (!container) return [];
    return [...container.entries()].sort(([a], [b]) => compare(a, b)).map(([name, blob]) => ({ name, size: blob.content.length, etag: blob.etag }));
  }

  async hashFile(ref: ContainerRef, name: string, options: HashOptions = {}): Promise<HashedFile> {
    const blob = this.blobOf(ref, name, options.etag);
    const hashed: HashedFile = { name, size: blob.content.length, etag: blob.etag, sha256: createHash('sha256').update(blob.content).digest('hex') };
    if (options.tee && blob.content.length > 0) await options.tee(Buffer.from(blob.content));
    if (!options.blockDigests) return hashed;
    const blockBytes = blockBytesFor(blob.content.length, AZURE_BLOCK_LIMITS);
    return { ...hashed, blocks: blockDigestsOf(blockBytes, blockRanges(blob.content.length, blockBytes).map((range) => md5Of(blob.content, range))) };
  }

  async readFile(ref: ContainerRef, name: string, range?: ByteRange): Promise<FileContent> {
    const blob = this.blobOf(ref, name);
    const start = range?.offset ?? 0;
    const end = range?.count === undefined ? blob.content.length : start + range.count;
    return { stream: Readable.from([blob.content.subarray(start, end)]), size: blob.content.length, etag: blob.etag };
  }

  async copyFile(from: ContainerRef, to: ContainerRef, name: string, options: CopyOptions = {}): Promise<StoredFile> {
    const source = this.blobOf(from, name, options.sourceEtag);
    // As the storage service does: every block is checked against its MD5, and a mismatch copies nothing.
    if (options.blocks && digestedBlocksOf(name, source.content.length, options.blocks).some((block) => !md5Of(source.content, block.range).equals(block.md5))) {
      throw new IntegrityError(`file '${name}' is not what was hashed: its content differs from the MD5 recorded with its SHA-256`);
    }
    const copy: Blob = { content: source.content, etag: this.nextEtag(), metadata: { ...(options.metadata ?? {}) } };
    this.containerOf(to, { create: true }).set(name, copy);
    return { name, size: copy.content.length, etag: copy.etag };
  }

  async deleteFile(ref: ContainerRef, name: string, options: { etag?: string } = {}): Promise<void> {
    const container = this.containers.get(this.keyOf(ref));
    const blob = container?.get(name);
    if (!blob) return;
    if (options.etag !== undefined && !sameEtag(blob.etag, options.etag)) throw new ConflictError(`${name} changed since it was listed`);
    container?.delete(name);
  }

  async deleteContainer(ref: ContainerRef): Promise<void> {
    this.containers.delete(this.keyOf(ref));
  }

  async containerUrl(ref: ContainerRef, permissions: string, expiresOn: Date): Promise<string> {
    const issued = { ref, permissions, expiresOn };
    await this.beforeContainerUrl?.(issued);
    this.issuedUrls.push(issued);
    const query = new URLSearchParams({ sp: permissions, se: expiresOn.toISOString(), sig: 'in-memory' });
    return `https://${this.accountNameOf(ref)}.blob.core.invalid/${ref.container}?${query}`;
  }

  async ping(): Promise<void> {}

  /** A researcher's upload; returns the new blob's etag. */
  upload(ref: ContainerRef, name: string, content: string | Buffer): string {
    const blob: Blob = { content: Buffer.from(content), etag: this.nextEtag(), metadata: {} };
    this.containerOf(ref, { create: true }).set(name, blob);
    return blob.etag;
  }

  containerExists(ref: ContainerRef): boolean {
    return this.containers.has(this.keyOf(ref));
  }

  private blobOf(ref: ContainerRef, name: string, etag?: string): Blob {
    const blob = this.containers.get(this.keyOf(ref))?.get(name);
    if (!blob) throw new NotFoundError(`${name} is not in ${this.accountNameOf(ref)}/${ref.container}`);
    if (etag !== undefined && !sameEtag(blob.etag, etag)) throw new ConflictError(`${name} changed since version ${etag}`);
    return blob;
  }

  private containerOf(ref: ContainerRef, options: { create: boolean }): Map<string, Blob> {
    const key = this.keyOf(ref);
    let container = this.containers.get(key);
    if (!container) {
      if (!options.create) throw new NotFoundError(`container ${key} does not exist`);
      container = new Map();
      this.containers.set(key, container);
    }
    return container;
  }

  private keyOf(ref: ContainerRef): string {
    return `${this.accountNameOf(ref)}/${ref.container}`;
  }

  private accountNameOf(ref: ContainerRef): string {
    return storageAccountName(ref.account, { treId: this.treId, workspaceId: ref.workspaceId });
  }

  private nextEtag(): string {
    this.version += 1;
    return `"0x${this.version.toString(16).padStart(8, '0')}"`;
  }
}

// ---- identity ----

/**
 * `Bearer <name>` is the person signed in under that name. Like the real validator, a workspace
 * token is good for its own workspace only, and a missing or unknown token is a 401.
 */
export class InMemoryIdentity implements TokenValidator {
  private readonly callers = new Map<string, Caller>();

  /** Signs `caller` in as `name`; returns the Authorization header that names them. */
  signIn(name: string, caller: Caller): string {
    this.callers.set(name, caller);
    return `Bearer ${name}`;
  }

  async authenticate(authorization: string | null | undefined, scope: { workspaceId?: string }): Promise<Caller> {
    const match = /^bearer\s+(\S+)$/i.exec(authorization?.trim() ?? '');
    if (!match) throw new UnauthenticatedError('missing bearer token');
    const caller = this.callers.get(match[1]);
    if (!caller) throw new UnauthenticatedError('token signature is not valid');
    if (scope.workspaceId !== undefined && caller.workspaceId !== scope.workspaceId) {
      throw new UnauthenticatedError("token audience is not this workspace's");
    }
    return caller;
  }
}

// ---- durable client ----

export interface StartedWorkflow {
  name: string;
  instanceId: string;
  input: unknown;
}

export interface RaisedEvent {
  instanceId: string;
  eventName: string;
  eventData: unknown;
}

/** A runtime status as the Durable client reports it, or 'missing' for an instance it does not know (a 404). */
export type FakeRuntimeStatus = 'Running' | 'Pending' | 'Suspended' | 'ContinuedAsNew' | 'Completed' | 'Failed' | 'Terminated' | 'Canceled' | 'missing';

/**
 * Records what the handlers tell the workflow. Every instance is Running unless the test says
 * otherwise; starting one makes it Running.
 */
export class FakeDurableClient {
  readonly started: StartedWorkflow[] = [];
  readonly raised: RaisedEvent[] = [];
  readonly statusQueries: string[] = [];
  private readonly statuses = new Map<string, FakeRuntimeStatus>();
  /** Thrown by the next `startNew`, e.g. the task hub not answering. */
  startNewFailure: Error | undefined;
  /** Plays the workflow's answer to an event (it reads the stored request and moves its files). */
  onRaiseEvent: ((event: RaisedEvent) => void) | undefined;

  setStatus(instanceId: string, status: FakeRuntimeStatus): void {
    this.statuses.set(instanceId, status);
  }

  /** The handlers take the SDK's class; they use only the three methods implemented here. */
  asClient(): df.DurableClient {
    const client: Pick<df.DurableClient, 'startNew' | 'raiseEvent' | 'getStatus'> = {
      startNew: async (name, options) => {
        if (this.startNewFailure) throw this.startNewFailure;
        const instanceId = options?.instanceId ?? `instance-${this.started.length + 1}`;
        this.started.push({ name, instanceId, input: options?.input });
        this.statuses.set(instanceId, 'Running');
        return instanceId;
      },
      raiseEvent: async (instanceId, eventName, eventData) => {
        const event = { instanceId, eventName, eventData };
        this.raised.push(event);
        this.onRaiseEvent?.(event);
      },
      getStatus: async (instanceId) => {
        this.statusQueries.push(instanceId);
        const runtimeStatus = this.statuses.get(instanceId) ?? 'Running';
        // The SDK reports an unknown instance as an error naming the 404.
        if (runtimeStatus === 'missing') throw new Error(`getStatus failed: 404 instance ${instanceId} not found`);
        return { instanceId, runtimeStatus } as unknown as df.DurableOrchestrationStatus;
      },
    };
    return client as df.DurableClient;
  }
}

// ---- all of them ----

export const TEST_WORKSPACE = 'ws01';
/** When everything happens: the clock stands still unless a test moves it or a handler sleeps. */
export const TEST_TIME = new Date('2030-01-02T03:04:05.000Z');

export interface InMemoryAirlock {
  deps: Dependencies;
  store: InMemoryRequestStore;
  workspaces: InMemoryWorkspaceRegistry;
  storage: InMemoryStageStorage;
  identity: InMemoryIdentity;
  /** Role assignments as a core token's caller holds them (`grant`). */
  roleDirectory: InMemoryRoleDirectory;
  durable: FakeDurableClient;
  /** Moves the clock the handlers see. */
  setTime(time: Date): void;
}

/** Builds fresh in-memory adapters with the given workspaces (default settings) and installs them. */
export async function installInMemoryDependencies(options: { workspaces?: string[] } = {}): Promise<InMemoryAirlock> {
  const workspaceIds = options.workspaces ?? [TEST_WORKSPACE];
  const config: AirlockConfig = {
    treId: 'test',
    workspaceAudiences: Object.fromEntries(workspaceIds.map((id) => [id, `api://airlock-test-${id}`])),
    workspaceDisplayNames: Object.fromEntries(workspaceIds.map((id) => [id, id])),
    identity: { issuer: ['https://issuer.invalid'], jwksUri: 'https://issuer.invalid/keys', coreAudience: 'api://airlock-test-core' },
    stateStore: { kind: 'table', connectionString: 'in-memory', table: 'requests' },
    storage: { endpointTemplate: 'https://{account}.blob.core.invalid', auth: { kind: 'account-key', keys: {} } },
    sasExpiryMinutes: 60,
    maxFilesPerRequest: 50,
    maxFileSizeBytes: 1024 * 1024 * 1024,
    allowedFileTypes: [...DEFAULT_ALLOWED_FILE_TYPES],
    scanner: { kind: 'none' },
    deploymentId: 'test',
    notifications: { mail: { kind: 'none' } },
  };
  let time = TEST_TIME;
  const now = () => new Date(time.getTime());
  let ids = 0;
  const store = new InMemoryRequestStore();
  const workspaces = new InMemoryWorkspaceRegistry();
  const storage = new InMemoryStageStorage(config.treId);
  const identity = new InMemoryIdentity();
  const roleDirectory = new InMemoryRoleDirectory();
  await ensureConfiguredWorkspaces(workspaces, config);
  const deps: Dependencies = {
    config,
    store,
    workspaces,
    storage,
    identity,
    scanner: new DisabledScanner(now),
    events: new DisabledEventPublisher(),
    mailer: new DisabledMailer(),
    roleDirectory,
    now,
    sleep: async (ms) => {
      time = new Date(time.getTime() + ms);
    },
    // UUIDs, as the HTTP layer accepts only those as request ids; counted, so a run reads the same every time.
    newId: () => `00000000-0000-4000-8000-${String(++ids).padStart(12, '0')}`,
  };
  setDependencies(deps);
  return {
    deps,
    store,
    workspaces,
    storage,
    identity,
    roleDirectory,
    durable: new FakeDurableClient(),
    setTime: (next) => {
      time = next;
    },
  };
}

// ---- people and stored requests ----

const workspaceMember = (id: string, name: string, ...roles: Caller['roles']): Caller => ({ id, name, roles, workspaceId: TEST_WORKSPACE });

/** Who signs in, each with a token for the test workspace (the administrator with a core token). */
export const PEOPLE = {
  rita: workspaceMember('user-rita', 'Rita Researcher', 'WorkspaceResearcher'),
  sam: workspaceMember('user-sam', 'Sam Researcher', 'WorkspaceResearcher'),
  mia: workspaceMember('user-mia', 'Mia Manager', 'AirlockManager'),
  max: workspaceMember('user-max', 'Max Manager', 'AirlockManager'),
  olga: workspaceMember('user-olga', 'Olga Owner', 'WorkspaceOwner'),
  /** A member whose token carries no airlock role. */
  nobody: workspaceMember('user-nobody', 'Nora Nobody'),
  admin: { id: 'user-admin', name: 'Ada Admin', roles: ['TREAdmin'] } satisfies Caller,
} as const;
export type Person = keyof typeof PEOPLE;

/** Signs everyone in; `Bearer <person>` names them. */
export function signInEveryone(identity: InMemoryIdentity): Record<Person, string> {
  const headers = {} as Record<Person, string>;
  for (const person of Object.keys(PEOPLE) as Person[]) headers[person] = identity.signIn(person, PEOPLE[person]);
  return headers;
}

/** The transitions on the way to each status, with what triggers them: a person, or the airlock ('system'). */
const PATH_TO: Partial<Record<RequestStatus, { to: RequestStatus; trigger: TransitionTrigger }[]>> = {
  draft: [],
  submitted: [{ to: 'submitted', trigger: 'submit' }],
  in_review: [{ to: 'submitted', trigger: 'submit' }, { to: 'in_review', trigger: 'system' }],
  changes_requested: [{ to: 'submitted', trigger: 'submit' }, { to: 'in_review', trigger: 'system' }, { to: 'changes_requested', trigger: 'requestChanges' }],
  approved: [
    { to: 'submitted', trigger: 'submit' },
    { to: 'in_review', trigger: 'system' },
    { to: 'approval_in_progress', trigger: 'approve' },
    { to: 'approved', trigger: 'system' },
  ],
  cancelled: [{ to: 'cancelled', trigger: 'cancel' }],
  blocked_by_scan: [{ to: 'submitted', trigger: 'submit' }, { to: 'blocking_in_progress', trigger: 'system' }, { to: 'blocked_by_scan', trigger: 'system' }],
};

/**
 * A request by `creator` walked through the legal transitions to `status`, its files where that
 * status keeps them after its first submission, stored with a creation entry in its audit log.
 */
export async function storedRequest(
  store: RequestStore,
  options: { status: RequestStatus; creator?: UserRef; id: string; title?: string; workspaceId?: string },
): Promise<AirlockRequest> {
  const path = PATH_TO[options.status];
  if (!path) throw new Error(`storedRequest cannot reach '${options.status}'`);
  const creator = options.creator ?? userRefOf(PEOPLE.rita);
  const createdWhen = epochSeconds(TEST_TIME) - 3_600;
  let request = newDraftRequest({
    id: options.id,
    workspaceId: options.workspaceId ?? TEST_WORKSPACE,
    type: 'import',
    title: options.title ?? 'Cohort extract',
    businessJustification: 'Needed for the approved study',
    creator,
    now: createdWhen,
  });
  const created = request;
  path.forEach(({ to, trigger }, step) => {
    request = withStatus(request, { to, trigger, actor: trigger === 'system' ? AIRLOCK_SYSTEM : creator, now: createdWhen + step + 1 });
  });
  if (options.status !== 'draft' && options.status !== 'cancelled') {
    const stage = options.status === 'submitted' ? 'draft' : stageOfStatus(options.status);
    const files = [{ name: 'cohort.csv', size: 4, sha256: 'a'.repeat(64) }];
    request = { ...request, files, reviewCycle: 1, filesAt: stage ? { stage, cycle: options.status === 'changes_requested' ? 2 : 1 } : null };
  }
  return store.create(request, auditOfCreation(created));
}

// ---- calling handlers as the Functions host does ----

export interface HttpCall {
  method?: string;
  /** path under /api, e.g. `workspaces/ws01/requests` */
  path: string;
  params?: Record<string, string>;
  authorization?: string;
  body?: unknown;
}

export function httpRequest(call: HttpCall): HttpRequest {
  return new HttpRequest({
    method: call.method ?? (call.body === undefined ? 'GET' : 'POST'),
    url: `http://127.0.0.1/api/${call.path}`,
    params: call.params ?? {},
    headers: call.authorization ? { authorization: call.authorization } : {},
    ...(call.body === undefined ? {} : { body: { string: JSON.stringify(call.body) } }),
  });
}

export interface LoggedLine {
  level: string;
  message: string;
}

/** A context like the host's; what the handler logs is kept in `logs`. */
export function invocationContext(functionName: string, logs: LoggedLine[] = []): InvocationContext {
  return new InvocationContext({
    functionName,
    invocationId: 'invocation-1',
    logHandler: (level, ...args) => logs.push({ level, message: args.map(String).join(' ') }),
  });
}

/** A fresh in-memory airlock and everyone's tokens for each test, installed as the app's dependencies. */
export interface InMemorySession {
  airlock: InMemoryAirlock;
  tokens: Record<Person, string>;
}

/**
 * Installs a fresh in-memory airlock before each test of the calling file (and removes it after);
 * the returned session holds the current one. Register further `beforeEach` set-up after this call.
 */
export function inMemoryAirlockForEachTest(options: { workspaces?: string[] } = {}): InMemorySession {
  const session = {} as InMemorySession;
  beforeEach(async () => {
    session.airlock = await installInMemoryDependencies(options);
    session.tokens = signInEveryone(session.airlock.identity);
  });
  afterEach(() => setDependencies(undefined));
  return session;
}
