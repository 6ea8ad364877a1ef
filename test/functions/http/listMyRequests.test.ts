/**
 * `GET /api/requests?airlock_manager=true`, the reviewer's queue, called as the host calls it against
 * a TableRequestStore on an embedded Azurite. The queue must offer exactly the requests `review`
 * would accept from the caller: a request they could not review is not waiting for them.
 */
import { randomUUID } from 'node:crypto';
import { HttpRequest, InvocationContext } from '@azure/functions';
import { AirlockConfig } from '../../../src/config';
import { authorize } from '../../../src/domain/permissions';
import { AirlockRequest, newDraftRequest, withStatus } from '../../../src/domain/request';
import { recordReview } from '../../../src/domain/review';
import { Caller, UserRef } from '../../../src/domain/roles';
import { listMyRequests } from '../../../src/functions/http/listMyRequests';
import { Dependencies, setDependencies } from '../../../src/infra/dependencies';
import { TokenValidator } from '../../../src/infra/identity/tokenValidator';
import { TableRequestStore } from '../../../src/infra/tableRequestStore';
import { newAccountKey, RunningAzurite, startAzurite } from '../../../src/local/azurite';

const WORKSPACE_ID = 'ws01';
const RITA: UserRef = { id: 'rita', name: 'Rita Researcher' };
const BOB: UserRef = { id: 'bob', name: 'Bob Manager' };
const CAROL: UserRef = { id: 'carol', name: 'Carol Manager' };
const asManager = (user: UserRef, ...more: Caller['roles']): Caller => ({ ...user, roles: ['AirlockManager', ...more], workspaceId: WORKSPACE_ID });

let azurite: RunningAzurite;
let store: TableRequestStore;
/** Whoever the token of the next call names. */
let signedIn: Caller;

/** The handler reads only these; the rest of Dependencies stays out of this test on purpose. */
type UsedDependencies = Pick<Dependencies, 'store' | 'identity' | 'now'> & { config: Pick<AirlockConfig, 'treId'> };

beforeAll(async () => {
  azurite = await startAzurite({ accounts: { airlockstate: newAccountKey() } });
  // A table of its own, so that requests of other tests never stand in this queue.
  store = await TableRequestStore.connect({ connectionString: azurite.connectionString('airlockstate'), tableName: 'queue' });
  const identity: TokenValidator = { authenticate: async () => signedIn };
  const used: UsedDependencies = { config: { treId: 'test' }, store, identity, now: () => new Date() };
  setDependencies(used as Dependencies);
});

afterAll(async () => {
  setDependencies(undefined);
  await azurite?.close();
});

/** A request in review at its first submission, created by `creator`, after the given reviews. */
async function inReview(title: string, creator: UserRef, reviews: { by: UserRef; decision: 'approved' }[] = []): Promise<AirlockRequest> {
  const draft = newDraftRequest({ id: randomUUID(), workspaceId: WORKSPACE_ID, type: 'import', title, businessJustification: 'b', creator, now: 1 });
  const submitted = withStatus(draft, {
    to: 'submitted',
    trigger: 'submit',
    actor: creator,
    now: 2,
    changes: { files: [{ name: 'a.csv', size: 4, sha256: 'a'.repeat(64) }], reviewCycle: 1 },
  });
  let request = withStatus(submitted, { to: 'in_review', trigger: 'system', actor: creator, now: 3 });
  // Two approvals are required, so one keeps the request in review.
  for (const { by, decision } of reviews) {
    request = recordReview(request, { id: randomUUID(), reviewer: by, decision, decisionExplanation: 'fine', now: 4, requiredApprovals: 2 });
  }
  return store.create(request);
}

async function queueOf(caller: Caller): Promise<string[]> {
  signedIn = caller;
  const request = new HttpRequest({ method: 'GET', url: 'http://127.0.0.1/api/requests?airlock_manager=true' });
  const context = new InvocationContext({ functionName: 'listMyRequests', invocationId: randomUUID() });
  const response = await listMyRequests(request, context);
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
  expect(await queueOf({ ...CAROL, roles: ['WorkspaceResearcher'], workspaceId: WORKSPACE_ID })).toEqual([]);
});
