/**
 * RequestStore on Azure Cosmos DB (NoSQL API), one container partitioned by /workspaceId.
 * Every write is conditional: `create` relies on the id being unique within the partition and
 * `replace` on an If-Match of the document's `_etag`, so a concurrent change is refused, never lost.
 *
 * Audit entries (domain/audit.ts) live in the same container and partition as their request, as
 * items with `type: 'audit'` and id `audit~<requestId>~<seq>`. A write with audit drafts is one
 * transactional batch: [Replace with If-Match | Create] of the request, then a Create per entry.
 * Request queries skip items whose id starts with `audit~` (no request id may), so documents
 * written before auditing are listed as before.
 */
import https from 'node:https';
import {
  Container,
  CosmosClient,
  CosmosClientOptions,
  FeedOptions,
  ItemDefinition,
  JSONObject,
  OperationInput,
  OperationResponse,
  SqlParameter,
  SqlQuerySpec,
} from '@azure/cosmos';
import type { TokenCredential } from '@azure/identity';
import { AuditDraft, AuditEntry } from '../domain/audit';
import { AirlockRequest, upgradeStoredRequest } from '../domain/request';
import { ListQuery, OrderByField } from '../domain/schemas';
import { ConfigError } from '../config';
import { ConflictError, DependencyError, IntegrityError, InvariantError, RequestValidationError } from '../domain/errors';
import { assertAuditRange, AuditRange, CrossWorkspaceQuery, RequestPage, RequestStore } from './requestStore';
import { describeFailure, isDependencyStatus, statusOf, toStoreError } from './storeErrors';
import { assertNotAuditEntryId, AUDIT_ID_PREFIX, auditEntryId, auditIdPrefixOf, chainEntries, isAuditEntryId } from './auditChain';

export const REQUESTS_PARTITION_KEY_PATH = '/workspaceId';

export interface CosmosConnectOptions {
  endpoint: string;
  /** Account key; leave undefined to sign in with `credential` (managed identity in Azure). */
  key?: string;
  credential?: TokenCredential;
  database: string;
  container: string;
  /**
   * Only for the local Cosmos-compatible server: trusts its self-signed certificate and turns off
   * endpoint discovery, because that server advertises https://localhost:8081 as its region.
   */
  allowSelfSigned?: boolean;
}

/** Fields Cosmos adds to every stored item; the domain document never carries them. */
const COSMOS_SYSTEM_FIELDS = ['_rid', '_self', '_ts', '_attachments', '_etag'] as const;

type StoredItem = ItemDefinition & Partial<Record<(typeof COSMOS_SYSTEM_FIELDS)[number], unknown>>;

/** The `type` of an audit-entry item (a request's `type` is its RequestType, 'import' or 'export'). */
const AUDIT_ITEM_TYPE = 'audit';
/** A transactional batch holds at most 100 operations: the request and 99 entries. */
const MAX_BATCH_OPERATIONS = 100;
/** Status of the operations of a failed batch that did not fail themselves. */
const FAILED_DEPENDENCY = 424;
/** Bounds the queries behind one page; a page still short after them ends with a token, so nothing is lost. */
const MAX_QUERY_ROUNDS_PER_PAGE = 20;

export class CosmosRequestStore implements RequestStore {
  private readonly container: Container;
  /** Set only when this store created the client, so `close` never disposes someone else's. */
  private readonly ownedClient?: CosmosClient;

  constructor(options: { container: Container; ownedClient?: CosmosClient }) {
    this.container = options.container;
    this.ownedClient = options.ownedClient;
  }

  /**
   * Connects and creates the database and the container when they are missing. `createIfNotExists`
   * reads first, so with a managed identity (whose data-plane role cannot create them) an existing
   * database and container work; missing ones fail with a DependencyError (403).
   */
  static async connect(options: CosmosConnectOptions): Promise<CosmosRequestStore> {
    const client = new CosmosClient(clientOptions(options));
    try {
      const { database } = await client.databases.createIfNotExists({ id: options.database });
      const { container } = await database.containers.createIfNotExists({
        id: options.container,
        partitionKey: { paths: [REQUESTS_PARTITION_KEY_PATH] },
      });
      return new CosmosRequestStore({ container, ownedClient: client });
    } catch (error) {
      client.dispose();
      throw toStoreError(error);
    }
  }

