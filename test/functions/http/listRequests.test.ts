/**
 * `GET /api/workspaces/{workspaceId}/requests` on in-memory adapters: researchers see their own
 * requests, or all of the workspace's where it says so; owners and Airlock Managers see all.
 */
import { AirlockRequest, newDraftRequest } from '../../../src/domain/request';
import { userRefOf } from '../../../src/domain/roles';
import { LIST_PAGE_CAP } from '../../../src/domain/schemas';
import { listRequests } from '../../../src/functions/http/listRequests';
import {
  httpRequest,
  inMemoryAirlockForEachTest,
  invocationContext,
  PEOPLE,
  Person,
  storedRequest,
  TEST_WORKSPACE,
} from '../../support/inMemoryDependencies';


const session = inMemoryAirlockForEachTest();
beforeEach(async () => {
  await storedRequest(session.airlock.store, { status: 'draft', id: '11111111-1111-4111-8111-111111111111', title: "Rita's draft" });
  await storedRequest(session.airlock.store, { status: 'in_review', id: '22222222-2222-4222-8222-222222222222', title: "Rita's in review" });
  await storedRequest(session.airlock.store, { status: 'draft', id: '33333333-3333-4333-8333-333333333333', title: "Sam's draft", creator: userRefOf(PEOPLE.sam) });
});

async function titlesSeenBy(person: Person, query = ''): Promise<string[]> {
  const response = await listRequests(
    httpRequest({ path: `workspaces/${TEST_WORKSPACE}/requests${query}`, params: { workspaceId: TEST_WORKSPACE }, authorization: session.tokens[person] }),
    invocationContext('listRequests'),
  );
  expect(response.status).toBe(200);
  return (response.jsonBody as { airlockRequests: { airlockRequest: AirlockRequest }[] }).airlockRequests.map((item) => item.airlockRequest.title).sort();
}

test('a researcher sees only their own requests', async () => {
  expect(await titlesSeenBy('rita')).toEqual(["Rita's draft", "Rita's in review"]);
  expect(await titlesSeenBy('sam')).toEqual(["Sam's draft"]);
});

test('where the workspace shares requests, a researcher sees everyone\'s', async () => {
  await session.airlock.workspaces.changeSettings(TEST_WORKSPACE, { requestVisibility: 'workspace' });

  expect(await titlesSeenBy('sam')).toEqual(["Rita's draft", "Rita's in review", "Sam's draft"]);
});

test('owners and Airlock Managers see every request, and filters narrow what they see', async () => {
  expect(await titlesSeenBy('olga')).toEqual(["Rita's draft", "Rita's in review", "Sam's draft"]);
  expect(await titlesSeenBy('mia', '?status=in_review')).toEqual(["Rita's in review"]);
});

test('a member without an airlock role cannot list', async () => {
  const response = await listRequests(
    httpRequest({ path: 'list', params: { workspaceId: TEST_WORKSPACE }, authorization: session.tokens.nobody }),
    invocationContext('listRequests'),
  );

  expect(response.status).toBe(403);
  expect(response.jsonBody).toEqual({ detail: 'Only workspace members with an airlock role can list airlock requests' });
});

