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
 *
 * Lists are answered from index rows in the request's partition (tableRequestIndex.ts), written in
 * the same transaction as the request, so a page reads the rows it shows and not the whole store;
 * lists across workspaces merge the workspaces' index ranges (tableIndexPages.ts). Requests written
 * before the index get their rows once, at start-up (tableIndexBuild.ts).
 */
import { odata, TableClient, TableEntity, TableEntityResult, TransactionAction } from '@azure/data-tables';
import { AuditDraft, AuditEntry } from '../domain/audit';
import { AirlockRequest, upgradeStoredRequest } from '../domain/request';
import { ListQuery } from '../domain/schemas';
import { ConflictError, DependencyError, IntegrityError, InvariantError } from '../domain/errors';
import { assertAuditRange, AuditRange, CrossWorkspaceQuery, RequestPage, RequestStore } from './requestStore';
import { describeFailure, statusOf, toStoreError } from './storeErrors';
import { documentChunks, joinDocumentChunks, onceUntilFailure, tableClientFromConnectionString, tableCreator } from './tableDocuments';
import { assertNotAuditEntryId, auditEntryId, auditIdPrefixOf, chainEntries, isAuditEntryId } from './auditChain';
import { ensureIndexBuilt } from './tableIndexBuild';
import { IndexHit, mapWithConcurrency, READ_CONCURRENCY, readIndexRows } from './tableIndexPages';
import {
  assertOutsideReservedKeys,
  decodeContinuationToken,
  encodeContinuationToken,
  filterColumns,
  indexChanges,
  indexRange,
  indexRowEntity,
  IndexState,
  indexStateOf,
  matchesFilters,
  META_PARTITION,
  parseIndexState,
  REQUEST_ROWS_FILTER,
  RESERVED_KEY_PREFIX,
  WORKSPACE_ROWS,
  workspaceOfRowKey,
  workspaceRowKey,
} from './tableRequestIndex';

/**
 * A page holding at least this many requests of a workspace, and all of them, reads them with one
 * query of its request rows instead of a point read each. Below it the point reads cost a few
 * milliseconds more, and a page costs the same whether the workspace holds 10 requests or 10,000.
 */
const MIN_ROWS_FOR_ONE_QUERY = 16;

/** An entity-group transaction holds at most 100 operations: the request and 99 entries. */
const MAX_TRANSACTION_OPERATIONS = 100;

/**
 * Index states of request versions this process read or wrote, so that a replace knows the rows
 * to swap without reading them first. Keyed by request, valid only for the etag it names.
 */
const REMEMBERED_INDEX_STATES = 2000;

/** The entity as written: keys, the document in chunks, and the filter columns. */
type RequestEntity = TableEntity<Record<string, unknown>>;

/** Where the table is: a connection string (account key or Azurite) and the table's name, or a ready client. */
export type TableRequestStoreOptions = { connectionString: string; table: string } | { tableClient: TableClient };

export class TableRequestStore implements RequestStore {
  private readonly table: TableClient;
  private readonly indexStates = new Map<string, { etag: string; state: IndexState | undefined }>();
  /** Workspaces this process knows to be in the directory (META_PARTITION). */
  private readonly listedWorkspaces = new Set<string>();

  constructor(options: TableRequestStoreOptions) {
    this.table = 'tableClient' in options ? options.tableClient : tableClientFromConnectionString(options.connectionString, options.table);
    this.ensureTable = tableCreator(this.table, toStoreError);
    this.ensureIndex = onceUntilFailure(async () => {
      await this.ensureTable();
      const build = await ensureIndexBuilt(this.table, fromEntity);
      for (const workspaceId of build.workspaceIds) this.listedWorkspaces.add(workspaceId);
    });
  }

  /**
   * Builds the store, creates the table and gives requests written before the list index their
   * index rows now, so a bad connection string fails at start-up and no list waits for the build.
   */
  static async connect(options: { connectionString: string; tableName: string }): Promise<TableRequestStore> {
    const store = new TableRequestStore({ connectionString: options.connectionString, table: options.tableName });
    await store.ensureIndex();
    return store;
  }

