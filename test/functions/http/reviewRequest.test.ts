/**
 * `POST .../requests/{requestId}/review` on in-memory adapters: nobody reviews their own request,
 * nobody reviews twice in a cycle, and a request moves on once the workspace's quorum approved it.
 */
import { AirlockRequest } from '../../../src/domain/request';
import { Caller } from '../../../src/domain/roles';
import { reviewRequest } from '../../../src/functions/http/reviewRequest';
import {
  httpRequest,
  inMemoryAirlockForEachTest,
  invocationContext,
  PEOPLE,
  storedRequest,
  TEST_WORKSPACE,
} from '../../support/inMemoryDependencies';

const REQUEST_ID = '11111111-1111-4111-8111-111111111111';
let inReview: AirlockRequest;

const session = inMemoryAirlockForEachTest();
beforeEach(async () => {
  inReview = await storedRequest(session.airlock.store, { status: 'in_review', id: REQUEST_ID });
});

function review(authorization: string, body: unknown) {
  return reviewRequest(
    httpRequest({ path: 'review', params: { workspaceId: TEST_WORKSPACE, requestId: REQUEST_ID }, authorization, body }),
    session.airlock.durable.asClient(),
    invocationContext('reviewRequest'),
  );
}
const approval = { approval: true, decisionExplanation: 'fine' };
const detailOf = (response: { jsonBody?: unknown }) => (response.jsonBody as { detail: string }).detail;
const stored = () => session.airlock.store.get(TEST_WORKSPACE, REQUEST_ID);

test('a requester who is also an Airlock Manager cannot review their own request', async () => {
  const ritaManaging: Caller = { ...PEOPLE.rita, roles: ['WorkspaceResearcher', 'AirlockManager'] };

  const response = await review(session.airlock.identity.signIn('rita-managing', ritaManaging), approval);

  expect(response.status).toBe(403);
  expect(detailOf(response)).toBe('You cannot review your own request');
  expect(await stored()).toEqual(inReview);
});

test('with two approvals required, the first keeps the request in review, the same reviewer cannot count twice, and a second reviewer moves it on', async () => {
  await session.airlock.workspaces.changeSettings(TEST_WORKSPACE, { requiredApprovals: 2 });

  const first = await review(session.tokens.mia, approval);
  expect(first.status).toBe(200);
  const afterOne = (first.jsonBody as { airlockRequest: AirlockRequest }).airlockRequest;
  expect(afterOne).toMatchObject({ status: 'in_review', progressMessage: 'approved by 1 of 2 reviewers; 1 more approval needed' });
  expect(afterOne).not.toHaveProperty('statusMessage');

  const again = await review(session.tokens.mia, approval);
  expect(again.status).toBe(403);
  expect(detailOf(again)).toBe('You have already reviewed this request; another Airlock Manager must review it');

  const second = await review(session.tokens.max, approval);
  expect(second.status).toBe(200);
  const approved = await stored();
  expect(approved?.status).toBe('approval_in_progress');
  expect(approved?.reviews.map((r) => [r.reviewer.id, r.reviewDecision, r.cycle])).toEqual([
    ['user-mia', 'approved', 1],
    ['user-max', 'approved', 1],
  ]);
  expect((await session.airlock.store.listAudit(TEST_WORKSPACE, REQUEST_ID)).map((entry) => entry.action)).toEqual([
    'request.created',
    'review.recorded',
    'review.recorded',
    'status.changed',
  ]);
  expect(session.airlock.durable.raised.map((event) => event.eventData)).toEqual([
    { status: 'in_review', resourceVersion: 3 },
    { status: 'approval_in_progress', resourceVersion: 4 },
  ]);
});

test('one rejection rejects, with the explanation in the progress message (TRE shows it with the review, not as an error)', async () => {
  const response = await review(session.tokens.mia, { decision: 'rejected', decisionExplanation: 'contains names' });

  expect(response.status).toBe(200);
  expect(await stored()).toMatchObject({ status: 'rejection_in_progress', progressMessage: 'Rejected: contains names' });
  expect((response.jsonBody as { airlockRequest: AirlockRequest }).airlockRequest).not.toHaveProperty('statusMessage');
});

test('a researcher cannot review', async () => {
  const response = await review(session.tokens.sam, approval);

  // Sam cannot even see Rita's request.
  expect(response.status).toBe(404);
  await session.airlock.workspaces.changeSettings(TEST_WORKSPACE, { requestVisibility: 'workspace' });
  const seen = await review(session.tokens.sam, approval);
  expect(seen.status).toBe(403);
  expect(detailOf(seen)).toBe('Only an Airlock Manager can review a request');
});

test('a review that is neither an approval nor a decision is refused with 422 and nothing is recorded', async () => {
  const response = await review(session.tokens.mia, { decisionExplanation: 'hmm' });

  expect(response.status).toBe(422);
  expect(detailOf(response)).toMatch(/exactly one of approval/);
  expect(await stored()).toEqual(inReview);
  expect(session.airlock.durable.raised).toEqual([]);
});

test('Azure TRE\'s e2e review, `"approval": "True"` with an explanation, approves (facts §5)', async () => {
  const response = await review(session.tokens.mia, { approval: 'True', decisionExplanation: 'the reason why this request was approved/rejected' });

  expect(response.status).toBe(200);
  const { airlockRequest } = response.jsonBody as { airlockRequest: AirlockRequest };
  expect(airlockRequest.status).toBe('approval_in_progress');
  expect(airlockRequest.reviews[0]).toMatchObject({ reviewDecision: 'approved', decisionExplanation: 'the reason why this request was approved/rejected' });
});

test('`"approval": "false"` without an explanation rejects, with Azure TRE\'s default explanation', async () => {
  const response = await review(session.tokens.mia, { approval: 'false' });

  expect(response.status).toBe(200);
  const reviewed = await stored();
  expect(reviewed?.status).toBe('rejection_in_progress');
  expect(reviewed?.reviews.map((r) => [r.reviewDecision, r.decisionExplanation])).toEqual([['rejected', 'Decision Explanation']]);
});

test('an approval in a form Azure TRE would not accept either is refused with 422 naming the accepted forms, and nothing is recorded', async () => {
  const response = await review(session.tokens.mia, { approval: 'approve', decisionExplanation: 'fine' });

  expect(response.status).toBe(422);
  expect(detailOf(response)).toMatch(/^body\.approval must be a JSON boolean \(true or false\), one of the strings "true"\/"false"/);
  expect(await stored()).toEqual(inReview);
  expect(session.airlock.durable.raised).toEqual([]);
});

test('a malformed body is refused only after the caller is known to be allowed: a researcher hears 404/403, not 422', async () => {
  expect((await review(session.tokens.sam, { approval: 'approve' })).status).toBe(404);
  expect((await review(session.tokens.mia, { approval: 'approve' })).status).toBe(422);
});
