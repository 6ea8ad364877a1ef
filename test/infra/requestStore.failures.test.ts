/**
 * What the request-store adapters fail with when the store answers something the contract tests'
 * servers never answer: corrupt documents, a batch refused or half answered, calls that break the
 * adapter's own contract. The class decides the HTTP answer (src/domain/errors.ts), so each failure
 * is checked for its class as well as its words. The SDK clients are replaced by stand-ins here.
 */
import type { Container, OperationInput, OperationResponse } from '@azure/cosmos';
import type { TableClient } from '@azure/data-tables';
import { ConfigError } from '../../src/config';
import { AuditDraft } from '../../src/domain/audit';
import { ConflictError, DependencyError, IntegrityError, InvariantError, RequestValidationError } from '../../src/domain/errors';
import { AirlockRequest, newDraftRequest } from '../../src/domain/request';
import { ListQuery, OrderByField } from '../../src/domain/schemas';
import { clientOptions, CosmosRequestStore } from '../../src/infra/cosmosRequestStore';
import { TableRequestStore } from '../../src/infra/tableRequestStore';

const WS = 'ws01';
const REQUEST_ID = '0d6c3f4e-8a51-4b7e-9c2d-3f1a2b4c5d6e';
const alice = { id: 'user-alice', name: 'Alice Researcher', email: 'alice@example.org' };
const stored: AirlockRequest = {
  ...newDraftRequest({ id: REQUEST_ID, workspaceId: WS, type: 'import', title: 'Survey results', businessJustification: 'analysis', creator: alice, now: 1_000 }),
  etag: '"etag-1"',
  auditHead: { seq: 1, hash: 'a'.repeat(64) },
};
const draft = (action: string): AuditDraft => ({ action, actor: alice, time: 1_001 });
const query = (overrides: Partial<ListQuery> = {}): ListQuery => ({ orderBy: 'createdWhen', orderAscending: true, pageSize: 10, ...overrides });

