/**
 * `GET /api/requests?airlock_manager=true`, the reviewer's queue, on in-memory adapters. The queue
 * must offer exactly the requests `review` would accept from the caller: a request they could not
 * review is not waiting for them.
 */
import { epochSeconds } from '../../../src/domain/epochSeconds';
import { authorize } from '../../../src/domain/permissions';
import { AirlockRequest } from '../../../src/domain/request';
import { recordReview } from '../../../src/domain/review';
import { Caller, UserRef } from '../../../src/domain/roles';
import { listMyRequests } from '../../../src/functions/http/listMyRequests';
import {
  httpRequest,
  inMemoryAirlockForEachTest,
  invocationContext,
  storedRequest,
  TEST_WORKSPACE,
} from '../../support/inMemoryDependencies';

const RITA: UserRef = { id: 'rita', name: 'Rita Researcher' };
const BOB: UserRef = { id: 'bob', name: 'Bob Manager' };
const CAROL: UserRef = { id: 'carol', name: 'Carol Manager' };
const asManager = (user: UserRef, ...more: Caller['roles']): Caller => ({ ...user, roles: ['AirlockManager', ...more], workspaceId: TEST_WORKSPACE });

const session = inMemoryAirlockForEachTest();

/** A request in review at its first submission, created by `creator`, after the given reviews. */
async function inReview(title: string, creator: UserRef, reviews: { by: UserRef; decision: 'approved' }[] = []): Promise<AirlockRequest> {
  const { store, deps } = session.airlock;
  let request = await storedRequest(store, { status: 'in_review', creator, id: deps.newId(), title });
  // Two approvals are required, so one keeps the request in review.
  for (const { by, decision } of reviews) {
    const reviewed = recordReview(request, { id: deps.newId(), reviewer: by, decision, decisionExplanation: 'fine', now: epochSeconds(deps.now()), requiredApprovals: 2 });
    request = await store.replace(reviewed);
  }
  return request;
}

async function queueOf(caller: Caller): Promise<string[]> {
  const authorization = session.airlock.identity.signIn(caller.id, caller);
  const response = await listMyRequests(httpRequest({ path: 'requests?airlock_manager=true', authorization }), invocationContext('listMyRequests'));
  expect(response.status).toBe(200);
  return (response.jsonBody as AirlockRequest[]).map((item) => item.title).sort();
}

test('the queue holds what the caller may review: not their own request, nor one they already reviewed this cycle', async () => {
  const fresh = await inReview('fresh', RITA);
  const approvedByBob = await inReview('approved by bob', RITA, [{ by: BOB, decision: 'approved' }]);
  const bobsOwn = await inReview('bob\'s own', BOB);
  const bob = asManager(BOB, 'WorkspaceResearcher');

  expect(await queueOf(bob)).toEqual(['fresh']);
  expect(await queueOf(asManager(CAROL))).toEqual(['approved by bob', 'bob\'s own', 'fresh']);
  // The same answer as review itself gives.
  expect(() => authorize('review', bob, fresh)).not.toThrow();
  expect(() => authorize('review', bob, approvedByBob)).toThrow(/already reviewed/);
  expect(() => authorize('review', bob, bobsOwn)).toThrow(/your own request/);
});

test('a researcher without the Airlock Manager role has no queue', async () => {
  await inReview('waiting', RITA);
  expect(await queueOf({ ...CAROL, roles: ['WorkspaceResearcher'], workspaceId: TEST_WORKSPACE })).toEqual([]);
});
