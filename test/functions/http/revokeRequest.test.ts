/**
 * `POST .../requests/{requestId}/revoke` on in-memory adapters: the revocation is recorded as a
 * review, and the answer comes once the workflow has moved the files out of the approved stage,
 * because until then every link to them still works.
 */
import { AirlockRequest } from '../../../src/domain/request';
import { revokeRequest } from '../../../src/functions/http/revokeRequest';
import {
  httpRequest,
  inMemoryAirlockForEachTest,
  invocationContext,
  Person,
  storedRequest,
  TEST_WORKSPACE,
} from '../../support/inMemoryDependencies';

const REQUEST_ID = '11111111-1111-4111-8111-111111111111';

const session = inMemoryAirlockForEachTest();

function revoke(person: Person, body: unknown = { reason: 'consent withdrawn' }) {
  return revokeRequest(
    httpRequest({ path: 'revoke', params: { workspaceId: TEST_WORKSPACE, requestId: REQUEST_ID }, authorization: session.tokens[person], body }),
    session.airlock.durable.asClient(),
    invocationContext('revokeRequest'),
  );
}
const detailOf = (response: { jsonBody?: unknown }) => (response.jsonBody as { detail: string }).detail;
const movedToRejected = (request: AirlockRequest): AirlockRequest => ({ ...request, filesAt: { stage: 'rejected', cycle: 1 } });

test('an Airlock Manager revokes: the answer says revoked, with the files out of the approved stage', async () => {
  await storedRequest(session.airlock.store, { status: 'approved', id: REQUEST_ID });
  session.airlock.durable.onRaiseEvent = ({ instanceId }) => session.airlock.store.changeBehindTheHandler(TEST_WORKSPACE, instanceId, movedToRejected);

  const response = await revoke('mia');

  expect(response.status).toBe(200);
  const { airlockRequest } = response.jsonBody as { airlockRequest: AirlockRequest };
  // A decision, not a failure: the reason is progress, and TRE's portal shows it with the revoking review, not as a red bar.
  expect(airlockRequest).toMatchObject({ status: 'revoked', progressMessage: 'Revoked: consent withdrawn', filesAt: { stage: 'rejected', cycle: 1 } });
  expect(airlockRequest).not.toHaveProperty('statusMessage');
  expect(airlockRequest.reviews.at(-1)).toMatchObject({ reviewer: { id: 'user-mia' }, reviewDecision: 'revoked', decisionExplanation: 'consent withdrawn' });
  expect((await session.airlock.store.listAudit(TEST_WORKSPACE, REQUEST_ID)).map((entry) => entry.action).slice(1)).toEqual(['review.recorded', 'status.changed']);
});

test('the answer waits while the files are still in the approved stage', async () => {
  await storedRequest(session.airlock.store, { status: 'approved', id: REQUEST_ID });
  let readsSinceNotified = 0;
  session.airlock.durable.onRaiseEvent = () => {
    session.airlock.store.afterGet = (workspaceId, id) => {
      readsSinceNotified += 1;
      // The workflow finishes its move only after the handler has looked twice.
      if (readsSinceNotified === 2) session.airlock.store.changeBehindTheHandler(workspaceId, id, movedToRejected);
    };
  };

  const response = await revoke('mia');

  expect(response.status).toBe(200);
  expect((response.jsonBody as { airlockRequest: AirlockRequest }).airlockRequest.filesAt).toEqual({ stage: 'rejected', cycle: 1 });
  expect(readsSinceNotified).toBe(3);
});

test('when the workflow never moves the files, the answer after a minute is 202 with the request revoked and its files still approved', async () => {
  await storedRequest(session.airlock.store, { status: 'approved', id: REQUEST_ID });
  const clockBefore = session.airlock.deps.now().getTime();
  const realBefore = performance.now();

  const response = await revoke('mia');

  expect(response.status).toBe(202);
  const { airlockRequest } = response.jsonBody as { airlockRequest: AirlockRequest };
  expect(airlockRequest).toMatchObject({ status: 'revoked', filesAt: { stage: 'approved', cycle: 1 } });
  expect(airlockRequest).toEqual({ ...(await session.airlock.store.get(TEST_WORKSPACE, REQUEST_ID)), reviewUserResources: {} });
  // The handler waited its full minute on the test's clock, and not on the real one.
  expect(session.airlock.deps.now().getTime() - clockBefore).toBeGreaterThanOrEqual(60_000);
  expect(performance.now() - realBefore).toBeLessThan(1_000);
});

test('when the files leave after some seconds of polls, the answer is 200 as soon as they are gone', async () => {
  await storedRequest(session.airlock.store, { status: 'approved', id: REQUEST_ID });
  const clockBefore = session.airlock.deps.now().getTime();
  session.airlock.durable.onRaiseEvent = () => {
    session.airlock.store.afterGet = (workspaceId, id) => {
      if (session.airlock.deps.now().getTime() - clockBefore >= 10_000) {
        session.airlock.store.afterGet = undefined;
        session.airlock.store.changeBehindTheHandler(workspaceId, id, movedToRejected);
      }
    };
  };
  const realBefore = performance.now();

  const response = await revoke('mia');

  expect(response.status).toBe(200);
  expect((response.jsonBody as { airlockRequest: AirlockRequest }).airlockRequest).toMatchObject({ status: 'revoked', filesAt: { stage: 'rejected', cycle: 1 } });
  const waited = session.airlock.deps.now().getTime() - clockBefore;
  expect(waited).toBeGreaterThanOrEqual(10_000);
  expect(waited).toBeLessThan(11_000);
  expect(performance.now() - realBefore).toBeLessThan(1_000);
});

test('a researcher cannot revoke, even their own request', async () => {
  const approved = await storedRequest(session.airlock.store, { status: 'approved', id: REQUEST_ID });

  const response = await revoke('rita');

  expect(response.status).toBe(403);
  expect(detailOf(response)).toBe('Only an Airlock Manager can revoke a request');
  expect(await session.airlock.store.get(TEST_WORKSPACE, REQUEST_ID)).toEqual(approved);
});

test('only an approved request can be revoked', async () => {
  const inReview = await storedRequest(session.airlock.store, { status: 'in_review', id: REQUEST_ID });

  const response = await revoke('mia');

  expect(response.status).toBe(400);
  expect(await session.airlock.store.get(TEST_WORKSPACE, REQUEST_ID)).toEqual(inReview);
  expect(session.airlock.durable.raised).toEqual([]);
});
