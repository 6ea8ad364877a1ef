/**
 * `POST .../requests/{requestId}/cancel` on in-memory adapters, and the race rule every action
 * shares: a concurrent change loses the action with a 409, unless that change only wrote the audit log.
 */
import { AirlockRequest } from '../../../src/domain/request';
import { cancelRequest } from '../../../src/functions/http/cancelRequest';
import { REQUEST_UPDATED_EVENT } from '../../../src/functions/lifecycleNames';
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

function cancel(person: Person) {
  return cancelRequest(
    httpRequest({ path: 'cancel', params: { workspaceId: TEST_WORKSPACE, requestId: REQUEST_ID }, authorization: session.tokens[person], body: {} }),
    session.airlock.durable.asClient(),
    invocationContext('cancelRequest'),
  );
}
const detailOf = (response: { jsonBody?: unknown }) => (response.jsonBody as { detail: string }).detail;
const stored = () => session.airlock.store.get(TEST_WORKSPACE, REQUEST_ID);

/** The next read is followed by another writer's change, before the handler writes. */
function changedRightAfterNextRead(change: (request: AirlockRequest) => AirlockRequest): void {
  session.airlock.store.afterGet = (workspaceId, id) => {
    session.airlock.store.afterGet = undefined;
    session.airlock.store.changeBehindTheHandler(workspaceId, id, change);
  };
}

test('the requester cancels a draft; the cancellation is audited and the workflow told', async () => {
  await storedRequest(session.airlock.store, { status: 'draft', id: REQUEST_ID });

  const response = await cancel('rita');

  expect(response.status).toBe(200);
  expect((response.jsonBody as { airlockRequest: AirlockRequest; allowedUserActions: string[] })).toMatchObject({
    airlockRequest: { status: 'cancelled' },
    allowedUserActions: [],
  });
  expect((await stored())?.status).toBe('cancelled');
  const audit = await session.airlock.store.listAudit(TEST_WORKSPACE, REQUEST_ID);
  expect(audit[audit.length - 1]).toMatchObject({ action: 'status.changed', fromStatus: 'draft', toStatus: 'cancelled', actor: { id: 'user-rita' } });
  expect(session.airlock.durable.raised).toEqual([{ instanceId: REQUEST_ID, eventName: REQUEST_UPDATED_EVENT, eventData: { status: 'cancelled', resourceVersion: 1 } }]);
});

test('an Airlock Manager who did not create the request cannot cancel it', async () => {
  const draft = await storedRequest(session.airlock.store, { status: 'in_review', id: REQUEST_ID });

  const response = await cancel('mia');

  expect(response.status).toBe(403);
  expect(detailOf(response)).toBe('Only the requester or a Workspace Owner can cancel this request');
  expect(await stored()).toEqual(draft);
});

test('a Workspace Owner may cancel a researcher\'s request in review', async () => {
  await storedRequest(session.airlock.store, { status: 'in_review', id: REQUEST_ID });

  const response = await cancel('olga');

  expect(response.status).toBe(200);
  expect(await stored()).toMatchObject({ status: 'cancelled', updatedBy: { id: 'user-olga' } });
});

test('an approved request cannot be cancelled', async () => {
  const approved = await storedRequest(session.airlock.store, { status: 'approved', id: REQUEST_ID });

  const response = await cancel('rita');

  expect(response.status).toBe(400);
  expect(await stored()).toEqual(approved);
});

test('when someone else changed the request between the read and the write, the cancel is a 409 and changes nothing', async () => {
  await storedRequest(session.airlock.store, { status: 'draft', id: REQUEST_ID });
  changedRightAfterNextRead((request) => ({ ...request, title: 'Renamed', resourceVersion: request.resourceVersion + 1 }));

  const response = await cancel('rita');

  expect(response.status).toBe(409);
  expect(detailOf(response)).toBe(`Airlock request ${REQUEST_ID} was changed by someone else; reload and try again`);
  expect(await stored()).toMatchObject({ status: 'draft', title: 'Renamed' });
  expect(session.airlock.durable.raised).toEqual([]);
});

test('a concurrent write that only added to the audit log (a link issued) does not stop the cancel', async () => {
  await storedRequest(session.airlock.store, { status: 'draft', id: REQUEST_ID });
  changedRightAfterNextRead((request) => request);

  const response = await cancel('rita');

  expect(response.status).toBe(200);
  expect((await stored())?.status).toBe('cancelled');
});
