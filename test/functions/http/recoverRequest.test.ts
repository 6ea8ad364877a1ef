/**
 * `POST .../requests/{requestId}/recover` on in-memory adapters: a TRE administrator restarts a
 * workflow that stopped without finishing, and the restart is in the request's audit log.
 */
import { Caller } from '../../../src/domain/roles';
import { recoverRequest } from '../../../src/functions/http/recoverRequest';
import { LIFECYCLE_ORCHESTRATOR } from '../../../src/functions/lifecycleNames';
import {
  httpRequest,
  inMemoryAirlockForEachTest,
  invocationContext,
  PEOPLE,
  storedRequest,
  TEST_WORKSPACE,
} from '../../support/inMemoryDependencies';

const REQUEST_ID = '11111111-1111-4111-8111-111111111111';

const session = inMemoryAirlockForEachTest();
beforeEach(async () => {
  await storedRequest(session.airlock.store, { status: 'in_review', id: REQUEST_ID });
});

function recover(authorization: string, requestId = REQUEST_ID) {
  return recoverRequest(
    httpRequest({ path: 'recover', params: { workspaceId: TEST_WORKSPACE, requestId }, authorization, body: {} }),
    session.airlock.durable.asClient(),
    invocationContext('recoverRequest'),
  );
}
const detailOf = (response: { jsonBody?: unknown }) => (response.jsonBody as { detail: string }).detail;

test('a TRE administrator restarts a terminated workflow, and the restart is audited first', async () => {
  session.airlock.durable.setStatus(REQUEST_ID, 'Terminated');

  const response = await recover(session.tokens.admin);

  expect(response.status).toBe(202);
  expect(response.jsonBody).toEqual({ restarted: true, detail: "The workflow was Terminated and has been started again from status 'in_review'" });
  expect(session.airlock.durable.started).toEqual([
    { name: LIFECYCLE_ORCHESTRATOR, instanceId: REQUEST_ID, input: { requestId: REQUEST_ID, workspaceId: TEST_WORKSPACE, type: 'import' } },
  ]);
  const entries = await session.airlock.store.listAudit(TEST_WORKSPACE, REQUEST_ID);
  expect(entries.at(-1)).toMatchObject({
    action: 'workflow.restarted',
    actor: { id: 'user-admin' },
    detail: { reason: 'restarted by a TRE administrator', previousRuntimeStatus: 'Terminated', status: 'in_review' },
  });
});

test('a running workflow is left alone', async () => {
  const response = await recover(session.tokens.admin);

  expect(response.status).toBe(200);
  expect(response.jsonBody).toEqual({ restarted: false, detail: 'The workflow is running; nothing to do' });
  expect(session.airlock.durable.started).toEqual([]);
  expect(await session.airlock.store.listAudit(TEST_WORKSPACE, REQUEST_ID)).toHaveLength(1);
});

test.each<[string, Caller]>([
  ['an Airlock Manager', PEOPLE.mia],
  ['a workspace token claiming TREAdmin', { ...PEOPLE.olga, roles: ['WorkspaceOwner', 'TREAdmin'] }],
])('%s cannot restart a workflow', async (_who, caller) => {
  session.airlock.durable.setStatus(REQUEST_ID, 'Terminated');

  const response = await recover(session.airlock.identity.signIn('caller', caller));

  expect(response.status).toBe(403);
  expect(detailOf(response)).toBe("Only a TRE administrator can restart a request's workflow");
  expect(session.airlock.durable.started).toEqual([]);
});

test('an unknown request is a 404', async () => {
  const response = await recover(session.tokens.admin, '99999999-9999-4999-8999-999999999999');

  expect(response.status).toBe(404);
});