  /** Creates the table and builds the list index when missing (tableIndexBuild.ts), once per process; lists call it. */
  readonly ensureIndex: () => Promise<void>;

  /** Creates the table when it is missing (see tableCreator); call it to fail fast at start-up. */
  readonly ensureTable: () => Promise<void>;

  async create(request: AirlockRequest, audit?: AuditDraft[]): Promise<AirlockRequest> {
    assertNotAuditEntryId(request.id);
    assertOutsideReservedKeys(request);
    return this.write('create', request, audit ?? []);
  }

  async get(workspaceId: string, id: string): Promise<AirlockRequest | undefined> {
    if (isAuditEntryId(id) || id.startsWith(RESERVED_KEY_PREFIX)) return undefined;
    await this.ensureTable();
    try {
      return this.readRequest(await this.table.getEntity<Record<string, unknown>>(workspaceId, id));
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw toStoreError(error);
    }
  }

  async getById(id: string): Promise<AirlockRequest | undefined> {
    if (isAuditEntryId(id) || id.startsWith(RESERVED_KEY_PREFIX)) return undefined;
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
    assertOutsideReservedKeys(request);
    return this.write('replace', request, audit ?? []);
  }

  /**
   * Writes the request, the index rows it changes and its new audit entries in one entity-group
   * transaction (one operation when only the request changes). The entries are chained from
   * `request.auditHead`, which came from the read the etag names, so it is the stored head whenever
   * the transaction can succeed; likewise the index rows replaced are those of the version the etag
   * names, so a transaction refused for its etag leaves every index row as it was.
   */
  private async write(mode: 'create' | 'replace', request: AirlockRequest, audit: AuditDraft[]): Promise<AirlockRequest> {
    const chained =
      audit.length > 0
        ? chainEntries(mode === 'create' ? undefined : request.auditHead, audit, { requestId: request.id, workspaceId: request.workspaceId })
        : { entries: [], head: request.auditHead };
    const { entries } = chained;
    if (entries.length + 1 > MAX_TRANSACTION_OPERATIONS) {
      throw new InvariantError(
        `Airlock request ${request.id}: at most ${MAX_TRANSACTION_OPERATIONS - 1} audit entries can be written with one change (got ${entries.length})`,
      );
    }
    const document: AirlockRequest = audit.length > 0 ? { ...request, auditHead: chained.head } : request;
    const json = serialize(document);
    const state = indexStateOf(document);
    const entity: RequestEntity = { ...toEntity(document, json), indexedAs: JSON.stringify(state) };
    await this.ensureTable();
    const { deletes, writes } = indexChanges(mode === 'create' ? undefined : await this.indexStateAt(request), state);
    const indexOperations = deletes.length + writes.length;
    if (entries.length + indexOperations + 1 > MAX_TRANSACTION_OPERATIONS) {
      throw new InvariantError(
        `Airlock request ${request.id}: this change also rewrites ${indexOperations} list index rows, so at most ${MAX_TRANSACTION_OPERATIONS - 1 - indexOperations} audit entries can be written with it (got ${entries.length})`,
      );
    }
    if (mode === 'create') await this.ensureWorkspaceListed(request.workspaceId);

    const operations: WriteOperation[] = [
      { kind: 'request', action: mode === 'create' ? ['create', entity] : ['update', entity, 'Replace', { etag: request.etag }] },
      ...deletes.map((rowKey): WriteOperation => ({ kind: 'index delete', rowKey, action: ['delete', { partitionKey: request.workspaceId, rowKey }] })),
      ...writes.map(
        (rowKey): WriteOperation => ({ kind: 'index write', rowKey, action: ['upsert', indexRowEntity(request.workspaceId, request.id, rowKey, state), 'Replace'] }),
      ),
      ...entries.map((entry): WriteOperation => ({ kind: 'audit', rowKey: entry.id, action: ['create', toAuditEntity(entry)] })),
    ];
    const etag = operations.length === 1 ? await this.writeAlone(request, entity) : await this.writeTogether(mode, request, operations);
    this.rememberIndexState(request.workspaceId, request.id, etag, state);
    return storedVersion(json, etag);
  }

