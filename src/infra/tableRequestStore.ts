/**
 * RequestStore on Azure Table storage (Azurite locally): PartitionKey = workspaceId, RowKey = id.
 * The JSON document is the source of truth and is split over string properties doc0..docN; a few
 * plain columns duplicate the fields lists filter on so the service can filter without the JSON.
 * Every write is conditional on the entity's etag, as in the Cosmos adapter.
 *
 * Audit entries are rows in the request's partition with RowKey `audit~<requestId>~<seq, 8 digits>`,
 * their JSON in doc0..docN like a request's, plus `kind = 'audit'` and `requestId` columns for people
 * browsing the table. A write with audit drafts is one entity-group transaction: [update with the
 * etag (Replace) | create] of the request, then a create per entry. Request queries exclude the
 * key range of audit rows, `audit~` <= RowKey <= `audit~~` (no request id starts with `audit~`, and
 * audited request ids hold only characters below '~'), rather than filtering on a column: Table
 * storage drops entities that lack a filtered property, so rows written before auditing would vanish.
 */
import { odata, TableClient, TableEntity, TableEntityResult, TransactionAction } from '@azure/data-tables';
import { AuditDraft, AuditEntry } from '../domain/audit';
import { AirlockRequest, upgradeStoredRequest } from '../domain/request';
import { ListQuery, OrderByField } from '../domain/schemas';
import { ConflictError, DependencyError, IntegrityError, InvariantError, RequestValidationError } from '../domain/errors';
import { CrossWorkspaceQuery, RequestPage, RequestStore } from './requestStore';
import { describeFailure, statusOf, toStoreError } from './storeErrors';
import { documentChunks, joinDocumentChunks, tableClientFromConnectionString, tableCreator } from './tableDocuments';
import { assertNotAuditEntryId, AUDIT_ID_PREFIX, auditIdPrefixOf, chainEntries, isAuditEntryId } from './auditChain';

/**
 * Table storage allows 15 comparisons per $filter; 10 workspaces leave room for the 3 other filters
 * and the 2 comparisons that exclude audit rows.
 */
const MAX_PARTITIONS_PER_QUERY = 10;

/** An entity-group transaction holds at most 100 operations: the request and 99 entries. */
const MAX_TRANSACTION_OPERATIONS = 100;

/**
 * Request rows only: every audit RowKey lies in [`audit~`, `audit~~`] because after the prefix comes
 * an audited request id, whose characters all sort below '~' (auditChain.ts). Plain ASCII bounds.
 */
const EXCLUDE_AUDIT_ROWS = `(RowKey lt '${AUDIT_ID_PREFIX}' or RowKey gt '${AUDIT_ID_PREFIX}~')`;

/** The entity as written: keys, the document in chunks, and the filter columns. */
type RequestEntity = TableEntity<Record<string, unknown>>;

/** Where the table is: a connection string (account key or Azurite) and the table's name, or a ready client. */
export type TableRequestStoreOptions = { connectionString: string; table: string } | { tableClient: TableClient };

export class TableRequestStore implements RequestStore {
  private readonly table: TableClient;

  constructor(options: TableRequestStoreOptions) {
    this.table = 'tableClient' in options ? options.tableClient : tableClientFromConnectionString(options.connectionString, options.table);
    this.ensureTable = tableCreator(this.table, toStoreError);
  }

  /** Builds the store and creates the table now, so a bad connection string fails at start-up. */
  static async connect(options: { connectionString: string; tableName: string }): Promise<TableRequestStore> {
    const store = new TableRequestStore({ connectionString: options.connectionString, table: options.tableName });
    await store.ensureTable();
    return store;
  }

  /** Creates the table when it is missing (see tableCreator); call it to fail fast at start-up. */
  readonly ensureTable: () => Promise<void>;

  async create(request: AirlockRequest, audit?: AuditDraft[]): Promise<AirlockRequest> {
    assertNotAuditEntryId(request.id);
    if (audit && audit.length > 0) return this.writeAudited('create', request, audit);
    await this.ensureTable();
    try {
      const json = serialize(request);
      const { etag } = await this.table.createEntity(toEntity(request, json));
      return storedVersion(json, requireEtag(etag, request.id));
    } catch (error) {
      if (statusOf(error) === 409) throw new ConflictError(`Airlock request ${request.id} already exists`);
      throw toStoreError(error);
    }
  }

