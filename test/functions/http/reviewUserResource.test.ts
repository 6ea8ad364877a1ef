/**
 * `POST .../requests/{requestId}/review-user-resource`, which TRE's portal calls to deploy a review
 * VM: this airlock has none. A caller who could review is told so with 501 and how to judge the
 * files here instead; anyone else gets the answer any other endpoint would give them.
 */
import { AirlockRequest } from '../../../src/domain/request';
import { reviewUserResource } from '../../../src/functions/http/reviewUserResource';
import {
  httpRequest,
  inMemoryAirlockForEachTest,
  invocationContext,
  storedRequest,
  TEST_WORKSPACE,
} from '../../support/inMemoryDependencies';

const REQUEST_ID = '11111111-1111-4111-8111-111111111111';
const session = inMemoryAirlockForEachTest({ workspaces: [TEST_WORKSPACE, 'ws02'] });
let inReview: AirlockRequest;
beforeEach(async () => {
  inReview = await storedRequest(session.airlock.store, { status: 'in_review', id: REQUEST_ID });
});

function ask(authorization: string | undefined, params: Record<string, string> = { workspaceId: TEST_WORKSPACE, requestId: REQUEST_ID }, body?: unknown) {
  return reviewUserResource(httpRequest({ path: 'review-user-resource', method: 'POST', params, authorization, body }), invocationContext('reviewUserResource'));
}
const detailOf = (response: { jsonBody?: unknown }) => (response.jsonBody as { detail: string }).detail;

test('an Airlock Manager is told, with 501, that there are no review VMs and how to reach the files instead', async () => {
  const response = await ask(session.tokens.mia);

  expect(response.status).toBe(501);
  expect(Object.keys(response.jsonBody as object)).toEqual(['detail']);
  expect(detailOf(response)).toBe(
    'Review VMs are not part of this airlock: it deploys no review user resource. To judge the files, while the request is in review ' +
      `get a read-only link to them with GET /api/workspaces/${TEST_WORKSPACE}/requests/${REQUEST_ID}/link, ` +
      `download and inspect them, then approve or reject with POST /api/workspaces/${TEST_WORKSPACE}/requests/${REQUEST_ID}/review.`,
  );
});

test('the portal\'s call without a body and the TRE e2e test\'s `{}` get the same answer, and nothing changes', async () => {
  expect((await ask(session.tokens.mia, undefined, {})).status).toBe(501);
  expect((await ask(session.tokens.mia)).status).toBe(501);

  expect(await session.airlock.store.get(TEST_WORKSPACE, REQUEST_ID)).toEqual(inReview);
  expect((await session.airlock.store.listAudit(TEST_WORKSPACE, REQUEST_ID)).map((entry) => entry.action)).toEqual(['request.created']);
  expect(session.airlock.durable.raised).toEqual([]);
});

test('without a token, or with another workspace\'s, the answer is 401', async () => {
  expect((await ask(undefined)).status).toBe(401);
  const elsewhere = await ask(session.tokens.mia, { workspaceId: 'ws02', requestId: REQUEST_ID });
  expect(elsewhere.status).toBe(401);
});

test('a caller who can see the request but is not an Airlock Manager gets 403, as for a review', async () => {
  const response = await ask(session.tokens.olga);

  expect(response.status).toBe(403);
  expect(detailOf(response)).toBe('Only an Airlock Manager can review a request');
});

test('a request the caller may not see, or that does not exist, is 404; a malformed id is 422', async () => {
  expect((await ask(session.tokens.sam)).status).toBe(404);
  const missing = await ask(session.tokens.mia, { workspaceId: TEST_WORKSPACE, requestId: '99999999-9999-4999-8999-999999999999' });
  expect(missing.status).toBe(404);
  expect(detailOf(missing)).toBe(`Airlock request '99999999-9999-4999-8999-999999999999' does not exist in workspace '${TEST_WORKSPACE}'`);
  expect((await ask(session.tokens.mia, { workspaceId: TEST_WORKSPACE, requestId: 'not-a-uuid' })).status).toBe(422);
});
