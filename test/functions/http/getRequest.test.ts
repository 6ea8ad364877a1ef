/**
 * `GET .../requests/{requestId}` on in-memory adapters: a request the caller may not see is not
 * confirmed to exist, and what is shown comes with exactly the actions the caller may take.
 */
import { getRequest } from '../../../src/functions/http/getRequest';
import {
  httpRequest,
  inMemoryAirlockForEachTest,
  invocationContext,
  storedRequest,
  TEST_WORKSPACE,
} from '../../support/inMemoryDependencies';

const REQUEST_ID = '11111111-1111-4111-8111-111111111111';

const session = inMemoryAirlockForEachTest({ workspaces: [TEST_WORKSPACE, 'ws02'] });

function get(authorization: string | undefined, params: Record<string, string> = { workspaceId: TEST_WORKSPACE, requestId: REQUEST_ID }) {
  return getRequest(httpRequest({ path: 'get', params, authorization }), invocationContext('getRequest'));
}
const detailOf = (response: { jsonBody?: unknown }) => (response.jsonBody as { detail: string }).detail;

test('the requester sees their request with the actions they may take', async () => {
  const draft = await storedRequest(session.airlock.store, { status: 'draft', id: REQUEST_ID });

  const response = await get(session.tokens.rita);

  expect(response.status).toBe(200);
  expect(response.jsonBody).toEqual({ airlockRequest: { ...draft, reviewUserResources: {} }, allowedUserActions: ['submit', 'cancel'], requiredApprovals: 1 });
});

test("the answer says how many approvals the workspace's settings ask for now", async () => {
  await storedRequest(session.airlock.store, { status: 'in_review', id: REQUEST_ID });
  await session.airlock.workspaces.changeSettings(TEST_WORKSPACE, { requiredApprovals: 3 });

  const response = await get(session.tokens.mia);

  expect((response.jsonBody as { requiredApprovals: number }).requiredApprovals).toBe(3);
});

test('an Airlock Manager sees a request in review with review and nothing else on offer', async () => {
  await storedRequest(session.airlock.store, { status: 'in_review', id: REQUEST_ID });

  const response = await get(session.tokens.mia);

  expect((response.jsonBody as { allowedUserActions: string[] }).allowedUserActions).toEqual(['review']);
});

test("another researcher is told the request does not exist, unless the workspace shares requests", async () => {
  await storedRequest(session.airlock.store, { status: 'draft', id: REQUEST_ID });

  const hidden = await get(session.tokens.sam);
  expect(hidden.status).toBe(404);
  expect(detailOf(hidden)).toBe(`Airlock request '${REQUEST_ID}' does not exist in workspace '${TEST_WORKSPACE}'`);

  await session.airlock.workspaces.changeSettings(TEST_WORKSPACE, { requestVisibility: 'workspace' });
  const shared = await get(session.tokens.sam);
  expect(shared.status).toBe(200);
  expect((shared.jsonBody as { allowedUserActions: string[] }).allowedUserActions).toEqual([]);
});

test('no token, or a token for another workspace, is a 401', async () => {
  await storedRequest(session.airlock.store, { status: 'draft', id: REQUEST_ID });

  expect((await get(undefined)).status).toBe(401);
  const elsewhere = await get(session.tokens.rita, { workspaceId: 'ws02', requestId: REQUEST_ID });
  expect(elsewhere.status).toBe(401);
  expect(detailOf(elsewhere)).toBe("token audience is not this workspace's");
});

test('a request id that is not a UUID is refused as such', async () => {
  const response = await get(session.tokens.rita, { workspaceId: TEST_WORKSPACE, requestId: '../other' });

  expect(response.status).toBe(422);
  expect(detailOf(response)).toBe("requestId '../other' is not a valid request id (a UUID)");
});