  /** A replace that changes no index row and writes no entry: the request alone, conditional on its etag. */
  private async writeAlone(request: AirlockRequest, entity: RequestEntity): Promise<string> {
    try {
      const { etag } = await this.table.updateEntity(entity, 'Replace', { etag: request.etag });
      return requireEtag(etag, request.id);
    } catch (error) {
      // 404: the request vanished since it was read, which is a change by someone else too.
      const status = statusOf(error);
      if (status === 412 || status === 404) throw changedBySomeoneElse(request.id);
      throw toStoreError(error);
    }
  }

  private async writeTogether(mode: 'create' | 'replace', request: AirlockRequest, operations: WriteOperation[]): Promise<string> {
    let etag: string | undefined;
    try {
      const response = await this.table.submitTransaction(operations.map((operation) => operation.action));
      // The SDK cuts the sub-response's `ETag:` header line at '\n', so a '\r' may remain.
      etag = response.subResponses[0]?.etag?.trim();
    } catch (error) {
      throw transactionFailure(mode, request, operations, error);
    }
    return requireEtag(etag, request.id);
  }

  /**
   * The index state of the version `request.etag` names, as remembered from this process's reads
   * and writes, or else read (the `indexedAs` column only). Should the stored version be another,
   * the transaction's etag condition refuses the write, so a state read here is never misapplied.
   */
  private async indexStateAt(request: AirlockRequest): Promise<IndexState | undefined> {
    const remembered = this.indexStates.get(indexStateKey(request.workspaceId, request.id));
    if (remembered && remembered.etag === request.etag) return remembered.state;
    try {
      const stored = await this.table.getEntity<Record<string, unknown>>(request.workspaceId, request.id, { queryOptions: { select: ['indexedAs'] } });
      return parseIndexState({ ...stored, partitionKey: request.workspaceId, rowKey: request.id });
    } catch (error) {
      if (statusOf(error) === 404) throw changedBySomeoneElse(request.id);
      throw toStoreError(error);
    }
  }

  private rememberIndexState(workspaceId: string, id: string, etag: string, state: IndexState | undefined): void {
    const key = indexStateKey(workspaceId, id);
    // Re-inserted, so the Map's order is least recently used first.
    this.indexStates.delete(key);
    this.indexStates.set(key, { etag, state });
    if (this.indexStates.size > REMEMBERED_INDEX_STATES) this.indexStates.delete(this.indexStates.keys().next().value!);
  }

  /**
   * Enters the workspace in the directory that lists across all workspaces read, before its first
   * request is written: a crash in between leaves an entry with no requests, which lists nothing.
   */
  private async ensureWorkspaceListed(workspaceId: string): Promise<void> {
    if (this.listedWorkspaces.has(workspaceId)) return;
    try {
      await this.table.upsertEntity({ partitionKey: META_PARTITION, rowKey: workspaceRowKey(workspaceId) }, 'Merge');
    } catch (error) {
      throw toStoreError(error);
    }
    this.listedWorkspaces.add(workspaceId);
  }

  /** A request entity read from the table, its index state remembered for the next replace. */
  private readRequest(entity: TableEntityResult<Record<string, unknown>>): AirlockRequest {
    const request = fromEntity(entity);
    let state: IndexState | undefined;
    try {
      state = parseIndexState(entity);
    } catch {
      // The document reads fine; a replace reads the record again and says what is wrong with it.
      this.indexStates.delete(indexStateKey(String(entity.partitionKey), String(entity.rowKey)));
      return request;
    }
    this.rememberIndexState(String(entity.partitionKey), String(entity.rowKey), request.etag!, state);
    return request;
  }

