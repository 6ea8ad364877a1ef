/**
 * `GET .../requests/{requestId}/audit` on in-memory adapters: the log and its verification, for
 * those who govern the workspace only.
 */
import { AuditEntry, ChainVerdict } from '../../../src/domain/audit';
import { getRequestAudit } from '../../../src/functions/http/getRequestAudit';
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
beforeEach(async () => {
  await storedRequest(session.airlock.store, { status: 'in_review', id: REQUEST_ID });
});

function audit(person: Person) {
  return getRequestAudit(
    httpRequest({ path: 'audit', params: { workspaceId: TEST_WORKSPACE, requestId: REQUEST_ID }, authorization: session.tokens[person] }),
    invocationContext('getRequestAudit'),
  );
}

test.each<Person>(['olga', 'mia'])('%s reads the log, and it verifies', async (person) => {
  const response = await audit(person);

  expect(response.status).toBe(200);
  const body = response.jsonBody as { requestId: string; entries: AuditEntry[]; verification: ChainVerdict };
  expect(body.requestId).toBe(REQUEST_ID);
  expect(body.entries.map((entry) => [entry.seq, entry.action])).toEqual([[1, 'request.created']]);
  expect(body.verification).toEqual({ verified: true, entries: 1, problems: [] });
});

test('the requester, a researcher, cannot read the log of their own request', async () => {
  const response = await audit('rita');

  expect(response.status).toBe(403);
  expect(response.jsonBody).toEqual({ detail: 'Only a Workspace Owner or an Airlock Manager can read the audit log of a request' });
});

test('a log whose head the request no longer matches is shown as not verified', async () => {
  session.airlock.store.changeBehindTheHandler(TEST_WORKSPACE, REQUEST_ID, (request) => ({ ...request, auditHead: { seq: 2, hash: 'f'.repeat(64) } }));

  const response = await audit('olga');

  expect((response.jsonBody as { verification: ChainVerdict }).verification).toEqual({
    verified: false,
    entries: 1,
    problems: ["the request's audit head names entry 2 but the log ends at 1"],
  });
});