  /** Stops the client's background timers when this store created the client. */
  close(): void {
    this.ownedClient?.dispose();
  }

  async create(request: AirlockRequest, audit?: AuditDraft[]): Promise<AirlockRequest> {
    assertNotAuditEntryId(request.id);
    if (audit && audit.length > 0) return this.writeAudited('create', request, audit);
    try {
      const { resource } = await this.container.items.create(toStoredBody(request));
      return fromStoredItem(requireResource(resource, request.id));
    } catch (error) {
      if (statusOf(error) === 409) throw new ConflictError(`Airlock request ${request.id} already exists`);
      throw toStoreError(error);
    }
  }

  async get(workspaceId: string, id: string): Promise<AirlockRequest | undefined> {
    if (isAuditEntryId(id)) return undefined;
    try {
      const { resource, statusCode } = await this.container.item(id, workspaceId).read<StoredItem>();
      if (statusCode === 404 || !resource) return undefined;
      return fromStoredItem(resource);
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw toStoreError(error);
    }
  }

  async getById(id: string): Promise<AirlockRequest | undefined> {
    if (isAuditEntryId(id)) return undefined;
    try {
      const { resources } = await this.container.items
        .query<StoredItem>({
          query: 'SELECT * FROM c WHERE c.id = @id AND NOT STARTSWITH(c.id, @auditIdPrefix)',
          parameters: [
            { name: '@id', value: id },
            { name: '@auditIdPrefix', value: AUDIT_ID_PREFIX },
          ],
        })
        .fetchAll();
      return onlyMatch(resources.map(fromStoredItem), id);
    } catch (error) {
      throw toStoreError(error);
    }
  }

  async replace(request: AirlockRequest, audit?: AuditDraft[]): Promise<AirlockRequest> {
    if (!request.etag) throw new InvariantError(`Airlock request ${request.id} has no etag; replace needs the version it was read at`);
    assertNotAuditEntryId(request.id);
    if (audit && audit.length > 0) return this.writeAudited('replace', request, audit);
    try {
      const { resource } = await this.container
        .item(request.id, request.workspaceId)
        .replace(toStoredBody(request), { accessCondition: { type: 'IfMatch', condition: request.etag } });
      return fromStoredItem(requireResource(resource, request.id));
    } catch (error) {
      // 404: the request vanished since it was read, which is a change by someone else too.
      const status = statusOf(error);
      if (status === 412 || status === 404) throw changedBySomeoneElse(request.id);
      throw toStoreError(error);
    }
  }