  /**
   * The request's audit entries, in RowKey order (= sequence order unless someone moved them). A
   * range is a RowKey range: the zero-padded keys sort as their sequence numbers do.
   */
  async listAudit(workspaceId: string, requestId: string, range: AuditRange = {}): Promise<AuditEntry[]> {
    const prefix = auditIdPrefixOf(requestId);
    assertAuditRange(range);
    await this.ensureTable();
    const entries: Array<{ rowKey: string; entry: AuditEntry }> = [];
    try {
      // Entry keys are the prefix and 8 digits, all below '~'.
      const from = range.afterSeq === undefined ? odata`RowKey ge ${prefix}` : odata`RowKey gt ${auditEntryId(requestId, range.afterSeq)}`;
      const through = range.throughSeq === undefined ? odata`RowKey lt ${`${prefix}~`}` : odata`RowKey le ${auditEntryId(requestId, range.throughSeq)}`;
      const filter = `${odata`PartitionKey eq ${workspaceId}`} and ${from} and ${through}`;
      for await (const entity of this.table.listEntities<Record<string, unknown>>({ queryOptions: { filter } })) {
        entries.push({ rowKey: String(entity.rowKey), entry: fromAuditEntity(entity) });
      }
    } catch (error) {
      throw toStoreError(error);
    }
    return entries.sort((a, b) => compareValues(a.rowKey, b.rowKey)).map(({ entry }) => entry);
  }

  async list(workspaceId: string, query: ListQuery): Promise<RequestPage> {
    return this.pageFromIndex(async () => [workspaceId], query);
  }

  async listAll(query: CrossWorkspaceQuery): Promise<RequestPage> {
    const { workspaceIds } = query;
    return this.pageFromIndex(async () => (workspaceIds === undefined ? this.workspacesInDirectory() : [...new Set(workspaceIds)]), query);
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
   * A page read from the index: the page's index rows and one more (which says whether another page
   * follows), merged across the workspaces, then the page's requests. What is read grows with the
   * page size (and the number of workspaces), not with the store. A request changed between its
   * index row and its read is shown as read, where its row placed it, and left out when it no longer
   * matches the filters; so a page may hold fewer than the page size.
   */
  private async pageFromIndex(workspacesOf: () => Promise<string[]>, query: ListQuery): Promise<RequestPage> {
    const after = decodeContinuationToken(query.continuationToken, query);
    const range = indexRange(query.orderBy, query.orderAscending);
    await this.ensureIndex();
    try {
      const index = await readIndexRows(this.table, await workspacesOf(), range, query, after, query.pageSize + 1);
      const pageRows = index.rows.slice(0, query.pageSize);
      // A first unfiltered page that holds a whole workspace (the portal and the CLI ask for up to
      // 1000 at once) reads that workspace's requests in one query rather than one read each; its
      // partition is then no bigger than a page's requests with their entries and index rows.
      const whole = after === undefined && filterColumns(query).length === 0 ? index.endedWithin(query.pageSize) : new Set<string>();
      const read = await this.requestsOf(pageRows, whole);
      const items = pageRows.map((row) => read.get(indexHitKey(row))!).filter((request) => matchesFilters(request, query));
      const last = pageRows[pageRows.length - 1];
      return index.rows.length > pageRows.length ? { items, continuationToken: encodeContinuationToken(query, last) } : { items };
    } catch (error) {
      throw toStoreError(error);
    }
  }

  /** The requests the rows name: a workspace in `whole` by one query of its request rows, the rest by point reads. */
  private async requestsOf(rows: IndexHit[], whole: Set<string>): Promise<Map<string, AirlockRequest>> {
    const read = new Map<string, AirlockRequest>();
    const rowsPerWorkspace = new Map<string, number>();
    for (const row of rows) rowsPerWorkspace.set(row.workspaceId, (rowsPerWorkspace.get(row.workspaceId) ?? 0) + 1);
    const workspacesRead = [...rowsPerWorkspace].filter(([workspaceId, count]) => whole.has(workspaceId) && count >= MIN_ROWS_FOR_ONE_QUERY).map(([workspaceId]) => workspaceId);
    await mapWithConcurrency(workspacesRead, READ_CONCURRENCY, async (workspaceId) => {
      for (const request of await this.readAll(`${odata`PartitionKey eq ${workspaceId}`} and ${REQUEST_ROWS_FILTER}`)) {
        read.set(indexHitKey({ workspaceId, requestId: request.id }), request);
      }
    });
    // Also those the query missed: written after the index was read, or by a writer that left no row.
    const missing = rows.filter((row) => !read.has(indexHitKey(row)));
    await mapWithConcurrency(missing, READ_CONCURRENCY, async (row) => {
      read.set(indexHitKey(row), await this.readIndexedRequest(row.workspaceId, row.requestId, row.rowKey));
    });
    return read;
  }

