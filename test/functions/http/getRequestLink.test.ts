/**
 * `POST .../requests/{requestId}/link` on in-memory adapters: who gets which access in which status,
 * only where the files are now, and never a URL that the audit log does not already record.
 */
import { AuditEntry } from '../../../src/domain/audit';
import { AirlockRequest } from '../../../src/domain/request';
import { RequestStatus } from '../../../src/domain/status';
import { getRequestLink } from '../../../src/functions/http/getRequestLink';
import { REQUEST_UPDATED_EVENT } from '../../../src/functions/lifecycleNames';
import {
  httpRequest,
  inMemoryAirlockForEachTest,
  invocationContext,
  Person,
  storedRequest,
  TEST_TIME,
  TEST_WORKSPACE,
} from '../../support/inMemoryDependencies';

const REQUEST_ID = '11111111-1111-4111-8111-111111111111';

const session = inMemoryAirlockForEachTest();

function link(person: Person) {
  return getRequestLink(
    httpRequest({ method: 'POST', path: 'link', params: { workspaceId: TEST_WORKSPACE, requestId: REQUEST_ID }, authorization: session.tokens[person] }),
    session.airlock.durable.asClient(),
    invocationContext('getRequestLink'),
  );
}
const detailOf = (response: { jsonBody?: unknown }) => (response.jsonBody as { detail: string }).detail;
const audit = () => session.airlock.store.listAudit(TEST_WORKSPACE, REQUEST_ID);

test.each<[RequestStatus, Person, string, string]>([
  ['draft', 'rita', 'rwdl', 'stalimextest'],
  ['in_review', 'mia', 'rl', 'stalimiptest'],
  ['in_review', 'olga', 'rl', 'stalimiptest'],
  ['approved', 'rita', 'rl', 'stalimappwsws01'],
  ['approved', 'olga', 'rl', 'stalimappwsws01'],
])('a %s request: %s gets %s on its container in %s', async (status, person, permissions, account) => {
  await storedRequest(session.airlock.store, { status, id: REQUEST_ID });

  const response = await link(person);

  expect(response.status).toBe(200);
  const url = new URL((response.jsonBody as { containerUrl: string }).containerUrl);
  expect(url.hostname).toBe(`${account}.blob.core.invalid`);
  expect(url.pathname).toBe(`/${REQUEST_ID}-1`);
  expect(url.searchParams.get('sp')).toBe(permissions);
  expect(url.searchParams.get('se')).toBe(new Date(TEST_TIME.getTime() + 60 * 60_000).toISOString());
});

test.each<[RequestStatus, Person, number]>([
  ['draft', 'mia', 403],
  ['in_review', 'rita', 403],
  ['approved', 'mia', 403],
  ['submitted', 'rita', 400],
  ['cancelled', 'rita', 400],
])('a %s request: no link for %s (%i), and nothing is audited', async (status, person, code) => {
  await storedRequest(session.airlock.store, { status, id: REQUEST_ID });

  const response = await link(person);

  expect(response.status).toBe(code);
  expect((await audit()).map((entry) => entry.action)).toEqual(['request.created']);
  expect(session.airlock.storage.issuedUrls).toEqual([]);
});

test('the link is in the audit log before its URL is made, and the workflow hears of it', async () => {
  await storedRequest(session.airlock.store, { status: 'draft', id: REQUEST_ID });
  let recordedBeforeUrl: AuditEntry[] = [];
  session.airlock.storage.beforeContainerUrl = async () => {
    recordedBeforeUrl = await audit();
  };

  const response = await link('rita');

  expect(response.status).toBe(200);
  expect(recordedBeforeUrl.at(-1)).toMatchObject({
    action: 'link.issued',
    actor: { id: 'user-rita' },
    detail: { stage: 'draft', permissions: 'rwdl', cycle: 1, account: 'stalimextest', expiresOn: new Date(TEST_TIME.getTime() + 3_600_000).toISOString() },
  });
  expect((await session.airlock.store.get(TEST_WORKSPACE, REQUEST_ID))?.auditHead?.seq).toBe(2);
  expect(session.airlock.durable.raised).toEqual([{ instanceId: REQUEST_ID, eventName: REQUEST_UPDATED_EVENT, eventData: { linkIssued: true } }]);
});

test('a draft link makes sure the draft container exists, so the researcher can upload at once', async () => {
  const draft = await storedRequest(session.airlock.store, { status: 'draft', id: REQUEST_ID });

  await link('rita');

  expect(session.airlock.storage.containerExists(session.airlock.storage.issuedUrls[0].ref)).toBe(true);
  expect(session.airlock.storage.issuedUrls[0].ref).toEqual({ account: 'stalimex', workspaceId: TEST_WORKSPACE, container: `${draft.id}-1` });
});

test('while the files are being moved to where the status keeps them, the answer says so and no link is made', async () => {
  await storedRequest(session.airlock.store, { status: 'approved', id: REQUEST_ID });
  session.airlock.store.changeBehindTheHandler(TEST_WORKSPACE, REQUEST_ID, (request: AirlockRequest) => ({ ...request, filesAt: { stage: 'in_progress', cycle: 1 } }));

  const response = await link('rita');

  expect(response.status).toBe(400);
  expect(detailOf(response)).toBe("Airlock request's files are being moved to the approved stage (status 'approved'), please try again shortly");
  expect(session.airlock.storage.issuedUrls).toEqual([]);
  expect((await audit()).map((entry) => entry.action)).toEqual(['request.created']);
});
