/**
 * The Table request store's list index on embedded Azurite: every write keeps the index rows in step
 * with the request in the same transaction, a refused write changes none, the start-up build gives
 * requests written before the index their rows (once, and again after a crash until it finishes),
 * and a list page reads the rows it shows rather than the store (counted on an instrumented client).
 * The ordering, filtering and paging a caller sees are in requestStore.contract.test.ts.
 */
import { randomUUID } from 'node:crypto';
import { TableClient, TableEntityResult, TransactionAction } from '@azure/data-tables';
import { AuditDraft } from '../../src/domain/audit';
import { ConflictError, IntegrityError, InvariantError } from '../../src/domain/errors';
import { AirlockRequest, newDraftRequest, withStatus } from '../../src/domain/request';
import { UserRef } from '../../src/domain/roles';
import { ListQuery, ORDER_BY_FIELDS, OrderByField } from '../../src/domain/schemas';
import { RequestStatus } from '../../src/domain/status';
import { auditEntryId, chainEntries } from '../../src/infra/auditChain';
import { RequestPage } from '../../src/infra/requestStore';
import { documentChunks } from '../../src/infra/tableDocuments';
import { indexRange, INDEX_BUILT_MARKER, META_PARTITION } from '../../src/infra/tableRequestIndex';
import { TableRequestStore } from '../../src/infra/tableRequestStore';
import { newAccountKey, RunningAzurite, startAzurite } from '../../src/local/azurite';

const ACCOUNT = 'tableindex';
const T = 1_780_000_000;
const alice: UserRef = { id: 'user-alice', name: 'Alice Researcher' };
const bob: UserRef = { id: 'user-bob', name: 'Bob Researcher' };
const manager: UserRef = { id: 'user-manager', name: 'Mia Manager' };

let azurite: RunningAzurite;

beforeAll(async () => {
  azurite = await startAzurite({ accounts: { [ACCOUNT]: newAccountKey() } });
});

afterAll(async () => {
  await azurite?.close();
});

// ---- an instrumented table client ----

type Entity = TableEntityResult<Record<string, unknown>>;

/** What the store asked of the table: entities its queries returned, point reads and transactions. */
interface TableUse {
  queries: Array<{ filter: string; entities: Entity[] }>;
  pointReads: Array<{ partitionKey: string; rowKey: string }>;
  transactions: TransactionAction[][];
}

interface Hooks {
  /** Runs after a query page came back and before the store sees it. */
  afterQueryPage?: (filter: string) => Promise<void>;
  /** Runs before a transaction is sent; may throw to stand for a crash before it reached the service. */
  beforeTransaction?: (actions: TransactionAction[]) => Promise<void>;
}