  async get(workspaceId: string, id: string): Promise<AirlockRequest | undefined> {
    if (isAuditEntryId(id)) return undefined;
    await this.ensureTable();
    try {
      return fromEntity(await this.table.getEntity<Record<string, unknown>>(workspaceId, id));
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw toStoreError(error);
    }
  }

  async getById(id: string): Promise<AirlockRequest | undefined> {
    if (isAuditEntryId(id)) return undefined;
    await this.ensureTable();
    const matches = await this.readAll(odata`RowKey eq ${id}`);
    // RowKeys are unique only within a partition; ours are UUIDs, so a second match is corruption.
    if (matches.length > 1) {
      throw new IntegrityError(`Airlock request ${id} is stored in ${matches.length} workspaces (${matches.map((r) => r.workspaceId).join(', ')})`);
    }
    return matches[0];
  }

  async replace(request: AirlockRequest, audit?: AuditDraft[]): Promise<AirlockRequest> {
    if (!request.etag) throw new InvariantError(`Airlock request ${request.id} has no etag; replace needs the version it was read at`);
    assertNotAuditEntryId(request.id);
    if (audit && audit.length > 0) return this.writeAudited('replace', request, audit);
    await this.ensureTable();
    try {
      const json = serialize(request);
      const { etag } = await this.table.updateEntity(toEntity(request, json), 'Replace', { etag: request.etag });
      return storedVersion(json, requireEtag(etag, request.id));
    } catch (error) {
      // 404: the request vanished since it was read, which is a change by someone else too.
      const status = statusOf(error);
      if (status === 412 || status === 404) {
        throw new ConflictError(`Airlock request ${request.id} was changed by someone else; reload and try again`);
      }
      throw toStoreError(error);
    }
  }

  /**
   * Writes the request and its new audit entries in one entity-group transaction. The entries are
   * chained from `request.auditHead`, which came from the read the etag names, so it is the stored
   * head whenever the transaction can succeed.
   */
  private async writeAudited(mode: 'create' | 'replace', request: AirlockRequest, audit: AuditDraft[]): Promise<AirlockRequest> {
    const { entries, head } = chainEntries(mode === 'create' ? undefined : request.auditHead, audit, {
      requestId: request.id,
      workspaceId: request.workspaceId,
    });
    if (entries.length + 1 > MAX_TRANSACTION_OPERATIONS) {
      throw new InvariantError(
        `Airlock request ${request.id}: at most ${MAX_TRANSACTION_OPERATIONS - 1} audit entries can be written with one change (got ${entries.length})`,
      );
    }
    const document: AirlockRequest = { ...request, auditHead: head };
    const json = serialize(document);
    const actions: TransactionAction[] = [
      mode === 'create' ? ['create', toEntity(document, json)] : ['update', toEntity(document, json), 'Replace', { etag: request.etag }],
      ...entries.map((entry): TransactionAction => ['create', toAuditEntity(entry)]),
    ];
    await this.ensureTable();
    let etag: string | undefined;
    try {
      const response = await this.table.submitTransaction(actions);
      // The SDK cuts the sub-response's `ETag:` header line at '\n', so a '\r' may remain.
      etag = response.subResponses[0]?.etag?.trim();
    } catch (error) {
      throw transactionFailure(mode, request, error);
    }
    return storedVersion(json, requireEtag(etag, request.id));
  }

  /** The request's audit entries, in RowKey order (= sequence order unless someone moved them). */
  async listAudit(workspaceId: string, requestId: string): Promise<AuditEntry[]> {
    const prefix = auditIdPrefixOf(requestId);
    await this.ensureTable();
    const entries: Array<{ rowKey: string; entry: AuditEntry }> = [];
    try {
      // Entry keys are the prefix and 8 digits, all below '~'.
      const filter = odata`PartitionKey eq ${workspaceId} and RowKey ge ${prefix} and RowKey lt ${`${prefix}~`}`;
      for await (const entity of this.table.listEntities<Record<string, unknown>>({ queryOptions: { filter } })) {
        entries.push({ rowKey: String(entity.rowKey), entry: fromAuditEntity(entity) });
      }
    } catch (error) {
      throw toStoreError(error);
    }
    return entries.sort((a, b) => compareValues(a.rowKey, b.rowKey)).map(({ entry }) => entry);
  }

