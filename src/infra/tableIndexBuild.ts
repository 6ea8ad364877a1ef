/**
 * Builds the list index (tableRequestIndex.ts) where it is missing or wrong: a data directory from an
 * earlier version has request rows but no index rows, no `indexedAs` record and no workspace
 * directory; one written to by such a version after a build has rows that no longer fit. Run at
 * start-up until a marker row says a build finished; the marker is written last, so a build cut short
 * (a crash, a kill) runs again at the next start-up. Deleting the marker makes the next start-up
 * check every request again.
 *
 * The build reads the index rows once, then the request rows, and makes each request's rows what its
 * document says: the request's `indexedAs` (a Merge, conditional on the etag the build read, that
 * leaves its document alone), the rows it lacks and the deletes of rows it should not have, in one
 * entity-group transaction shared with other requests of its partition while they fit. So a request
 * is indexed fully or not at all, and a request changed meanwhile by a writer that keeps the index
 * fails the transaction; its requests are then done one by one, that one read again, never indexed
 * from a stale read. Requests whose rows are right are left alone, which makes a second run cheap.
 * Rows whose request does not exist are deleted.
 */
import { odata, TableClient, TableEntityResult, TransactionAction } from '@azure/data-tables';
import { AirlockRequest } from '../domain/request';
import { InvariantError } from '../domain/errors';
import { statusOf, toStoreError } from './storeErrors';
import { mapWithConcurrency } from './tableIndexPages';
import {
  INDEX_BUILT_MARKER,
  INDEX_ROWS,
  INDEX_VERSION,
  indexRowEntity,
  IndexState,
  indexStateOf,
  META_PARTITION,
  parseIndexState,
  REQUEST_ROWS_FILTER,
  workspaceRowKey,
} from './tableRequestIndex';

type StoredEntity = TableEntityResult<Record<string, unknown>>;

export interface IndexBuildResult {
  /** False when the marker said an earlier run finished. */
  ran: boolean;
  /** Requests whose rows this run wrote. */
  indexed: number;
  /** Index rows deleted because their request does not exist. */
  orphansDeleted: number;
  /** Workspaces entered in the directory (all that hold requests). */
  workspaceIds: string[];
}

/** Transactions in flight at once: Azurite's durable saves are shared by writes that finish together. */
const BUILD_CONCURRENCY = 8;
/** Requests read before their transactions are sent, so a large table is never held in memory whole. */
const BUILD_SLICE = 200;
/** A request that keeps changing under the build is read again this many times before giving up. */
const MAX_ATTEMPTS = 5;
const MAX_TRANSACTION_OPERATIONS = 100;

/** The columns of an index row the build compares. */
const INDEX_ROW_COLUMNS = ['partitionKey', 'rowKey', 'requestId', 'status', 'type', 'createdById'];

/**
 * Builds what is missing unless the marker says it is done. `requestOf` reads a request entity as
 * the store does (so corrupt JSON is the store's IntegrityError, naming the request).
 */
export async function ensureIndexBuilt(table: TableClient, requestOf: (entity: StoredEntity) => AirlockRequest): Promise<IndexBuildResult> {
  try {
    if (await markerPresent(table)) return { ran: false, indexed: 0, orphansDeleted: 0, workspaceIds: [] };
    const rowsByRequest = await readIndexRows(table, `${odata`RowKey ge ${INDEX_ROWS.from}`} and ${odata`RowKey lt ${INDEX_ROWS.to}`}`);
    const workspaceIds = new Set<string>();
    let indexed = 0;
    let waiting: Repair[] = [];
    const indexWaiting = async () => {
      const outcomes = await mapWithConcurrency(packed(waiting), BUILD_CONCURRENCY, (repairs) => writeRepairs(table, repairs, requestOf));
      indexed += outcomes.reduce((sum, count) => sum + count, 0);
      waiting = [];
    };
    for await (const entity of table.listEntities<Record<string, unknown>>({ queryOptions: { filter: REQUEST_ROWS_FILTER } })) {
      workspaceIds.add(String(entity.partitionKey));
      const rows = rowsByRequest.get(requestKey(entity)) ?? [];
      rowsByRequest.delete(requestKey(entity));
      // Read now, so a corrupt request stops the build with the store's own error for it.
      const request = requestOf(entity);
      if (!rowsAreRight(entity, request, rows)) waiting.push(repairOf(entity, request, rows));
      if (waiting.length >= BUILD_SLICE) await indexWaiting();
    }
    await indexWaiting();
    // What is left names no stored request (rows are written with their request, so none can be on its way).
    const orphans = [...rowsByRequest.values()].flat();
    await deleteRows(table, orphans);
    await mapWithConcurrency([...workspaceIds], BUILD_CONCURRENCY, (workspaceId) =>
      table.upsertEntity({ partitionKey: META_PARTITION, rowKey: workspaceRowKey(workspaceId) }, 'Merge'),
    );
    await table.upsertEntity({ partitionKey: META_PARTITION, rowKey: INDEX_BUILT_MARKER, version: INDEX_VERSION }, 'Replace');
    return { ran: true, indexed, orphansDeleted: orphans.length, workspaceIds: [...workspaceIds] };
  } catch (error) {
    throw toStoreError(error);
  }
}

