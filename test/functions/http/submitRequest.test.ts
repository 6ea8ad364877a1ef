/**
 * `POST .../requests/{requestId}/submit` on in-memory adapters: what is submitted is what the draft
 * container holds at that moment, each file in the version listed; a submission the airlock could
 * not carry out is refused before anything is stored.
 */
import { AirlockRequest } from '../../../src/domain/request';
import { FIRST_DRAFT } from '../../../src/domain/stages';
import { submitRequest } from '../../../src/functions/http/submitRequest';
import { REQUEST_UPDATED_EVENT } from '../../../src/functions/lifecycleNames';
import { containerFor } from '../../../src/infra/stageStorage';
import {
  httpRequest,
  inMemoryAirlockForEachTest,
  invocationContext,
  Person,
  storedRequest,
  TEST_WORKSPACE,
} from '../../support/inMemoryDependencies';

const REQUEST_ID = '11111111-1111-4111-8111-111111111111';
let draft: AirlockRequest;

const session = inMemoryAirlockForEachTest();
beforeEach(async () => {
  draft = await storedRequest(session.airlock.store, { status: 'draft', id: REQUEST_ID });
});

function submit(person: Person) {
  return submitRequest(
    httpRequest({ path: `workspaces/${TEST_WORKSPACE}/requests/${REQUEST_ID}/submit`, params: { workspaceId: TEST_WORKSPACE, requestId: REQUEST_ID }, authorization: session.tokens[person], body: {} }),
    session.airlock.durable.asClient(),
    invocationContext('submitRequest'),
  );
}

const upload = (name: string, content: string) => session.airlock.storage.upload(containerFor(draft, FIRST_DRAFT), name, content);
const detailOf = (response: { jsonBody?: unknown }) => (response.jsonBody as { detail: string }).detail;

test('the requester submits: the files in the draft container are recorded in the versions listed, and the workflow is told', async () => {
  const cohortEtag = upload('cohort.csv', 'a,b\n1,2\n');
  const notesEtag = upload('notes/readme.txt', 'read me');

  const response = await submit('rita');

  expect(response.status).toBe(200);
  const { airlockRequest } = response.jsonBody as { airlockRequest: AirlockRequest };
  expect(airlockRequest).toMatchObject({
    status: 'submitted',
    reviewCycle: 1,
    files: [
      { name: 'cohort.csv', size: 8, etag: cohortEtag },
      { name: 'notes/readme.txt', size: 7, etag: notesEtag },
    ],
  });
  expect({ ...(await session.airlock.store.get(TEST_WORKSPACE, REQUEST_ID)), reviewUserResources: {} }).toEqual(airlockRequest);
  expect((await session.airlock.store.listAudit(TEST_WORKSPACE, REQUEST_ID)).map((entry) => entry.action)).toEqual(['request.created', 'files.recorded', 'status.changed']);
  expect(session.airlock.durable.raised).toEqual([{ instanceId: REQUEST_ID, eventName: REQUEST_UPDATED_EVENT, eventData: { status: 'submitted', resourceVersion: 1 } }]);
});

test('badly named files are refused, each with its reason, and the draft stays as it was', async () => {
  upload('report\u202Etxt.exe', 'x');
  upload('Data.csv', 'x');
  upload('data.csv', 'x');

  const response = await submit('rita');

  expect(response.status).toBe(400);
  expect(detailOf(response)).toBe(
    'Some file names are not accepted; rename or delete these files in the draft container: ' +
      '"data.csv" and "Data.csv" differ only in letter case or Unicode form; ' +
      '"report\u202Etxt.exe": the name contains invisible or direction-changing characters',
  );
  expect(await session.airlock.store.get(TEST_WORKSPACE, REQUEST_ID)).toEqual(draft);
  expect(session.airlock.durable.raised).toEqual([]);
});

test('an empty draft cannot be submitted', async () => {
  const response = await submit('rita');

  expect(response.status).toBe(400);
  expect(detailOf(response)).toBe('Request has no files: upload at least one file to the draft container before submitting');
  expect(await session.airlock.store.get(TEST_WORKSPACE, REQUEST_ID)).toEqual(draft);
});

test('more files than the workspace allows are refused with the limit', async () => {
  await session.airlock.workspaces.changeSettings(TEST_WORKSPACE, { maxFiles: 1 });
  upload('a.csv', 'a');
  upload('b.csv', 'b');

  const response = await submit('rita');

  expect(response.status).toBe(400);
  expect(detailOf(response)).toMatch(/^the request has 2 files; this workspace allows at most 1 per request/);
});

test('while the workflow is not running nothing is stored: the answer is 503 and says how it gets restarted', async () => {
  upload('cohort.csv', 'a,b\n');
  session.airlock.durable.setStatus(REQUEST_ID, 'Terminated');

  const response = await submit('rita');

  expect(response.status).toBe(503);
  expect(detailOf(response)).toMatch(new RegExp(`workflow for request ${REQUEST_ID} is not running \\(Terminated\\), so nothing was changed`));
  expect(await session.airlock.store.get(TEST_WORKSPACE, REQUEST_ID)).toEqual(draft);
  expect(await session.airlock.store.listAudit(TEST_WORKSPACE, REQUEST_ID)).toHaveLength(1);
  expect(session.airlock.durable.raised).toEqual([]);
});

test('another researcher cannot see the draft, so for them it does not exist', async () => {
  upload('cohort.csv', 'a,b\n');

  const response = await submit('sam');

  expect(response.status).toBe(404);
  expect(await session.airlock.store.get(TEST_WORKSPACE, REQUEST_ID)).toEqual(draft);
});

test('where researchers see each other\'s requests, another researcher still cannot submit this one', async () => {
  await session.airlock.workspaces.changeSettings(TEST_WORKSPACE, { requestVisibility: 'workspace' });
  upload('cohort.csv', 'a,b\n');

  const response = await submit('sam');

  expect(response.status).toBe(403);
  expect(detailOf(response)).toBe('Only the requester or a Workspace Owner can submit this request');
});

test('a request returned for changes whose files are still on their way back cannot be submitted yet', async () => {
  const returned = await storedRequest(session.airlock.store, { status: 'changes_requested', id: '22222222-2222-4222-8222-222222222222' });
  session.airlock.store.changeBehindTheHandler(TEST_WORKSPACE, returned.id, (request) => ({ ...request, filesAt: { stage: 'in_progress', cycle: 1 } }));

  const response = await submitRequest(
    httpRequest({ path: 'submit', params: { workspaceId: TEST_WORKSPACE, requestId: returned.id }, authorization: session.tokens.rita, body: {} }),
    session.airlock.durable.asClient(),
    invocationContext('submitRequest'),
  );

  expect(response.status).toBe(400);
  expect(detailOf(response)).toBe("Airlock request's files are being moved to the draft stage, please try again shortly");
});