  /**
   * Writes the request and its new audit entries in one transactional batch in the request's
   * partition. The entries are chained from `request.auditHead`, which came from the read the
   * If-Match etag names, so it is the stored head whenever the batch can succeed.
   */
  private async writeAudited(mode: 'create' | 'replace', request: AirlockRequest, audit: AuditDraft[]): Promise<AirlockRequest> {
    const { workspaceId, id } = request;
    const { entries, head } = chainEntries(mode === 'create' ? undefined : request.auditHead, audit, { requestId: id, workspaceId });
    if (entries.length + 1 > MAX_BATCH_OPERATIONS) {
      throw new InvariantError(`Airlock request ${id}: at most ${MAX_BATCH_OPERATIONS - 1} audit entries can be written with one change (got ${entries.length})`);
    }
    const document: AirlockRequest = { ...request, auditHead: head };
    const body = toStoredBody(document) as JSONObject;
    // The local Cosmos-compatible server needs `partitionKey` on every operation; Azure accepts it.
    const requestOperation: OperationInput =
      mode === 'create'
        ? { operationType: 'Create', partitionKey: workspaceId, resourceBody: body }
        : { operationType: 'Replace', id, partitionKey: workspaceId, ifMatch: request.etag, resourceBody: body };
    const operations: OperationInput[] = [
      requestOperation,
      ...entries.map((entry): OperationInput => ({ operationType: 'Create', partitionKey: workspaceId, resourceBody: toStoredAuditBody(entry) })),
    ];

    let results: OperationResponse[];
    try {
      results = (await this.container.items.batch(operations, workspaceId)).result ?? [];
    } catch (error) {
      // The SDK wraps what the service answered in `Batch request error: ...` with the answer as `cause`.
      throw batchFailure(mode, request, undefined, statusOf(unwrapBatchError(error)), unwrapBatchError(error));
    }
    const answered = `the batch answered ${JSON.stringify(results.map((r) => r.statusCode))} to ${operations.length} operations`;
    const failedAt = results.findIndex((result) => result.statusCode >= 400 && result.statusCode !== FAILED_DEPENDENCY);
    if (failedAt >= 0) throw batchFailure(mode, request, failedAt, results[failedAt].statusCode, new Error(answered));
    // Nothing failed, yet not every operation was answered: the store answered wrongly.
    if (results.length !== operations.length) throw new DependencyError(`request store unavailable: for request ${id}, ${answered}`);

    const written = results[0];
    if (written.resourceBody && typeof written.resourceBody._etag === 'string') return fromStoredItem(written.resourceBody as StoredItem);
    if (!written.eTag) throw new DependencyError(`request store unavailable: the write of request ${id} returned no etag`);
    return { ...withoutEtag(document), etag: written.eTag };
  }

  /**
   * The request's audit entries, in key order (= sequence order unless someone moved them). A range
   * is a range of ids within the partition: the zero-padded ids sort as their sequence numbers do.
   */
  async listAudit(workspaceId: string, requestId: string, range: AuditRange = {}): Promise<AuditEntry[]> {
    // The workspace condition repeats the partition key, as `list` does: the local Cosmos-compatible
    // server ignores a query's partitionKey option and would return the same id's log from every workspace.
    const conditions = ['c.workspaceId = @workspaceId', 'STARTSWITH(c.id, @prefix)'];
    const parameters: SqlParameter[] = [
      { name: '@workspaceId', value: workspaceId },
      { name: '@prefix', value: auditIdPrefixOf(requestId) },
    ];
    assertAuditRange(range);
    if (range.afterSeq !== undefined) {
      conditions.push('c.id > @afterId');
      parameters.push({ name: '@afterId', value: auditEntryId(requestId, range.afterSeq) });
    }
    if (range.throughSeq !== undefined) {
      conditions.push('c.id <= @throughId');
      parameters.push({ name: '@throughId', value: auditEntryId(requestId, range.throughSeq) });
    }
    try {
      const { resources } = await this.container.items
        .query<StoredItem>({ query: `SELECT * FROM c WHERE ${conditions.join(' AND ')} ORDER BY c.id ASC`, parameters }, { partitionKey: workspaceId })
        .fetchAll();
      return resources.map(fromStoredAuditItem);
    } catch (error) {
      throw toStoreError(error);
    }
  }

  async list(workspaceId: string, query: ListQuery): Promise<RequestPage> {
    const conditions = ['c.workspaceId = @workspaceId'];
    const parameters: SqlParameter[] = [{ name: '@workspaceId', value: workspaceId }];
    addFilters(query, conditions, parameters);
    return this.queryPage(buildQuery(conditions, parameters, query), query, { partitionKey: workspaceId });
  }

  async listAll(query: CrossWorkspaceQuery): Promise<RequestPage> {
    const conditions: string[] = [];
    const parameters: SqlParameter[] = [];
    if (query.workspaceIds !== undefined) {
      conditions.push('ARRAY_CONTAINS(@workspaceIds, c.workspaceId)');
      parameters.push({ name: '@workspaceIds', value: [...query.workspaceIds] });
    }
    addFilters(query, conditions, parameters);
    return this.queryPage(buildQuery(conditions, parameters, query), query, {});
  }