describe('CosmosRequestStore', () => {
  /** A container whose transactional batch answers `answer` and records what it was sent. */
  function batchAnswering(answer: (operations: OperationInput[]) => Partial<OperationResponse>[]) {
    const sent: OperationInput[][] = [];
    const container = {
      items: {
        batch: async (operations: OperationInput[]) => {
          sent.push(operations);
          return { result: answer(operations) as OperationResponse[] };
        },
      },
    };
    return { store: new CosmosRequestStore({ container: container as unknown as Container }), sent };
  }

  /** Each operation's status: `failing` at `index`, 424 (not attempted) for the others. */
  const failingAt = (index: number, failing: number) => (operations: OperationInput[]) =>
    operations.map((_, i) => ({ statusCode: i === index ? failing : 424 }));

  test('a batch the store fails (503 on an entry) is a DependencyError that keeps what the batch answered', async () => {
    const { store } = batchAnswering(failingAt(1, 503));
    const writing = store.replace(stored, [draft('status.changed')]);
    await expect(writing).rejects.toBeInstanceOf(DependencyError);
    await expect(writing).rejects.toThrow(`request store unavailable: 503 the replace of request ${REQUEST_ID} with its audit entries failed (operation 1: 503)`);
    await expect(writing).rejects.toHaveProperty('cause.message', 'the batch answered [424,503] to 2 operations');
  });

  test('a batch the store refuses as malformed (400) is the airlock\'s mistake: an InvariantError, not "try again"', async () => {
    const { store } = batchAnswering(failingAt(0, 400));
    const writing = store.create(stored, [draft('request.created')]);
    await expect(writing).rejects.toBeInstanceOf(InvariantError);
    await expect(writing).rejects.toThrow(`the create of request ${REQUEST_ID} with its audit entries failed (operation 0: 400)`);
  });

  test("an entry number already taken (409 on an entry) is an IntegrityError: the log ran ahead of the request's head", async () => {
    const { store } = batchAnswering(failingAt(1, 409));
    const writing = store.replace(stored, [draft('status.changed')]);
    await expect(writing).rejects.toBeInstanceOf(IntegrityError);
    await expect(writing).rejects.toThrow(/its audit log already holds an entry the request's audit head \(\{"seq":1,"hash":"a+"\}\) does not know/);
  });

  test('a stale etag on the request (412 on operation 0) stays a ConflictError', async () => {
    const { store } = batchAnswering(failingAt(0, 412));
    await expect(store.replace(stored, [draft('status.changed')])).rejects.toBeInstanceOf(ConflictError);
  });

  test('fewer answers than operations, none failed, is a DependencyError: the store answered wrongly', async () => {
    const { store } = batchAnswering(() => [{ statusCode: 200 }]);
    const writing = store.replace(stored, [draft('status.changed')]);
    await expect(writing).rejects.toBeInstanceOf(DependencyError);
    await expect(writing).rejects.toThrow(`request store unavailable: for request ${REQUEST_ID}, the batch answered [200] to 2 operations`);
  });

  test('more audit entries than one batch holds are refused before anything is sent', async () => {
    const { store, sent } = batchAnswering(() => []);
    const writing = store.replace(stored, Array.from({ length: 100 }, (_, i) => draft(`step.${i}`)));
    await expect(writing).rejects.toBeInstanceOf(InvariantError);
    await expect(writing).rejects.toThrow(`Airlock request ${REQUEST_ID}: at most 99 audit entries can be written with one change (got 100)`);
    expect(sent).toEqual([]);
  });

  test('replace without an etag is refused before anything is sent', async () => {
    const { store, sent } = batchAnswering(() => []);
    await expect(store.replace({ ...stored, etag: undefined }, [draft('status.changed')])).rejects.toBeInstanceOf(InvariantError);
    expect(sent).toEqual([]);
  });

  test('an order_by outside the allow-list is a malformed query (422), and never reaches the SQL text', async () => {
    const queried: unknown[] = [];
    const container = { items: { query: (spec: unknown) => (queried.push(spec), { fetchNext: async () => ({ resources: [] }) }) } };
    const store = new CosmosRequestStore({ container: container as unknown as Container });
    const listing = store.list(WS, query({ orderBy: 'c.id; DROP' as OrderByField }));
    await expect(listing).rejects.toBeInstanceOf(RequestValidationError);
    await expect(listing).rejects.toThrow('order_by must be one of: updatedWhen, createdWhen, title, status, type');
    expect(queried).toEqual([]);
  });

  test('neither a key nor a credential is a configuration error', () => {
    expect(() => clientOptions({ endpoint: 'https://cosmos.invalid', database: 'airlock', container: 'requests' })).toThrow(ConfigError);
    expect(() => clientOptions({ endpoint: 'https://cosmos.invalid', database: 'airlock', container: 'requests' })).toThrow(
      /Cosmos DB needs either a key or a credential/,
    );
  });
});

describe('TableRequestStore', () => {
  /** A table that holds `entities` (as the service returns them) and accepts no writes. */
  function tableHolding(...entities: Record<string, unknown>[]) {
    const client = {
      createTable: async () => undefined,
      getEntity: async (partitionKey: string, rowKey: string) => {
        const entity = entities.find((e) => e.partitionKey === partitionKey && e.rowKey === rowKey);
        if (!entity) throw Object.assign(new Error('The specified resource does not exist.'), { statusCode: 404 });
        return entity;
      },
      listEntities: () => ({
        async *[Symbol.asyncIterator]() {
          yield* entities;
        },
      }),
    };
    return new TableRequestStore({ tableClient: client as unknown as TableClient });
  }

  test('a stored request whose JSON is corrupt is an IntegrityError naming it, on get and in lists', async () => {
    const store = tableHolding({ partitionKey: WS, rowKey: REQUEST_ID, etag: 'W/"1"', doc0: '{"id":"0d6c3f4e", "title": "Alice\'s surv' });
    const message = `Stored airlock request ${REQUEST_ID} in workspace ${WS} is not valid JSON`;

    await expect(store.get(WS, REQUEST_ID)).rejects.toBeInstanceOf(IntegrityError);
    await expect(store.get(WS, REQUEST_ID)).rejects.toThrow(message);
    await expect(store.list(WS, query())).rejects.toBeInstanceOf(IntegrityError);
    // Ids only: what the document says stays out of an answer.
    await expect(store.get(WS, REQUEST_ID)).rejects.not.toThrow(/Alice|surv/);
  });

  test('a stored audit entry whose JSON is corrupt is an IntegrityError naming it', async () => {
    const rowKey = `audit~${REQUEST_ID}~00000001`;
    const store = tableHolding({ partitionKey: WS, rowKey, etag: 'W/"1"', doc0: '{"action":' });
    const reading = store.listAudit(WS, REQUEST_ID);
    await expect(reading).rejects.toBeInstanceOf(IntegrityError);
    await expect(reading).rejects.toThrow(`Stored audit entry ${rowKey} in workspace ${WS} is not valid JSON`);
  });

  test('a malformed continuation token is a malformed query (422) before the table is read', async () => {
    const store = tableHolding();
    for (const token of ['not base64!', Buffer.from('{"offset":-1}').toString('base64url'), Buffer.from('[]').toString('base64url')]) {
      const listing = store.list(WS, query({ continuationToken: token }));
      await expect(listing).rejects.toBeInstanceOf(RequestValidationError);
      await expect(listing).rejects.toThrow('continuationToken is not valid');
    }
  });

  test('more audit entries than one transaction holds, and a replace without an etag, break the caller\'s contract', async () => {
    const store = tableHolding();
    const tooMany = store.replace(stored, Array.from({ length: 100 }, (_, i) => draft(`step.${i}`)));
    await expect(tooMany).rejects.toBeInstanceOf(InvariantError);
    await expect(tooMany).rejects.toThrow(`Airlock request ${REQUEST_ID}: at most 99 audit entries can be written with one change (got 100)`);
    await expect(store.replace({ ...stored, etag: undefined })).rejects.toBeInstanceOf(InvariantError);
  });

  test('a document larger than an entity holds is the airlock\'s mistake (the settings keep requests smaller)', async () => {
    const store = tableHolding();
    const writing = store.create({ ...stored, businessJustification: 'x'.repeat(500_000) });
    await expect(writing).rejects.toBeInstanceOf(InvariantError);
    await expect(writing).rejects.toThrow(new RegExp(`^Airlock request ${REQUEST_ID} is too large for the table store: \\d+ characters of JSON, at most 480000$`));
  });
});
