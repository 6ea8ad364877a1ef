/**
 * What TRE's portal sees of a request's messages, on in-memory adapters. The portal shows any
 * `statusMessage` as a red error bar (tre-facts §1.8) and TRE sets one only when a request fails or
 * is blocked (§3.2), so everything else the airlock says travels as `progressMessage`, which the
 * portal ignores and our own clients show. Requests stored before `progressMessage` existed are
 * read the same way.
 */
import { AirlockRequest } from '../../../src/domain/request';
import { getRequest } from '../../../src/functions/http/getRequest';
import { listRequests } from '../../../src/functions/http/listRequests';
import { reviewRequest } from '../../../src/functions/http/reviewRequest';
import {
  httpRequest,
  inMemoryAirlockForEachTest,
  invocationContext,
  storedRequest,
  TEST_WORKSPACE,
} from '../../support/inMemoryDependencies';

const REQUEST_ID = '11111111-1111-4111-8111-111111111111';

const session = inMemoryAirlockForEachTest();

function review(authorization: string, body: unknown) {
  return reviewRequest(
    httpRequest({ path: 'review', params: { workspaceId: TEST_WORKSPACE, requestId: REQUEST_ID }, authorization, body }),
    session.airlock.durable.asClient(),
    invocationContext('reviewRequest'),
  );
}

/** The request as the portal loads it: alone, and in the workspace's list. */
async function asThePortalSeesIt(authorization: string): Promise<AirlockRequest[]> {
  const one = await getRequest(
    httpRequest({ path: 'get', params: { workspaceId: TEST_WORKSPACE, requestId: REQUEST_ID }, authorization }),
    invocationContext('getRequest'),
  );
  const list = await listRequests(
    httpRequest({ path: `workspaces/${TEST_WORKSPACE}/requests`, params: { workspaceId: TEST_WORKSPACE }, authorization }),
    invocationContext('listRequests'),
  );
  expect([one.status, list.status]).toEqual([200, 200]);
  const listed = (list.jsonBody as { airlockRequests: { airlockRequest: AirlockRequest }[] }).airlockRequests.map((item) => item.airlockRequest);
  return [(one.jsonBody as { airlockRequest: AirlockRequest }).airlockRequest, ...listed.filter((request) => request.id === REQUEST_ID)];
}

test('after one of two approvals the request shows no error, and its progress message says 1 of 2', async () => {
  await storedRequest(session.airlock.store, { status: 'in_review', id: REQUEST_ID });
  await session.airlock.workspaces.changeSettings(TEST_WORKSPACE, { requiredApprovals: 2 });

  expect((await review(session.tokens.mia, { approval: true, decisionExplanation: 'fine' })).status).toBe(200);

  const seen = await asThePortalSeesIt(session.tokens.rita);
  expect(seen).toHaveLength(2);
  for (const request of seen) {
    expect(request).toMatchObject({ status: 'in_review', progressMessage: 'approved by 1 of 2 reviewers; 1 more approval needed' });
    expect(request).not.toHaveProperty('statusMessage');
  }
});

test('a request stored before progress had its own field shows its progress text as progress, not as an error', async () => {
  const created = await storedRequest(session.airlock.store, { status: 'in_review', id: REQUEST_ID });
  await session.airlock.store.replace({ ...created, statusMessage: 'not scanned: scanning is disabled' });

  const seen = await asThePortalSeesIt(session.tokens.mia);
  expect(seen).toHaveLength(2);
  for (const request of seen) {
    expect(request).toMatchObject({ status: 'in_review', progressMessage: 'not scanned: scanning is disabled' });
    expect(request).not.toHaveProperty('statusMessage');
  }

  // Its next write stores the new shape.
  expect((await review(session.tokens.mia, { decision: 'rejected', decisionExplanation: 'contains names' })).status).toBe(200);
  const rejected = await session.airlock.store.get(TEST_WORKSPACE, REQUEST_ID);
  expect(rejected).toMatchObject({ status: 'rejection_in_progress', progressMessage: 'Rejected: contains names' });
  expect(rejected).not.toHaveProperty('statusMessage');
});

test('a block stored before progress had its own field keeps its verdict as the status message', async () => {
  const created = await storedRequest(session.airlock.store, { status: 'blocked_by_scan', id: REQUEST_ID });
  await session.airlock.store.replace({ ...created, statusMessage: 'cohort.csv: Malicious: Eicar-Test-Signature' });

  const seen = await asThePortalSeesIt(session.tokens.rita);
  expect(seen).toHaveLength(2);
  for (const request of seen) {
    expect(request).toMatchObject({ status: 'blocked_by_scan', statusMessage: 'cohort.csv: Malicious: Eicar-Test-Signature' });
    expect(request).not.toHaveProperty('progressMessage');
  }
});