describe("the portal's list queries (tre-facts §1.6)", () => {
  /** Requests of distinct creation and update times, types, statuses and titles, by Rita. */
  async function seedDistinct(): Promise<void> {
    const { store } = session.airlock;
    const specs = [
      { id: '44444444-4444-4444-8444-444444444444', status: 'approved', title: 'bravo', type: 'export', created: 300, updated: 310 },
      { id: '55555555-5555-4555-8555-555555555555', status: 'blocked_by_scan', title: 'alpha', type: 'import', created: 100, updated: 400 },
      { id: '66666666-6666-4666-8666-666666666666', status: 'cancelled', title: 'charlie', type: 'export', created: 200, updated: 150 },
    ] as const;
    for (const spec of specs) {
      await storedRequest(store, { status: spec.status, id: spec.id, title: spec.title });
      store.changeBehindTheHandler(TEST_WORKSPACE, spec.id, (r) => ({ ...r, type: spec.type, createdWhen: spec.created, updatedWhen: spec.updated }));
    }
  }

  test('order_by=createdTime (the Created column) orders by createdWhen; type, status and title order too', async () => {
    await seedDistinct();
    const order = async (query: string) => {
      const response = await listRequests(
        httpRequest({ path: `workspaces/${TEST_WORKSPACE}/requests${query}`, params: { workspaceId: TEST_WORKSPACE }, authorization: session.tokens.olga }),
        invocationContext('listRequests'),
      );
      expect(response.status).toBe(200);
      const items = (response.jsonBody as { airlockRequests: { airlockRequest: AirlockRequest }[] }).airlockRequests.map((item) => item.airlockRequest);
      return items.filter((request) => ['alpha', 'bravo', 'charlie'].includes(request.title)).map((request) => request.title);
    };

    expect(await order('?order_by=createdTime&order_ascending=true')).toEqual(['alpha', 'charlie', 'bravo']);
    expect(await order('?order_by=createdTime&order_ascending=false')).toEqual(['bravo', 'charlie', 'alpha']);
    expect(await order('?order_by=updatedWhen&order_ascending=false')).toEqual(['alpha', 'bravo', 'charlie']);
    expect(await order('?order_by=title&order_ascending=true')).toEqual(['alpha', 'bravo', 'charlie']);
    expect(await order('?order_by=status&order_ascending=true')).toEqual(['bravo', 'alpha', 'charlie']);
    // Ties (two exports) go by id.
    expect(await order('?order_by=type&order_ascending=true')).toEqual(['bravo', 'charlie', 'alpha']);
  });

  test('status=blocked lists the requests blocked by the scan', async () => {
    await seedDistinct();
    expect(await titlesSeenBy('olga', '?status=blocked')).toEqual(['alpha']);
    expect(await titlesSeenBy('olga', '?status=blocked_by_scan')).toEqual(['alpha']);
  });

  test('a value the list does not know is a 422 with a detail', async () => {
    for (const [query, detail] of [
      ['?order_by=createdtime', 'query.order_by must be one of: updatedWhen, createdWhen, title, status, type, createdTime'],
      ['?status=blockd', 'query.status must be one of'],
      ['?pageSize=1001', 'query.pageSize is not valid'],
    ]) {
      const response = await listRequests(
        httpRequest({ path: `workspaces/${TEST_WORKSPACE}/requests${query}`, params: { workspaceId: TEST_WORKSPACE }, authorization: session.tokens.olga }),
        invocationContext('listRequests'),
      );
      expect(response.status).toBe(422);
      expect((response.jsonBody as { detail: string }).detail).toContain(detail);
    }
  });

  test("awaiting_my_review=true keeps what the Airlock Manager may review now: in review, not their own", async () => {
    await storedRequest(session.airlock.store, { status: 'in_review', id: '77777777-7777-4777-8777-777777777777', title: "Mia's own", creator: userRefOf(PEOPLE.mia) });

    expect(await titlesSeenBy('mia', '?awaiting_my_review=true')).toEqual(["Rita's in review"]);
    expect(await titlesSeenBy('mia', '?status=in_review')).toEqual(["Mia's own", "Rita's in review"]);
  });
});

describe('paging: everything up to the cap when no pageSize is asked for (the portal and the CLI read no token)', () => {
  async function manyDrafts(count: number): Promise<void> {
    const { store, deps } = session.airlock;
    for (let i = 0; i < count; i++) {
      const request = newDraftRequest({ id: deps.newId(), workspaceId: TEST_WORKSPACE, type: 'import', title: `draft ${i}`, businessJustification: 'paging', creator: userRefOf(PEOPLE.rita), now: 1_000 + i });
      await store.create(request);
    }
  }

  async function page(query: string) {
    const response = await listRequests(
      httpRequest({ path: `workspaces/${TEST_WORKSPACE}/requests${query}`, params: { workspaceId: TEST_WORKSPACE }, authorization: session.tokens.olga }),
      invocationContext('listRequests'),
    );
    expect(response.status).toBe(200);
    return response.jsonBody as { airlockRequests: { airlockRequest: AirlockRequest }[]; continuationToken?: string };
  }

  test('more than the former page of 50 come in one answer, without a continuation token', async () => {
    await manyDrafts(60);
    const body = await page('?order_by=updatedWhen&order_ascending=false');
    expect(body.airlockRequests.length).toBe(60 + 3);
    expect(body).not.toHaveProperty('continuationToken');
  });

  test('beyond the cap the answer holds the cap and a continuationToken that leads to the rest', async () => {
    await manyDrafts(LIST_PAGE_CAP);
    const first = await page('');
    expect(first.airlockRequests.length).toBe(LIST_PAGE_CAP);
    expect(first.continuationToken).toEqual(expect.any(String));

    const rest = await page(`?continuationToken=${encodeURIComponent(first.continuationToken!)}`);
    expect(rest.airlockRequests.length).toBe(3);
    expect(rest).not.toHaveProperty('continuationToken');
    const ids = [...first.airlockRequests, ...rest.airlockRequests].map((item) => item.airlockRequest.id);
    expect(new Set(ids).size).toBe(LIST_PAGE_CAP + 3);
  });
});