  private async readIndexedRequest(workspaceId: string, id: string, indexRowKey: string): Promise<AirlockRequest> {
    try {
      return this.readRequest(await this.table.getEntity<Record<string, unknown>>(workspaceId, id));
    } catch (error) {
      // Index rows are written and deleted with their request, so this one has lost it.
      if (statusOf(error) === 404) throw new IntegrityError(`List index row ${indexRowKey} in workspace ${workspaceId} names request ${id}, which is not stored`);
      throw error;
    }
  }

  /** Every workspace that ever held a request (the directory in META_PARTITION). */
  private async workspacesInDirectory(): Promise<string[]> {
    const filter = `${odata`PartitionKey eq ${META_PARTITION}`} and ${odata`RowKey ge ${WORKSPACE_ROWS.from}`} and ${odata`RowKey lt ${WORKSPACE_ROWS.to}`}`;
    const workspaceIds: string[] = [];
    for await (const entity of this.table.listEntities({ queryOptions: { filter, select: ['partitionKey', 'rowKey'] } })) {
      workspaceIds.push(workspaceOfRowKey(String(entity.rowKey)));
    }
    return workspaceIds;
  }

  private async readAll(filter: string): Promise<AirlockRequest[]> {
    const requests: AirlockRequest[] = [];
    try {
      const entities = this.table.listEntities<Record<string, unknown>>(filter ? { queryOptions: { filter } } : {});
      for await (const entity of entities) requests.push(this.readRequest(entity));
    } catch (error) {
      throw toStoreError(error);
    }
    return requests;
  }
}

function indexHitKey(row: Pick<IndexHit, 'workspaceId' | 'requestId'>): string {
  return `${row.workspaceId}\n${row.requestId}`;
}

/** One operation of a write's transaction, with what it writes, so a failure can be told by its index. */
interface WriteOperation {
  kind: 'request' | 'index delete' | 'index write' | 'audit';
  rowKey?: string;
  action: TransactionAction;
}

function indexStateKey(workspaceId: string, id: string): string {
  return `${workspaceId}\n${id}`;
}

function changedBySomeoneElse(id: string): ConflictError {
  return new ConflictError(`Airlock request ${id} was changed by someone else; reload and try again`);
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
function transactionFailure(mode: 'create' | 'replace', request: AirlockRequest, operations: WriteOperation[], error: unknown): unknown {
  const status = statusOf(error);
  const indexMatch = error instanceof Error ? /^(\d+):/.exec(error.message) : null;
  const index = indexMatch ? Number(indexMatch[1]) : undefined;
  const onRequest = index === undefined || index === 0;
  if (mode === 'replace' && onRequest && (status === 412 || status === 404)) return changedBySomeoneElse(request.id);
  if (mode === 'create' && onRequest && status === 409) return new ConflictError(`Airlock request ${request.id} already exists`);
  const failed = index === undefined ? undefined : operations[index];
  if (failed?.kind === 'index delete' && status === 404) {
    // The version the etag names has no such row: the index lost it. Deleting the build marker rebuilds it.
    return new IntegrityError(
      `Airlock request ${request.id} in workspace ${request.workspaceId}: its list index row ${failed.rowKey} is missing; the index needs rebuilding (docs/local-stand-ins.md)`,
    );
  }
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

/** Ordinal comparison, as the table orders keys. */
function compareValues(a: string | number, b: string | number): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}