  async list(workspaceId: string, query: ListQuery): Promise<RequestPage> {
    return this.queryPage([[odata`PartitionKey eq ${workspaceId}`, ...filterClauses(query)]], query);
  }

  async listAll(query: CrossWorkspaceQuery): Promise<RequestPage> {
    const clauses = filterClauses(query);
    if (query.workspaceIds === undefined) return this.queryPage([clauses], query);
    // A $filter may hold at most 15 comparisons, so many workspaces take several queries.
    const filters = chunk(query.workspaceIds, MAX_PARTITIONS_PER_QUERY).map((workspaceIds) => [
      `(${workspaceIds.map((id) => odata`PartitionKey eq ${id}`).join(' or ')})`,
      ...clauses,
    ]);
    return this.queryPage(filters, query);
  }

  async ping(): Promise<void> {
    try {
      await this.ensureTable();
      await this.table.listEntities({ queryOptions: { select: ['RowKey'] } }).byPage({ maxPageSize: 1 }).next();
    } catch (error) {
      // Whatever the cause (down, table missing, key refused), the store cannot serve requests.
      if (error instanceof DependencyError) throw error;
      throw new DependencyError(`request store unavailable: ${describeFailure(error)}`);
    }
  }

  /**
   * Table storage cannot order, so every match is read and sorted here; the token is the offset into
   * that order. Good for the hundreds of requests a workspace has, not for millions.
   * `filters` are alternatives (their matches are merged), each a list of clauses that must all hold.
   */
  private async queryPage(filters: string[][], query: ListQuery): Promise<RequestPage> {
    const offset = decodeContinuationToken(query.continuationToken);
    await this.ensureTable();
    const matches = (await Promise.all(filters.map((clauses) => this.readAll(clauses.join(' and '))))).flat();
    const sorted = matches.sort(compareBy(query.orderBy, query.orderAscending));
    const items = sorted.slice(offset, offset + query.pageSize);
    const next = offset + items.length;
    return next < sorted.length ? { items, continuationToken: encodeContinuationToken(next) } : { items };
  }

  private async readAll(filter: string): Promise<AirlockRequest[]> {
    const requests: AirlockRequest[] = [];
    try {
      const entities = this.table.listEntities<Record<string, unknown>>(filter ? { queryOptions: { filter } } : {});
      for await (const entity of entities) requests.push(fromEntity(entity));
    } catch (error) {
      throw toStoreError(error);
    }
    return requests;
  }
}

function filterClauses(query: ListQuery): string[] {
  const clauses: string[] = [EXCLUDE_AUDIT_ROWS];
  if (query.type !== undefined) clauses.push(odata`type eq ${query.type}`);
  if (query.status !== undefined) clauses.push(odata`status eq ${query.status}`);
  if (query.creatorUserId !== undefined) clauses.push(odata`createdById eq ${query.creatorUserId}`);
  return clauses;
}

function chunk<T>(values: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let start = 0; start < values.length; start += size) chunks.push(values.slice(start, start + size));
  return chunks;
}

// ---- entity <-> document ----

/** The JSON stored for a request: everything but `etag` (the entity's own etag is the version; a copy would go stale). */
function serialize(request: AirlockRequest): string {
  const body: Partial<AirlockRequest> = { ...request };
  delete body.etag;
  return JSON.stringify(body);
}

function toEntity(request: AirlockRequest, json: string): RequestEntity {
  return {
    partitionKey: request.workspaceId,
    rowKey: request.id,
    ...documentChunks(`Airlock request ${request.id}`, json),
    status: request.status,
    type: request.type,
    createdById: request.createdBy.id,
    // Int64 explicitly: the service would guess Int32 for an untyped integer, which ends in 2038.
    createdWhen: { type: 'Int64', value: String(request.createdWhen) },
    updatedWhen: { type: 'Int64', value: String(request.updatedWhen) },
    title: request.title,
  };
}

