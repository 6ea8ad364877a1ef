/**
 * What the API answers when the request store's adapter refuses a query or finds corrupt data: the
 * error's class decides the status (src/domain/errors.ts), so these run the real Table adapter (over
 * a stand-in for the table service) behind the HTTP handlers.
 */
import type { TableClient } from '@azure/data-tables';
import { getRequest } from '../../../src/functions/http/getRequest';
import { listRequests } from '../../../src/functions/http/listRequests';
import { TableRequestStore } from '../../../src/infra/tableRequestStore';
import { httpRequest, inMemoryAirlockForEachTest, invocationContext, LoggedLine, TEST_WORKSPACE } from '../../support/inMemoryDependencies';

const REQUEST_ID = '11111111-1111-4111-8111-111111111111';

const session = inMemoryAirlockForEachTest();

/** Puts the Table adapter in place of the in-memory store, over a table that holds `entities`. */
function useTableHolding(...entities: Record<string, unknown>[]): void {
  const table = {
    createTable: async () => undefined,
    getEntity: async (partitionKey: string, rowKey: string) => {
      const entity = entities.find((e) => e.partitionKey === partitionKey && e.rowKey === rowKey);
      if (!entity) throw Object.assign(new Error('The specified resource does not exist.'), { statusCode: 404 });
      return entity;
    },
    // The index build at start-up writes its marker row.
    upsertEntity: async () => ({}),
    listEntities: () => ({
      async *[Symbol.asyncIterator]() {
        yield* entities;
      },
      byPage: () => ({ next: async () => ({ done: false, value: Object.assign([...entities], { continuationToken: undefined }) }) }),
    }),
  };
  session.airlock.deps.store = new TableRequestStore({ tableClient: table as unknown as TableClient });
}

function list(query: string) {
  const path = `workspaces/${TEST_WORKSPACE}/requests${query}`;
  return listRequests(httpRequest({ path, params: { workspaceId: TEST_WORKSPACE }, authorization: session.tokens.mia }), invocationContext('listRequests'));
}

test('a continuation token the store cannot read is a malformed query: 422, as the list query parser answers', async () => {
  useTableHolding();
  expect((await list('?pageSize=5')).status).toBe(200);

  const response = await list('?pageSize=5&continuationToken=bm90LWEtdG9rZW4');

  expect(response.status).toBe(422);
  expect(response.jsonBody).toEqual({ detail: 'continuationToken is not valid' });
});

test('a stored request that is not valid JSON answers 500 naming it, for an operator to repair', async () => {
  useTableHolding({ partitionKey: TEST_WORKSPACE, rowKey: REQUEST_ID, etag: 'W/"1"', doc0: '{"id":"11111111-1111-4111-8111-111111111111","title":"Rita\'s' });
  const logs: LoggedLine[] = [];

  const response = await getRequest(
    httpRequest({ path: 'get', params: { workspaceId: TEST_WORKSPACE, requestId: REQUEST_ID }, authorization: session.tokens.mia }),
    invocationContext('getRequest', logs),
  );

  const detail = `Stored airlock request ${REQUEST_ID} in workspace ${TEST_WORKSPACE} is not valid JSON`;
  expect(response.status).toBe(500);
  expect(response.jsonBody).toEqual({ detail });
  expect(logs).toContainEqual({ level: 'warning', message: `getRequest: ${detail}` });
});
