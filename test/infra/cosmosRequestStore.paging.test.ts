/**
 * Cosmos DB may answer a query page with fewer items than asked while more match (a response holds
 * at most 4 MB; a query stops at its time and RU budget), and even with none. The local
 * Cosmos-compatible server never does, so the contract tests cannot show it: here the SDK's query
 * iterator answers short pages, and a list must still hold `pageSize` items when that many match.
 */
import type { Container, FeedOptions } from '@azure/cosmos';
import { AirlockRequest, newDraftRequest } from '../../src/domain/request';
import { ListQuery } from '../../src/domain/schemas';
import { CosmosRequestStore } from '../../src/infra/cosmosRequestStore';

const WS = 'ws01';
const STORED = Array.from({ length: 7 }, (_, i) => ({
  ...newDraftRequest({ id: `request-${i}`, workspaceId: WS, type: 'import', title: `r${i}`, businessJustification: 'paging', creator: { id: 'u', name: 'U' }, now: 1_000 + i }),
  _etag: `"etag-${i}"`,
}));

/** A container whose query answers at most `serviceLimit` items a response, and an empty response at `emptyAt`. */
function shortPagingContainer(serviceLimit: number, emptyAt?: number): { container: Container; asked: FeedOptions[] } {
  const asked: FeedOptions[] = [];
  const container = {
    items: {
      query: (_spec: unknown, options: FeedOptions) => ({
        fetchNext: async () => {
          asked.push({ ...options });
          const offset = options.continuationToken ? Number(options.continuationToken.split(':')[0]) : 0;
          const emptyNow = emptyAt === offset && !options.continuationToken?.endsWith(':again');
          const size = emptyNow ? 0 : Math.min(options.maxItemCount ?? 100, serviceLimit);
          const resources = STORED.slice(offset, offset + size);
          const next = offset + size;
          const continuationToken = emptyNow ? `${offset}:again` : next < STORED.length ? String(next) : undefined;
          return { resources, continuationToken, hasMoreResults: continuationToken !== undefined };
        },
      }),
    },
  };
  return { container: container as unknown as Container, asked };
}

const query = (overrides: Partial<ListQuery> = {}): ListQuery => ({ orderBy: 'createdWhen', orderAscending: true, pageSize: 5, ...overrides });
const ids = (items: AirlockRequest[]) => items.map((item) => item.id);

test('short answers are topped up until the page is full, and the token continues where the page ends', async () => {
  const { container, asked } = shortPagingContainer(2);
  const store = new CosmosRequestStore({ container });

  const first = await store.list(WS, query());

  expect(ids(first.items)).toEqual(['request-0', 'request-1', 'request-2', 'request-3', 'request-4']);
  // Never more than the page still needs.
  expect(asked.map((options) => options.maxItemCount)).toEqual([5, 3, 1]);
  expect(first.continuationToken).toBe('5');
  const rest = await store.list(WS, query({ continuationToken: first.continuationToken }));
  expect(ids(rest.items)).toEqual(['request-5', 'request-6']);
  expect(rest.continuationToken).toBeUndefined();
});

test('an empty answer with a token is not the end', async () => {
  const { container } = shortPagingContainer(3, 3);
  const store = new CosmosRequestStore({ container });

  const page = await store.list(WS, query({ pageSize: 10 }));

  expect(ids(page.items)).toEqual(STORED.map((item) => item.id));
  expect(page.continuationToken).toBeUndefined();
});