async function markerPresent(table: TableClient): Promise<boolean> {
  try {
    const marker = await table.getEntity<Record<string, unknown>>(META_PARTITION, INDEX_BUILT_MARKER);
    return marker.version === INDEX_VERSION;
  } catch (error) {
    if (statusOf(error) === 404) return false;
    throw error;
  }
}

function requestKey(entity: { partitionKey?: unknown; rowKey?: unknown }): string {
  return `${String(entity.partitionKey)}\n${String(entity.rowKey)}`;
}

/** Index rows by the request they name (workspace and request id). */
async function readIndexRows(table: TableClient, filter: string): Promise<Map<string, StoredEntity[]>> {
  const rowsByRequest = new Map<string, StoredEntity[]>();
  for await (const row of table.listEntities<Record<string, unknown>>({ queryOptions: { filter, select: INDEX_ROW_COLUMNS } })) {
    const key = requestKey({ partitionKey: row.partitionKey, rowKey: row.requestId });
    rowsByRequest.set(key, [...(rowsByRequest.get(key) ?? []), row]);
  }
  return rowsByRequest;
}

/** Whether the request's record and rows are exactly what its document says. */
function rowsAreRight(entity: StoredEntity, request: AirlockRequest, rows: StoredEntity[]): boolean {
  const expected = indexStateOf(request);
  let recorded: IndexState | undefined;
  try {
    recorded = parseIndexState(entity);
  } catch {
    // A malformed record is rewritten.
    return false;
  }
  if (JSON.stringify(recorded) !== JSON.stringify(expected)) return false;
  if (rows.length !== expected.keys.length) return false;
  const keys = new Set(expected.keys);
  return rows.every(
    (row) => keys.has(String(row.rowKey)) && row.status === expected.status && row.type === expected.type && row.createdById === expected.createdById,
  );
}

/** What puts one request's rows right: its transaction's actions, and strays too many to go with them. */
interface Repair {
  entity: StoredEntity;
  actions: TransactionAction[];
  overflow: StoredEntity[];
}

function repairOf(entity: StoredEntity, request: AirlockRequest, rows: StoredEntity[]): Repair {
  const state = indexStateOf(request);
  const wanted = new Set(state.keys);
  const strays = rows.filter((row) => !wanted.has(String(row.rowKey)));
  const indexActions = state.keys.map((key): TransactionAction => ['upsert', indexRowEntity(request.workspaceId, request.id, key, state), 'Replace']);
  const inTransaction = MAX_TRANSACTION_OPERATIONS - 1 - indexActions.length;
  return {
    entity,
    actions: [
      ['update', { partitionKey: request.workspaceId, rowKey: request.id, indexedAs: JSON.stringify(state) }, 'Merge', { etag: entity.etag }],
      ...strays.slice(0, inTransaction).map((row): TransactionAction => ['delete', { partitionKey: request.workspaceId, rowKey: String(row.rowKey) }]),
      ...indexActions,
    ],
    overflow: strays.slice(inTransaction),
  };
}

/**
 * Repairs of one partition share a transaction while they fit (about 9 requests), so an old data
 * directory costs a ninth of the transactions, and of Azurite's durable saves.
 */
