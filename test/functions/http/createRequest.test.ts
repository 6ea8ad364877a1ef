/**
 * `POST /api/workspaces/{workspaceId}/requests`, called as the host calls it, on in-memory adapters:
 * a researcher's new draft is stored with its first audit entry and its workflow started; a request
 * whose workflow cannot start is failed on the record, so nobody waits on it.
 */
import { AirlockRequest } from '../../../src/domain/request';
import { createRequest } from '../../../src/functions/http/createRequest';
import { LIFECYCLE_ORCHESTRATOR } from '../../../src/functions/lifecycleNames';
import { verifyChain } from '../../../src/infra/auditChain';
import {
  httpRequest,
  inMemoryAirlockForEachTest,
  invocationContext,
  Person,
  TEST_TIME,
  TEST_WORKSPACE,
} from '../../support/inMemoryDependencies';


const session = inMemoryAirlockForEachTest();

const NEW_REQUEST = { type: 'import', title: ' Cohort extract ', businessJustification: 'Needed for the approved study' };

function create(person: Person, body: unknown = NEW_REQUEST) {
  return createRequest(
    httpRequest({ path: `workspaces/${TEST_WORKSPACE}/requests`, params: { workspaceId: TEST_WORKSPACE }, authorization: session.tokens[person], body }),
    session.airlock.durable.asClient(),
    invocationContext('createRequest'),
  );
}

async function storedRequests(): Promise<AirlockRequest[]> {
  return (await session.airlock.store.list(TEST_WORKSPACE, { orderBy: 'updatedWhen', orderAscending: true, pageSize: 100 })).items;
}

test('a researcher creates a draft: it is stored with its creation in the audit log and its workflow is started', async () => {
  const response = await create('rita');

  expect(response.status).toBe(201);
  const { airlockRequest, allowedUserActions } = response.jsonBody as { airlockRequest: AirlockRequest; allowedUserActions: string[] };
  expect(airlockRequest).toMatchObject({
    workspaceId: TEST_WORKSPACE,
    type: 'import',
    title: 'Cohort extract',
    status: 'draft',
    createdBy: { id: 'user-rita', name: 'Rita Researcher' },
    createdWhen: TEST_TIME.getTime() / 1000,
  });
  expect(allowedUserActions).toEqual(['submit', 'cancel']);
  const stored = await session.airlock.store.get(TEST_WORKSPACE, airlockRequest.id);
  // The stored request as it is, and Azure TRE's empty review-VM map, which is not stored (facts §3.2).
  expect(airlockRequest).toEqual({ ...stored, reviewUserResources: {} });
  const audit = await session.airlock.store.listAudit(TEST_WORKSPACE, airlockRequest.id);
  expect(audit.map((entry) => entry.action)).toEqual(['request.created']);
  expect(verifyChain(audit, stored?.auditHead).verified).toBe(true);
  expect(session.airlock.durable.started).toEqual([
    { name: LIFECYCLE_ORCHESTRATOR, instanceId: airlockRequest.id, input: { requestId: airlockRequest.id, workspaceId: TEST_WORKSPACE, type: 'import' } },
  ]);
});

test('an Airlock Manager cannot create a request, and nothing is stored or started', async () => {
  const response = await create('mia');

  expect(response.status).toBe(403);
  expect(response.jsonBody).toEqual({ detail: 'Only a Workspace Researcher or Workspace Owner can create an airlock request' });
  expect(await storedRequests()).toEqual([]);
  expect(session.airlock.durable.started).toEqual([]);
});

test('in a workspace with the airlock switched off, nothing can be created', async () => {
  await session.airlock.workspaces.changeSettings(TEST_WORKSPACE, { enabled: false });

  const response = await create('rita');

  expect(response.status).toBe(405);
  expect(response.jsonBody).toEqual({ detail: 'Airlock is not enabled in this workspace.' });
  expect(await storedRequests()).toEqual([]);
});

test("a body without a title, as Azure TRE's own e2e test sends it, creates a request with TRE's default title", async () => {
  const response = await create('rita', { type: 'import', businessJustification: 'some business justification' });

  expect(response.status).toBe(201);
  const { airlockRequest } = response.jsonBody as { airlockRequest: AirlockRequest };
  expect(airlockRequest).toMatchObject({ type: 'import', status: 'draft', title: 'Airlock Request', businessJustification: 'some business justification' });
  expect(await storedRequests()).toEqual([expect.objectContaining({ id: airlockRequest.id, title: 'Airlock Request' })]);
});

test("a body with only a type gets TRE's default justification too", async () => {
  const response = await create('rita', { type: 'export' });

  expect(response.status).toBe(201);
  expect((response.jsonBody as { airlockRequest: AirlockRequest }).airlockRequest).toMatchObject({
    type: 'export',
    title: 'Airlock Request',
    businessJustification: 'Business Justifications',
  });
});

test.each([
  ['a blank title', { type: 'import', title: '  ', businessJustification: 'b' }, 'body.title must not be empty'],
  ['a misspelt field', { type: 'import', titel: 'Cohort' }, 'body.titel is not a known field'],
  ['no type', { title: 'Cohort', businessJustification: 'b' }, 'body.type is required'],
  ['a JSON string instead of an object', 'import', 'body must be a JSON object'],
])('%s is refused with 422 and the reason, and nothing is stored or started', async (_case, body, detail) => {
  const response = await create('rita', body);

  expect(response.status).toBe(422);
  expect(response.jsonBody).toEqual({ detail });
  expect(await storedRequests()).toEqual([]);
  expect(session.airlock.durable.started).toEqual([]);
});

test('when the workflow cannot be started, the caller gets a 503 and the stored draft says it failed', async () => {
  session.airlock.durable.startNewFailure = new Error('task hub unavailable');
  const id = '00000000-0000-4000-8000-000000000001';
  session.airlock.durable.setStatus(id, 'missing');

  const response = await create('rita');

  expect(response.status).toBe(503);
  expect((response.jsonBody as { detail: string }).detail).toMatch(/workflow could not be notified \(task hub unavailable\)/);
  const [stored] = await storedRequests();
  expect(stored).toMatchObject({ id, status: 'failed', statusMessage: 'The airlock could not start processing this request; create a new one' });
  expect((await session.airlock.store.listAudit(TEST_WORKSPACE, id)).map((entry) => entry.action)).toEqual(['request.created', 'status.changed']);
});

test('when the reconciler started the workflow first, the failed start does not matter: the draft is created', async () => {
  session.airlock.durable.startNewFailure = new Error('instance already exists');

  const response = await create('rita');

  expect(response.status).toBe(201);
  const [stored] = await storedRequests();
  expect(stored.status).toBe('draft');
});