function toAuditEntity(entry: AuditEntry): RequestEntity {
  return {
    partitionKey: entry.workspaceId,
    rowKey: entry.id,
    ...documentChunks(`Audit entry ${entry.id}`, JSON.stringify(entry)),
    kind: 'audit',
    requestId: entry.requestId,
  };
}

/** The entry as its JSON says (the columns beside it are for browsing and not trusted). */
function fromAuditEntity(entity: TableEntityResult<Record<string, unknown>>): AuditEntry {
  try {
    return JSON.parse(joinDocumentChunks(entity)) as AuditEntry;
  } catch {
    throw new IntegrityError(`Stored audit entry ${entity.rowKey} in workspace ${entity.partitionKey} is not valid JSON`);
  }
}

/**
 * What a failed transaction means. The service names the failed operation in the message
 * (`<index>:<text>`; 0 = the request). Nothing of a failed transaction is written.
 */
function transactionFailure(mode: 'create' | 'replace', request: AirlockRequest, error: unknown): unknown {
  const status = statusOf(error);
  const indexMatch = error instanceof Error ? /^(\d+):/.exec(error.message) : null;
  const index = indexMatch ? Number(indexMatch[1]) : undefined;
  const onRequest = index === undefined || index === 0;
  if (mode === 'replace' && onRequest && (status === 412 || status === 404)) {
    return new ConflictError(`Airlock request ${request.id} was changed by someone else; reload and try again`);
  }
  if (mode === 'create' && onRequest && status === 409) return new ConflictError(`Airlock request ${request.id} already exists`);
  if (status === 409) {
    // An entry with the next number exists: the log has run ahead of the request's head. Retrying cannot help.
    return new IntegrityError(
      `Airlock request ${request.id}: its audit log already holds an entry the request's audit head (${JSON.stringify(request.auditHead ?? null)}) does not know; the log needs checking`,
    );
  }
  return toStoreError(error);
}

function fromEntity(entity: TableEntityResult<Record<string, unknown>>): AirlockRequest {
  const json = joinDocumentChunks(entity);
  const etag = requireEtag(entity.etag, String(entity.rowKey));
  try {
    return storedVersion(json, etag);
  } catch {
    throw new IntegrityError(`Stored airlock request ${entity.rowKey} in workspace ${entity.partitionKey} is not valid JSON`);
  }
}

/** What a write returns: the document as stored (so it equals a later `get`) with its new etag, read as this version reads documents. */
function storedVersion(json: string, etag: string): AirlockRequest {
  return upgradeStoredRequest({ ...(JSON.parse(json) as AirlockRequest), etag });
}

function requireEtag(etag: string | undefined, id: string): string {
  if (!etag) throw new DependencyError(`request store unavailable: the table returned request ${id} without an etag`);
  return etag;
}

// ---- ordering and paging ----

/** Ordinal comparison, as Cosmos orders strings; ties go by id so pages never overlap or skip. */
function compareBy(field: OrderByField, ascending: boolean): (a: AirlockRequest, b: AirlockRequest) => number {
  const direction = ascending ? 1 : -1;
  return (a, b) => direction * compareValues(a[field], b[field]) || compareValues(a.id, b.id);
}

function compareValues(a: string | number, b: string | number): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

function encodeContinuationToken(offset: number): string {
  return Buffer.from(JSON.stringify({ offset }), 'utf8').toString('base64url');
}

function decodeContinuationToken(token: string | undefined): number {
  if (token === undefined) return 0;
  // A token is the caller's to pass back unchanged: one that does not decode is a malformed query (422).
  const invalid = new RequestValidationError('continuationToken is not valid');
  if (!/^[A-Za-z0-9_-]+$/.test(token)) throw invalid;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw invalid;
  }
  const offset = (parsed as { offset?: unknown } | null)?.offset;
  if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0) throw invalid;
  return offset;
}