function packed(repairs: Repair[]): Repair[][] {
  const groups: Repair[][] = [];
  const open = new Map<string, { repairs: Repair[]; operations: number }>();
  for (const repair of repairs) {
    const partitionKey = String(repair.entity.partitionKey);
    const group = open.get(partitionKey);
    if (repair.overflow.length === 0 && group && group.operations + repair.actions.length <= MAX_TRANSACTION_OPERATIONS) {
      group.repairs.push(repair);
      group.operations += repair.actions.length;
      continue;
    }
    const fresh = { repairs: [repair], operations: repair.actions.length };
    groups.push(fresh.repairs);
    if (repair.overflow.length === 0) open.set(partitionKey, fresh);
  }
  return groups;
}

/** How many requests got their rows: together when nothing changed under the build, else one by one. */
async function writeRepairs(table: TableClient, repairs: Repair[], requestOf: (entity: StoredEntity) => AirlockRequest): Promise<number> {
  if (repairs.length === 1) return (await makeRowsRight(table, repairs[0], requestOf)) ? 1 : 0;
  try {
    await table.submitTransaction(repairs.flatMap((repair) => repair.actions));
    return repairs.length;
  } catch (error) {
    const status = statusOf(error);
    if (status !== 412 && status !== 404) throw error;
  }
  let written = 0;
  for (const repair of repairs) if (await makeRowsRight(table, repair, requestOf)) written++;
  return written;
}

/** True when this call wrote the request's rows; false when it was gone or its rows were already right. */
async function makeRowsRight(table: TableClient, firstRepair: Repair, requestOf: (entity: StoredEntity) => AirlockRequest): Promise<boolean> {
  const first = firstRepair.entity;
  let repair = firstRepair;
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    // Strays beyond what one transaction holds go first, on their own: they are garbage either way.
    await deleteRows(table, repair.overflow);
    try {
      await table.submitTransaction(repair.actions);
      return true;
    } catch (error) {
      // 412: the request (or a stray row) changed since it was read; 404: something read is gone.
      const status = statusOf(error);
      if (status !== 412 && status !== 404) throw error;
    }
    let entity: StoredEntity;
    try {
      entity = await table.getEntity<Record<string, unknown>>(String(first.partitionKey), String(first.rowKey));
    } catch (error) {
      if (statusOf(error) === 404) return false;
      throw error;
    }
    const filter = `${odata`PartitionKey eq ${String(first.partitionKey)}`} and ${odata`RowKey ge ${INDEX_ROWS.from}`} and ${odata`RowKey lt ${INDEX_ROWS.to}`} and ${odata`requestId eq ${String(first.rowKey)}`}`;
    const rows = (await readIndexRows(table, filter)).get(requestKey(first)) ?? [];
    const request = requestOf(entity);
    if (rowsAreRight(entity, request, rows)) return false;
    repair = repairOf(entity, request, rows);
  }
  throw new InvariantError(`Airlock request ${String(first.rowKey)} in workspace ${String(first.partitionKey)} kept changing while the list index was built`);
}

/** Deletes rows, up to 100 per partition in a transaction (deletes in a transaction carry no etag). */
async function deleteRows(table: TableClient, rows: StoredEntity[]): Promise<void> {
  const byPartition = new Map<string, StoredEntity[]>();
  for (const row of rows) byPartition.set(String(row.partitionKey), [...(byPartition.get(String(row.partitionKey)) ?? []), row]);
  const transactions: TransactionAction[][] = [];
  for (const [partitionKey, partitionRows] of byPartition) {
    for (let start = 0; start < partitionRows.length; start += MAX_TRANSACTION_OPERATIONS) {
      transactions.push(
        partitionRows
          .slice(start, start + MAX_TRANSACTION_OPERATIONS)
          .map((row): TransactionAction => ['delete', { partitionKey, rowKey: String(row.rowKey) }]),
      );
    }
  }
  await mapWithConcurrency(transactions, BUILD_CONCURRENCY, async (actions) => {
    try {
      await table.submitTransaction(actions);
    } catch (error) {
      // One row went meanwhile: delete the others one by one.
      if (statusOf(error) !== 404) throw error;
      for (const [, entity] of actions) {
        try {
          await table.deleteEntity(entity.partitionKey!, entity.rowKey!);
        } catch (rowError) {
          if (statusOf(rowError) !== 404) throw rowError;
        }
      }
    }
  });
}
