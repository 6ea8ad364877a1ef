/**
 * Azure TRE's portal reads `request.reviewUserResources` with `Object.keys` and `in` when a
 * workspace configures review VMs (facts §1.10), so a request without it crashes the review dialog.
 * Every request object the API returns carries it as `{}`: in the envelopes of create, get, list
 * and every action, and in the bare array of `GET /api/requests`.
 */
import { AirlockRequest } from '../../../src/domain/request';
import { createRequest } from '../../../src/functions/http/createRequest';
import { getRequest } from '../../../src/functions/http/getRequest';
import { listMyRequests } from '../../../src/functions/http/listMyRequests';
import { listRequests } from '../../../src/functions/http/listRequests';
import { cancelRequest } from '../../../src/functions/http/cancelRequest';
import {
  httpRequest,
  inMemoryAirlockForEachTest,
  invocationContext,
  storedRequest,
  TEST_WORKSPACE,
} from '../../support/inMemoryDependencies';

const REQUEST_ID = '11111111-1111-4111-8111-111111111111';
const session = inMemoryAirlockForEachTest();
beforeEach(async () => {
  await storedRequest(session.airlock.store, { status: 'in_review', id: REQUEST_ID });
});

type Envelope = { airlockRequest: AirlockRequest & { reviewUserResources?: unknown }; allowedUserActions: string[] };
const params = { workspaceId: TEST_WORKSPACE, requestId: REQUEST_ID };

test('create answers the new request with an empty reviewUserResources', async () => {
  const response = await createRequest(
    httpRequest({ path: `workspaces/${TEST_WORKSPACE}/requests`, params: { workspaceId: TEST_WORKSPACE }, authorization: session.tokens.rita, body: { type: 'import' } }),
    session.airlock.durable.asClient(),
    invocationContext('createRequest'),
  );

  expect(response.status).toBe(201);
  expect((response.jsonBody as Envelope).airlockRequest.reviewUserResources).toEqual({});
});

test('get, the workspace list and an action answer every request with an empty reviewUserResources', async () => {
  const got = await getRequest(httpRequest({ path: 'get', params, authorization: session.tokens.mia }), invocationContext('getRequest'));
  expect(got.status).toBe(200);
  expect((got.jsonBody as Envelope).airlockRequest.reviewUserResources).toEqual({});

  await storedRequest(session.airlock.store, { status: 'draft', id: '22222222-2222-4222-8222-222222222222' });
  const listed = await listRequests(
    httpRequest({ path: `workspaces/${TEST_WORKSPACE}/requests`, params: { workspaceId: TEST_WORKSPACE }, authorization: session.tokens.olga }),
    invocationContext('listRequests'),
  );
  expect(listed.status).toBe(200);
  const items = (listed.jsonBody as { airlockRequests: Envelope[] }).airlockRequests;
  expect(items.map((item) => item.airlockRequest.reviewUserResources)).toEqual([{}, {}]);

  const cancelled = await cancelRequest(
    httpRequest({ path: 'cancel', params, authorization: session.tokens.rita, body: {} }),
    session.airlock.durable.asClient(),
    invocationContext('cancelRequest'),
  );
  expect(cancelled.status).toBe(200);
  expect((cancelled.jsonBody as Envelope).airlockRequest).toMatchObject({ status: 'cancelled', reviewUserResources: {} });
});

test('the bare array of GET /api/requests carries it too', async () => {
  const response = await listMyRequests(httpRequest({ path: 'requests', authorization: session.tokens.rita }), invocationContext('listMyRequests'));

  expect(response.status).toBe(200);
  const requests = response.jsonBody as (AirlockRequest & { reviewUserResources?: unknown })[];
  expect(requests.map((request) => [request.id, request.reviewUserResources])).toEqual([[REQUEST_ID, {}]]);
});