  async ping(): Promise<void> {
    try {
      await this.container.read();
    } catch (error) {
      // Whatever the cause (down, container missing, key refused), the store cannot serve requests.
      throw new DependencyError(`request store unavailable: ${describeFailure(error)}`);
    }
  }

  /**
   * Up to `pageSize` requests. Cosmos may answer a query with fewer items than asked while more
   * match (a response holds at most 4 MB, and a query stops at its time and RU budget), so the page
   * is topped up from where the service stopped until it is full or the matches end: a list without
   * a page size must hold everything up to the cap, since its clients read no token.
   */
  private async queryPage(spec: SqlQuerySpec, query: ListQuery, scope: Pick<FeedOptions, 'partitionKey'>): Promise<RequestPage> {
    const items: AirlockRequest[] = [];
    let continuationToken = query.continuationToken;
    try {
      for (let round = 0; round < MAX_QUERY_ROUNDS_PER_PAGE; round++) {
        const options: FeedOptions = { ...scope, maxItemCount: query.pageSize - items.length };
        if (continuationToken) options.continuationToken = continuationToken;
        const page = await this.container.items.query<StoredItem>(spec, options).fetchNext();
        items.push(...page.resources.map(fromStoredItem));
        continuationToken = page.continuationToken;
        if (!continuationToken || items.length >= query.pageSize) break;
      }
      return continuationToken ? { items, continuationToken } : { items };
    } catch (error) {
      // Cosmos answers 400 to a token it cannot parse (the SDK does too, client-side); nothing else
      // in these queries comes from the caller, so a 400 with a token means the token.
      if (query.continuationToken && statusOf(error) === 400) throw new RequestValidationError('continuationToken is not valid');
      throw toStoreError(error);
    }
  }
}

export function clientOptions(options: CosmosConnectOptions): CosmosClientOptions {
  if (!options.key && !options.credential) throw new ConfigError(['Cosmos DB needs either a key or a credential']);
  const auth: CosmosClientOptions = options.key ? { endpoint: options.endpoint, key: options.key } : { endpoint: options.endpoint, aadCredentials: options.credential };
  if (!options.allowSelfSigned) return auth;
  return {
    ...auth,
    agent: new https.Agent({ rejectUnauthorized: false }),
    connectionPolicy: { enableEndpointDiscovery: false },
  };
}

function addFilters(query: ListQuery, conditions: string[], parameters: SqlParameter[]): void {
  // Audit entries share the container; no request id starts with their prefix.
  conditions.push('NOT STARTSWITH(c.id, @auditIdPrefix)');
  parameters.push({ name: '@auditIdPrefix', value: AUDIT_ID_PREFIX });
  if (query.type !== undefined) {
    conditions.push('c.type = @type');
    parameters.push({ name: '@type', value: query.type });
  }
  if (query.status !== undefined) {
    conditions.push('c.status = @status');
    parameters.push({ name: '@status', value: query.status });
  }
  if (query.creatorUserId !== undefined) {
    conditions.push('c.createdBy.id = @creatorUserId');
    parameters.push({ name: '@creatorUserId', value: query.creatorUserId });
  }
}

/** Values go in parameters; the only text spliced in is the order field, taken from the allow-list. */
function buildQuery(conditions: string[], parameters: SqlParameter[], query: ListQuery): SqlQuerySpec {
  const where = conditions.length > 0 ? ` WHERE ${conditions.join(' AND ')}` : '';
  const direction = query.orderAscending ? 'ASC' : 'DESC';
  return { query: `SELECT * FROM c${where} ORDER BY ${orderColumn(query.orderBy)} ${direction}`, parameters };
}

const ORDER_COLUMNS: Readonly<Record<OrderByField, string>> = {
  updatedWhen: 'c.updatedWhen',
  createdWhen: 'c.createdWhen',
  title: 'c.title',
  status: 'c.status',
  type: 'c.type',
};

function orderColumn(field: OrderByField): string {
  const column = ORDER_COLUMNS[field];
  // ListQuery is typed, but a value from an unchecked cast must still never reach the SQL text.
  if (!column) throw new RequestValidationError(`order_by must be one of: ${Object.keys(ORDER_COLUMNS).join(', ')}`);
  return column;
}