/** A real TableClient, watched: the store under test cannot tell it from the one it would build itself. */
function watchedClient(table: TableClient, hooks: Hooks = {}): { client: TableClient; use: TableUse; reset(): void; settled(): Promise<void> } {
  const use: TableUse = { queries: [], pointReads: [], transactions: [] };
  const inFlight = new Set<Promise<unknown>>();
  const record = (filter: string, entities: Entity[]) => {
    use.queries.push({ filter, entities: [...entities] });
  };
  const client = new Proxy(table, {
    get(target, property, receiver) {
      if (property === 'listEntities') {
        return (options: { queryOptions?: { filter?: string } } = {}) => {
          const filter = options.queryOptions?.filter ?? '';
          const listing = target.listEntities<Record<string, unknown>>(options);
          return {
            async *[Symbol.asyncIterator]() {
              for await (const page of listing.byPage()) {
                record(filter, page);
                await hooks.afterQueryPage?.(filter);
                yield* page;
              }
            },
            byPage(settings?: { maxPageSize?: number; continuationToken?: string }) {
              const pages = listing.byPage(settings);
              return {
                async next() {
                  const result = await pages.next();
                  if (!result.done) {
                    record(filter, result.value);
                    await hooks.afterQueryPage?.(filter);
                  }
                  return result;
                },
                [Symbol.asyncIterator]() {
                  return this;
                },
              };
            },
          };
        };
      }
      if (property === 'getEntity') {
        return (partitionKey: string, rowKey: string, options?: unknown) => {
          use.pointReads.push({ partitionKey, rowKey });
          return target.getEntity(partitionKey, rowKey, options as never);
        };
      }
      if (property === 'submitTransaction') {
        return (actions: TransactionAction[]) => {
          use.transactions.push(actions);
          const sent = (async () => {
            await hooks.beforeTransaction?.(actions);
            return target.submitTransaction(actions);
          })();
          inFlight.add(sent);
          void sent.catch(() => undefined).finally(() => inFlight.delete(sent));
          return sent;
        };
      }
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return {
    client,
    use,
    reset() {
      use.queries.length = 0;
      use.pointReads.length = 0;
      use.transactions.length = 0;
    },
    /** Waits for transactions still on their way (a failed build may leave some behind it). */
    async settled() {
      await Promise.allSettled([...inFlight]);
    },
  };
}

// ---- fixtures ----

function rawTable(name: string): TableClient {
  return TableClient.fromConnectionString(azurite.connectionString(ACCOUNT), name, { allowInsecureConnection: true });
}

function freshTableName(): string {
  return `index${randomUUID().replace(/-/g, '').slice(0, 20)}`;
}

async function freshStore(): Promise<{ store: TableRequestStore; table: TableClient; name: string }> {
  const name = freshTableName();
  return { store: await TableRequestStore.connect({ connectionString: azurite.connectionString(ACCOUNT), tableName: name }), table: rawTable(name), name };
}

function draft(workspaceId: string, options: { title?: string; creator?: UserRef; now?: number; type?: 'import' | 'export' } = {}): AirlockRequest {
  return newDraftRequest({
    id: randomUUID(),
    workspaceId,
    type: options.type ?? 'import',
    title: options.title ?? 'Survey results',
    businessJustification: 'Needed for the analysis in the approved protocol',
    creator: options.creator ?? alice,
    now: options.now ?? T,
  });
}

const audited = (action: string): AuditDraft => ({ action, actor: alice, time: T });

async function entitiesIn(table: TableClient, filter: string): Promise<Entity[]> {
  const entities: Entity[] = [];
  for await (const entity of table.listEntities<Record<string, unknown>>({ queryOptions: { filter } })) entities.push(entity);
  return entities;
}

/** Every index row of the table (any request, any order), as stored. */
async function indexRows(table: TableClient, requestId?: string): Promise<Entity[]> {
  const rows = await entitiesIn(table, "RowKey ge '~index.v1~' and RowKey lt '~index.v1~~'");
  return rows.filter((row) => row.kind === 'index' && (requestId === undefined || row.requestId === requestId));
}

/** The index rows as comparable text: key, columns and etag (which changes on any write of the row). */
function snapshot(rows: Entity[]): string[] {
  return rows.map((row) => `${row.partitionKey}|${row.rowKey}|${String(row.status)}|${String(row.type)}|${String(row.createdById)}|${row.etag}`).sort();
}

function listQuery(overrides: Partial<ListQuery> = {}): ListQuery {
  return { orderBy: 'updatedWhen', orderAscending: false, pageSize: 100, ...overrides };
}

async function readAllPages(fetchPage: (continuationToken?: string) => Promise<RequestPage>): Promise<AirlockRequest[]> {
  const items: AirlockRequest[] = [];
  let continuationToken: string | undefined;
  let pages = 0;
  do {
    const page = await fetchPage(continuationToken);
    items.push(...page.items);
    continuationToken = page.continuationToken;
    if (++pages > 200) throw new Error('paging does not end');
  } while (continuationToken);
  return items;
}

/** The order a list promises, computed here: by the field (JavaScript's `<`), ties by id ascending in both directions. */
function expectedOrder(requests: readonly AirlockRequest[], field: OrderByField, ascending: boolean): string[] {
  const compare = (a: string | number, b: string | number) => (a === b ? 0 : a < b ? -1 : 1);
  return [...requests].sort((a, b) => (ascending ? 1 : -1) * compare(a[field], b[field]) || compare(a.id, b.id)).map((request) => request.id);
}

function submitted(request: AirlockRequest, now: number): AirlockRequest {
  return withStatus(request, { to: 'submitted', trigger: 'submit', actor: alice, now });
}

/** A status change the request's status allows: a draft is cancelled, a submitted request goes into review. */
function advanced(request: AirlockRequest, now: number): AirlockRequest {
  return request.status === 'draft'
    ? withStatus(request, { to: 'cancelled', trigger: 'cancel', actor: alice, now })
    : withStatus(request, { to: 'in_review', trigger: 'system', actor: manager, now });
}

// ---- index upkeep on every write ----

describe('every write keeps the index rows in step with the request', () => {
  test('create writes one row per order and direction in the request partition, each carrying the filter columns and the request id', async () => {
    const { store, table } = await freshStore();
    const created = await store.create(draft(randomUUID(), { creator: bob, type: 'export' }), [audited('request.created')]);

    const rows = await indexRows(table, created.id);
    expect(rows).toHaveLength(ORDER_BY_FIELDS.length * 2);
    for (const field of ORDER_BY_FIELDS) {
      for (const ascending of [true, false]) {
        expect(rows.filter((row) => String(row.rowKey).startsWith(indexRange(field, ascending).prefix))).toHaveLength(1);
      }
    }
    for (const row of rows) {
      expect(row).toMatchObject({ partitionKey: created.workspaceId, requestId: created.id, status: 'draft', type: 'export', createdById: bob.id });
    }
  });

  test('create without audit drafts indexes the request too', async () => {
    const { store, table } = await freshStore();
    const created = await store.create(draft(randomUUID()));
    expect(await indexRows(table, created.id)).toHaveLength(10);
    expect((await store.list(created.workspaceId, listQuery({ status: 'draft' }))).items.map((item) => item.id)).toEqual([created.id]);
  });

  test('a replace that changes status and title leaves exactly the new rows, all with the new status', async () => {
    const { store, table } = await freshStore();
    const workspaceId = randomUUID();
    const neighbour = await store.create(draft(workspaceId, { title: 'middle', now: T + 1 }));
    const created = await store.create(draft(workspaceId, { title: 'aaa first', now: T }), [audited('request.created')]);

    const replaced = await store.replace({ ...submitted(created, T + 10), title: 'zzz last' }, [audited('status.changed')]);

    const rows = await indexRows(table, created.id);
    expect(rows).toHaveLength(10);
    expect(rows.every((row) => row.status === 'submitted')).toBe(true);
    // What a caller sees: the old status finds nothing, the new one finds it, and the title order moved it.
    expect((await store.list(workspaceId, listQuery({ status: 'draft' }))).items.map((item) => item.id)).toEqual([neighbour.id]);
    expect((await store.list(workspaceId, listQuery({ status: 'submitted' }))).items).toEqual([replaced]);
    expect((await store.list(workspaceId, listQuery({ orderBy: 'title', orderAscending: true }))).items.map((item) => item.id)).toEqual([neighbour.id, created.id]);
    expect((await store.list(workspaceId, listQuery({ orderBy: 'updatedWhen', orderAscending: false }))).items.map((item) => item.id)).toEqual([created.id, neighbour.id]);
    // The neighbour's rows were not touched by someone else's write.
    expect(await indexRows(table, neighbour.id)).toHaveLength(10);
  });

  test('every replace along a lifecycle keeps ten rows, none left behind under an old value', async () => {
    const { store, table } = await freshStore();
    let request = await store.create(draft(randomUUID()), [audited('request.created')]);
    const path: Array<[RequestStatus, 'submit' | 'system' | 'approve']> = [
      ['submitted', 'submit'],
      ['in_review', 'system'],
      ['approval_in_progress', 'approve'],
      ['approved', 'system'],
    ];
    for (const [step, [to, trigger]] of path.entries()) {
      request = await store.replace(withStatus(request, { to, trigger, actor: manager, now: T + 10 * (step + 1) }), [audited(`status.${to}`)]);
      const rows = await indexRows(table, request.id);
      expect(rows).toHaveLength(10);
      expect(new Set(rows.map((row) => row.status))).toEqual(new Set([to]));
    }
  });

  test('a replace that changes no indexed field rewrites no index row', async () => {
    const { store, table } = await freshStore();
    const created = await store.create(draft(randomUUID()), [audited('request.created')]);
    const before = snapshot(await indexRows(table, created.id));

    const replaced = await store.replace({ ...created, businessJustification: 'A clearer reason' });

    expect(replaced.businessJustification).toBe('A clearer reason');
    expect(snapshot(await indexRows(table, created.id))).toEqual(before);
  });

  test('a replace refused for its etag changes no index row, with or without audit drafts', async () => {
    const { store, table } = await freshStore();
    const created = await store.create(draft(randomUUID(), { title: 'before' }), [audited('request.created')]);
    const current = await store.replace(submitted(created, T + 10), [audited('status.changed')]);
    const before = snapshot(await indexRows(table));

    const fromStaleRead = { ...withStatus(created, { to: 'cancelled', trigger: 'cancel', actor: alice, now: T + 20 }), title: 'after' };
    await expect(store.replace(fromStaleRead, [audited('status.changed')])).rejects.toBeInstanceOf(ConflictError);
    await expect(store.replace(fromStaleRead)).rejects.toBeInstanceOf(ConflictError);

    expect(snapshot(await indexRows(table))).toEqual(before);
    expect(await store.get(created.workspaceId, created.id)).toEqual(current);
  });

  test('two concurrent replaces from the same read: the index holds the winner, and only the winner (10 rounds)', async () => {
    const { store, table } = await freshStore();
    const workspaceId = randomUUID();
    for (let round = 0; round < 10; round++) {
      const read = await store.create(draft(workspaceId, { now: T + round }), [audited('request.created')]);
      const outcomes = await Promise.allSettled([
        store.replace({ ...submitted(read, T + 100), title: `submitted ${round}` }, [audited('status.changed')]),
        store.replace({ ...withStatus(read, { to: 'cancelled', trigger: 'cancel', actor: alice, now: T + 200 }), title: `cancelled ${round}` }),
      ]);
      const winners = outcomes.filter((outcome): outcome is PromiseFulfilledResult<AirlockRequest> => outcome.status === 'fulfilled');
      expect(winners).toHaveLength(1);
      const winner = winners[0].value;

      const rows = await indexRows(table, read.id);
      expect(rows).toHaveLength(10);
      expect(new Set(rows.map((row) => row.status))).toEqual(new Set([winner.status]));
      const byTitle = await store.list(workspaceId, listQuery({ orderBy: 'title', orderAscending: true, status: winner.status }));
      expect(byTitle.items.filter((item) => item.id === read.id)).toEqual([winner]);
    }
  });

  test('a second store (another process) replaces a request this one wrote, from its own read', async () => {
    const { store, table, name } = await freshStore();
    const other = await TableRequestStore.connect({ connectionString: azurite.connectionString(ACCOUNT), tableName: name });
    const created = await store.create(draft(randomUUID()), [audited('request.created')]);
    const readElsewhere = (await other.get(created.workspaceId, created.id))!;
    await other.replace({ ...submitted(readElsewhere, T + 10), title: 'renamed elsewhere' });
    // This store's memory of the version it wrote is now stale; its write must not trust it.
    const current = (await store.get(created.workspaceId, created.id))!;
    await store.replace(advanced(current, T + 20));

    const rows = await indexRows(table, created.id);
    expect(rows).toHaveLength(10);
    expect(new Set(rows.map((row) => row.status))).toEqual(new Set(['in_review']));
  });

  test('a replace whose request has lost an index row fails as corrupt data and writes nothing', async () => {
    const { store, table } = await freshStore();
    const created = await store.create(draft(randomUUID()), [audited('request.created')]);
    const statusRow = (await indexRows(table, created.id)).find((row) => String(row.rowKey).startsWith(indexRange('status', true).prefix))!;
    const statusRowKey = String(statusRow.rowKey);
    await table.deleteEntity(created.workspaceId, statusRowKey);
    const before = snapshot(await indexRows(table, created.id));

    const failure = store.replace(submitted(created, T + 10), [audited('status.changed')]);
    await expect(failure).rejects.toBeInstanceOf(IntegrityError);
    await expect(failure).rejects.toThrow(`its list index row ${statusRowKey} is missing`);

    expect(await store.get(created.workspaceId, created.id)).toEqual(created);
    expect(snapshot(await indexRows(table, created.id))).toEqual(before);
    expect((await store.listAudit(created.workspaceId, created.id)).map((entry) => entry.seq)).toEqual([1]);
  });

  test('a write whose audit entries and index rows would not fit one transaction is refused before anything is written', async () => {
    const { store, table } = await freshStore();
    const created = await store.create(draft(randomUUID()), [audited('request.created')]);
    // A status change rewrites 10 rows and deletes 4: 14 index operations, the request, and 90 entries make 105.
    const failure = store.replace(submitted(created, T + 10), Array.from({ length: 90 }, (_, index) => audited(`step.${index}`)));
    await expect(failure).rejects.toBeInstanceOf(InvariantError);
    await expect(failure).rejects.toThrow(/this change also rewrites 14 list index rows, so at most 85 audit entries can be written with it \(got 90\)/);
    expect(await store.get(created.workspaceId, created.id)).toEqual(created);
    expect(await indexRows(table, created.id)).toHaveLength(10);
  });

  test("ids in the store's own key space are refused, and never found", async () => {
    const { store } = await freshStore();
    await expect(store.create({ ...draft(randomUUID()), id: '~index.v1~built' })).rejects.toBeInstanceOf(InvariantError);
    await expect(store.create(draft('~airlock'))).rejects.toBeInstanceOf(InvariantError);
    expect(await store.get(META_PARTITION, INDEX_BUILT_MARKER)).toBeUndefined();
    expect(await store.getById(INDEX_BUILT_MARKER)).toBeUndefined();
  });
});

// ---- what a page reads ----

describe('a list page reads what it shows, not the store', () => {
  const workspaceIds = [randomUUID(), randomUUID(), randomUUID()];
  let name: string;
  let seeded: AirlockRequest[];

  beforeAll(async () => {
    const fresh = await freshStore();
    name = fresh.name;
    seeded = [];
    // 60 in the first workspace, 20 in each of the others.
    for (let index = 0; index < 100; index++) {
      const workspaceId = workspaceIds[index < 60 ? 0 : index < 80 ? 1 : 2];
      const creator = index % 3 === 0 ? bob : alice;
      seeded.push(await fresh.store.create(draft(workspaceId, { creator, title: `request ${(index * 37) % 100}`, now: T + index }), [audited('request.created')]));
    }
  });

  async function watchedStore(hooks: Hooks = {}) {
    const watched = watchedClient(rawTable(name), hooks);
    const store = new TableRequestStore({ tableClient: watched.client });
    // The build check (a point read of the marker) happens once per process; leave it out of the counts.
    await store.ensureIndex();
    watched.reset();
    return { store, ...watched };
  }

  const queried = (use: TableUse) => use.queries.flatMap((query) => query.entities);

  test('a page of 10 from a workspace of 60: 11 index rows and 10 point reads, and the next page the same', async () => {
    const { store, use, reset } = await watchedStore();
    const first = await store.list(workspaceIds[0], listQuery({ pageSize: 10 }));
    expect(first.items.map((item) => item.id)).toEqual(expectedOrder(seeded.slice(0, 60), 'updatedWhen', false).slice(0, 10));
    expect(queried(use)).toHaveLength(11);
    // Index rows only: a request row holds its document.
    expect(queried(use).every((entity) => entity.doc0 === undefined)).toBe(true);
    expect(use.pointReads).toHaveLength(10);

    reset();
    const second = await store.list(workspaceIds[0], listQuery({ pageSize: 10, continuationToken: first.continuationToken }));
    expect(second.items.map((item) => item.id)).toEqual(expectedOrder(seeded.slice(0, 60), 'updatedWhen', false).slice(10, 20));
    expect(queried(use)).toHaveLength(11);
    expect(use.pointReads).toHaveLength(10);
  });

  test('a filtered page reads only matching index rows (the service filters)', async () => {
    const { store, use } = await watchedStore();
    const page = await store.list(workspaceIds[0], listQuery({ pageSize: 5, creatorUserId: bob.id, orderBy: 'title', orderAscending: true }));
    const bobs = seeded.slice(0, 60).filter((request) => request.createdBy.id === bob.id);
    expect(page.items.map((item) => item.id)).toEqual(expectedOrder(bobs, 'title', true).slice(0, 5));
    expect(queried(use)).toHaveLength(6);
    const bobsIds = new Set(bobs.map((request) => request.id));
    expect(queried(use).every((entity) => bobsIds.has(String(entity.requestId)))).toBe(true);
  });

  test('a page across three workspaces merges them, reading at most a page and one row from each', async () => {
    const { store, use, reset } = await watchedStore();
    const all = await readAllPages(async (continuationToken) => {
      reset();
      const page = await store.listAll({ ...listQuery({ pageSize: 10, orderBy: 'title', orderAscending: false, continuationToken }), workspaceIds });
      const indexRowsRead = queried(use).filter((entity) => entity.partitionKey !== META_PARTITION);
      expect(indexRowsRead.length).toBeLessThanOrEqual(3 * 11);
      expect(use.pointReads).toHaveLength(page.items.length);
      return page;
    });
    expect(all.map((item) => item.id)).toEqual(expectedOrder(seeded, 'title', false));
  });

  test('a list across all workspaces finds them in the directory, not by reading requests', async () => {
    const { store, use } = await watchedStore();
    const page = await store.listAll(listQuery({ pageSize: 7, orderBy: 'createdWhen', orderAscending: true }));
    expect(page.items.map((item) => item.id)).toEqual(seeded.slice(0, 7).map((request) => request.id));
    const directory = queried(use).filter((entity) => entity.partitionKey === META_PARTITION);
    expect(directory.map((entity) => entity.rowKey).sort()).toEqual(workspaceIds.map((id) => `~workspace:${id}`).sort());
    expect(queried(use).length - directory.length).toBeLessThanOrEqual(3 * 8);
    expect(use.pointReads).toHaveLength(7);
  });

  test('a first page without filters that holds whole workspaces reads each in one query, not request by request', async () => {
    const { store, use } = await watchedStore();
    const page = await store.listAll({ ...listQuery({ orderBy: 'createdWhen', orderAscending: true }), workspaceIds: workspaceIds.slice(1) });
    expect(page.items.map((item) => item.id)).toEqual(seeded.slice(60).map((request) => request.id));
    expect(page.continuationToken).toBeUndefined();
    expect(use.pointReads).toEqual([]);
    // One index range and one query of request rows per workspace.
    expect(use.queries).toHaveLength(4);
    for (const item of page.items) expect(item).toEqual(seeded.find((request) => request.id === item.id));
  });

  test('a request changed between its index row and its read is left out when it no longer matches the filter', async () => {
    const workspaceId = randomUUID();
    const fresh = await TableRequestStore.connect({ connectionString: azurite.connectionString(ACCOUNT), tableName: name });
    const first = await fresh.create(draft(workspaceId, { now: T }));
    const second = await fresh.create(draft(workspaceId, { now: T + 1 }));
    let changed = false;
    const { store } = await watchedStore({
      afterQueryPage: async (filter) => {
        if (changed || !filter.includes('~index.v1~')) return;
        changed = true;
        await fresh.replace(submitted(first, T + 5));
      },
    });
    const page = await store.list(workspaceId, listQuery({ status: 'draft' }));
    expect(page.items.map((item) => item.id)).toEqual([second.id]);
  });
});

// ---- the start-up build ----

/** A request row as the store wrote it before the index: the document and the filter columns, no `indexedAs`. */
function oldStyleEntity(request: AirlockRequest): Record<string, unknown> & { partitionKey: string; rowKey: string } {
  const body: Partial<AirlockRequest> = { ...request };
  delete body.etag;
  return {
    partitionKey: request.workspaceId,
    rowKey: request.id,
    ...documentChunks(`Airlock request ${request.id}`, JSON.stringify(body)),
    status: request.status,
    type: request.type,
    createdById: request.createdBy.id,
    createdWhen: { type: 'Int64', value: String(request.createdWhen) },
    updatedWhen: { type: 'Int64', value: String(request.updatedWhen) },
    title: request.title,
  };
}

/** Fills a table as an earlier version of the store did: requests with audit entries, in two workspaces. */
async function oldStyleTable(count: number): Promise<{ name: string; table: TableClient; requests: AirlockRequest[] }> {
  const name = freshTableName();
  const table = rawTable(name);
  await table.createTable();
  const workspaceIds = [randomUUID(), randomUUID()];
  const requests: AirlockRequest[] = [];
  for (let index = 0; index < count; index++) {
    let request = draft(workspaceIds[index % 2], { title: `old ${(index * 7) % count}`, creator: index % 4 === 0 ? bob : alice, now: T + index });
    if (index % 3 === 0) request = submitted(request, T + 1000 - index);
    const { entries, head } = chainEntries(undefined, [audited('request.created')], { requestId: request.id, workspaceId: request.workspaceId });
    request = { ...request, auditHead: head };
    await table.submitTransaction([
      ['create', oldStyleEntity(request)],
      ...entries.map((entry): TransactionAction => ['create', { partitionKey: entry.workspaceId, rowKey: entry.id, ...documentChunks('entry', JSON.stringify(entry)), kind: 'audit', requestId: entry.requestId }]),
    ]);
    requests.push(request);
  }
  return { name, table, requests };
}

async function expectListsInOrder(store: TableRequestStore, requests: AirlockRequest[]): Promise<void> {
  for (const field of ORDER_BY_FIELDS) {
    for (const ascending of [true, false]) {
      const listed = await readAllPages((continuationToken) => store.listAll(listQuery({ orderBy: field, orderAscending: ascending, pageSize: 7, continuationToken })));
      expect(listed.map((item) => item.id)).toEqual(expectedOrder(requests, field, ascending));
    }
  }
  const submittedOnes = requests.filter((request) => request.status === 'submitted');
  for (const workspaceId of new Set(requests.map((request) => request.workspaceId))) {
    const page = await store.list(workspaceId, listQuery({ status: 'submitted' }));
    expect(page.items.map((item) => item.id)).toEqual(expectedOrder(submittedOnes.filter((request) => request.workspaceId === workspaceId), 'updatedWhen', false));
  }
}

describe('the start-up build for a table written before the index', () => {
  test('connect gives every old request its rows and the directory its workspaces; lists then show them as before', async () => {
    const { name, table, requests } = await oldStyleTable(24);
    expect(await indexRows(table)).toEqual([]);

    const store = await TableRequestStore.connect({ connectionString: azurite.connectionString(ACCOUNT), tableName: name });

    expect(await indexRows(table)).toHaveLength(24 * 10);
    await expectListsInOrder(store, requests);
    // The documents themselves are untouched (the build adds a column beside them).
    for (const request of requests) expect(await store.get(request.workspaceId, request.id)).toMatchObject({ ...request, etag: expect.any(String) });
    // An old request is then written like any other.
    const [first] = requests;
    const replaced = await store.replace(advanced((await store.get(first.workspaceId, first.id))!, T + 5000));
    expect(new Set((await indexRows(table, first.id)).map((row) => row.status))).toEqual(new Set([replaced.status]));
    expect(await indexRows(table, first.id)).toHaveLength(10);
  });

  test('the build runs once: a second start-up reads the marker and nothing else', async () => {
    const { name } = await oldStyleTable(6);
    await TableRequestStore.connect({ connectionString: azurite.connectionString(ACCOUNT), tableName: name });

    const watched = watchedClient(rawTable(name));
    await new TableRequestStore({ tableClient: watched.client }).ensureIndex();
    expect(watched.use.queries).toEqual([]);
    expect(watched.use.transactions).toEqual([]);
    expect(watched.use.pointReads).toEqual([{ partitionKey: META_PARTITION, rowKey: INDEX_BUILT_MARKER }]);
  });

  test('a build cut short by a crash carries on at the next start-up, and ends with exactly ten rows per request', async () => {
    // 40 requests in two workspaces: about 9 share a transaction, so some 5 transactions build them.
    const { name, table, requests } = await oldStyleTable(40);
    let transactions = 0;
    const crashing = watchedClient(rawTable(name), {
      beforeTransaction: async () => {
        if (++transactions > 2) throw new Error('the process was killed');
      },
    });
    await expect(new TableRequestStore({ tableClient: crashing.client }).ensureIndex()).rejects.toThrow('the process was killed');
    await crashing.settled();
    const partly = await indexRows(table);
    expect(partly.length).toBeGreaterThan(0);
    expect(partly.length).toBeLessThan(40 * 10);
    // Each request is all or nothing: whole sets of ten.
    expect(partly.length % 10).toBe(0);
    await expect(table.getEntity(META_PARTITION, INDEX_BUILT_MARKER)).rejects.toMatchObject({ statusCode: 404 });

    const restarted = watchedClient(rawTable(name));
    const store = new TableRequestStore({ tableClient: restarted.client });
    await store.ensureIndex();
    // Only the requests the first run did not reach are written now.
    const requestsWritten = restarted.use.transactions.flat().filter(([kind]) => kind === 'update');
    expect(requestsWritten).toHaveLength(40 - partly.length / 10);
    // Requests of a partition share transactions.
    expect(restarted.use.transactions.length).toBeLessThan(requestsWritten.length / 4);

    const rows = await indexRows(table);
    expect(rows).toHaveLength(40 * 10);
    for (const request of requests) expect(rows.filter((row) => row.requestId === request.id)).toHaveLength(10);
    await expectListsInOrder(store, requests);
  });

  test('a request changed by an index-keeping writer while the build runs is not indexed from the stale read', async () => {
    const { name, table, requests } = await oldStyleTable(4);
    const writer = new TableRequestStore({ tableClient: rawTable(name) });
    const target = requests[0];
    let interfered = false;
    const watched = watchedClient(rawTable(name), {
      beforeTransaction: async (actions) => {
        const writesTarget = actions.some(([kind, entity]) => kind === 'update' && entity.rowKey === target.id);
        if (interfered || !writesTarget) return;
        interfered = true;
        const current = (await writer.get(target.workspaceId, target.id))!;
        await writer.replace({ ...advanced(current, T + 9000), title: 'changed during the build' });
      },
    });
    await new TableRequestStore({ tableClient: watched.client }).ensureIndex();

    expect(interfered).toBe(true);
    const rows = await indexRows(table, target.id);
    expect(rows).toHaveLength(10);
    expect(new Set(rows.map((row) => row.status))).toEqual(new Set(['in_review']));
    expect(await indexRows(table)).toHaveLength(40);
  });

  test('a corrupt old request stops the build with the error that names it, and no marker is written', async () => {
    const { name, table, requests } = await oldStyleTable(3);
    await table.updateEntity({ partitionKey: requests[1].workspaceId, rowKey: requests[1].id, doc0: '{"id":' }, 'Merge');
    const building = TableRequestStore.connect({ connectionString: azurite.connectionString(ACCOUNT), tableName: name });
    await expect(building).rejects.toBeInstanceOf(IntegrityError);
    await expect(building).rejects.toThrow(`Stored airlock request ${requests[1].id} in workspace ${requests[1].workspaceId} is not valid JSON`);
    await expect(table.getEntity(META_PARTITION, INDEX_BUILT_MARKER)).rejects.toMatchObject({ statusCode: 404 });
  });

  test('after writes by a version without the index, deleting the marker makes the next start-up put the rows right', async () => {
    const { name, table, requests } = await oldStyleTable(6);
    await TableRequestStore.connect({ connectionString: azurite.connectionString(ACCOUNT), tableName: name });
    const [changed, untouched] = requests;
    // An older version replaces the whole entity: new status and title, no `indexedAs`, the old rows left as they were.
    const rewritten = { ...advanced(changed, T + 7000), title: 'rewritten by an older version' };
    await table.updateEntity(oldStyleEntity(rewritten), 'Replace');
    // And a row whose request is not stored at all.
    const strayRowKey = `${indexRange('title', true).prefix}00!${randomUUID()}`;
    await table.createEntity({ partitionKey: changed.workspaceId, rowKey: strayRowKey, kind: 'index', requestId: randomUUID(), status: 'draft', type: 'import', createdById: alice.id });
    const untouchedRows = snapshot(await indexRows(table, untouched.id));
    await table.deleteEntity(META_PARTITION, INDEX_BUILT_MARKER);

    const store = await TableRequestStore.connect({ connectionString: azurite.connectionString(ACCOUNT), tableName: name });

    const rows = await indexRows(table, changed.id);
    expect(rows).toHaveLength(10);
    expect(new Set(rows.map((row) => row.status))).toEqual(new Set([rewritten.status]));
    expect(await indexRows(table)).toHaveLength(60);
    expect((await indexRows(table)).map((row) => row.rowKey)).not.toContain(strayRowKey);
    // Requests whose rows were right are left alone.
    expect(snapshot(await indexRows(table, untouched.id))).toEqual(untouchedRows);
    await expectListsInOrder(store, [rewritten, ...requests.slice(1)]);
  });

  test('audit entries of old requests stay where they were and keep verifying', async () => {
    const { name, requests } = await oldStyleTable(2);
    const store = await TableRequestStore.connect({ connectionString: azurite.connectionString(ACCOUNT), tableName: name });
    for (const request of requests) {
      expect((await store.listAudit(request.workspaceId, request.id)).map((entry) => entry.id)).toEqual([auditEntryId(request.id, 1)]);
    }
  });
});
