/**
 * `GET /api/workspaces/{workspaceId}/requests` on in-memory adapters: researchers see their own
 * requests, or all of the workspace's where it says so; owners and Airlock Managers see all.
 */
import { AirlockRequest } from '../../../src/domain/request';
import { userRefOf } from '../../../src/domain/roles';
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