/** The body Cosmos stores: the document without our `etag` and without Cosmos' own fields. */
function toStoredBody(request: AirlockRequest): ItemDefinition {
  const body: Record<string, unknown> = { ...request };
  delete body.etag;
  for (const field of COSMOS_SYSTEM_FIELDS) delete body[field];
  return body as ItemDefinition;
}

function fromStoredItem(item: StoredItem): AirlockRequest {
  const document: Record<string, unknown> = { ...item };
  const etag = item._etag;
  for (const field of COSMOS_SYSTEM_FIELDS) delete document[field];
  if (typeof etag !== 'string') throw new DependencyError('request store unavailable: a stored request came back without an _etag');
  return upgradeStoredRequest({ ...(document as unknown as AirlockRequest), etag });
}

function withoutEtag(request: AirlockRequest): AirlockRequest {
  const { etag: _etag, ...document } = request;
  return document;
}

/** An entry as stored: the entry itself plus the item type that tells it from a request. */
function toStoredAuditBody(entry: AuditEntry): JSONObject {
  return { ...(entry as unknown as JSONObject), type: AUDIT_ITEM_TYPE };
}

/** The entry as written: without Cosmos' fields and our item type (anything else stays, so an added field breaks the hash). */
function fromStoredAuditItem(item: StoredItem): AuditEntry {
  const entry: Record<string, unknown> = { ...item };
  for (const field of COSMOS_SYSTEM_FIELDS) delete entry[field];
  if (entry.type === AUDIT_ITEM_TYPE) delete entry.type;
  return entry as unknown as AuditEntry;
}

function unwrapBatchError(error: unknown): unknown {
  if (error instanceof Error && error.message.startsWith('Batch request error') && error.cause !== undefined) return error.cause;
  return error;
}

/**
 * What a failed batch means. `index` is the failed operation (0 = the request) when known. Nothing
 * of a failed batch is written on Azure (the local server differs: docs/local-stand-ins.md).
 */
function batchFailure(mode: 'create' | 'replace', request: AirlockRequest, index: number | undefined, status: number | undefined, cause: unknown): unknown {
  const onRequest = index === undefined || index === 0;
  if (onRequest && mode === 'replace' && (status === 412 || status === 404)) return changedBySomeoneElse(request.id);
  if (onRequest && mode === 'create' && status === 409) return new ConflictError(`Airlock request ${request.id} already exists`);
  if (status === 409) {
    // An entry with the next number exists: the log has run ahead of the request's head. Retrying cannot help.
    return new IntegrityError(
      `Airlock request ${request.id}: its audit log already holds an entry the request's audit head (${JSON.stringify(request.auditHead ?? null)}) does not know; the log needs checking`,
    );
  }
  if (status === undefined) return toStoreError(cause);
  const failure = `the ${mode} of request ${request.id} with its audit entries failed (operation ${index ?? '?'}: ${status})`;
  if (isDependencyStatus(status)) return new DependencyError(`request store unavailable: ${status} ${failure}`, { cause });
  // The store understood the batch and refused it (too large, malformed): the same batch will be refused again.
  return new InvariantError(failure, { cause });
}

function requireResource(resource: StoredItem | undefined, id: string): StoredItem {
  if (!resource) throw new DependencyError(`request store unavailable: the write of request ${id} returned no document`);
  return resource;
}

/** Ids are unique only within a partition in Cosmos; ours are UUIDs, so a second match is corruption, not a choice. */
function onlyMatch(requests: AirlockRequest[], id: string): AirlockRequest | undefined {
  if (requests.length > 1) {
    throw new IntegrityError(`Airlock request ${id} is stored in ${requests.length} workspaces (${requests.map((r) => r.workspaceId).join(', ')})`);
  }
  return requests[0];
}

function changedBySomeoneElse(id: string): ConflictError {
  return new ConflictError(`Airlock request ${id} was changed by someone else; reload and try again`);
}
