/**
 * `GET .../requests/{requestId}/changes` on in-memory adapters: what changed since the submission
 * the reviewers returned for changes, for those who may read the files now.
 */
import { auditOfChange } from '../../../src/domain/auditOfChange';
import { CycleChanges } from '../../../src/domain/cycleChanges';
import { AirlockRequest } from '../../../src/domain/request';
import { getRequestChanges } from '../../../src/functions/http/getRequestChanges';
import { reviewedCopyFor } from '../../../src/infra/stageStorage';
import { httpRequest, inMemoryAirlockForEachTest, invocationContext, PEOPLE, Person, storedRequest, TEST_WORKSPACE } from '../../support/inMemoryDependencies';

const REQUEST_ID = '22222222-2222-4222-8222-222222222222';
const hash = (c: string) => c.repeat(64);

const session = inMemoryAirlockForEachTest();

function changes(person: Person) {
  return getRequestChanges(
    httpRequest({ path: 'changes', params: { workspaceId: TEST_WORKSPACE, requestId: REQUEST_ID }, authorization: session.tokens[person] }),
    invocationContext('getRequestChanges'),
  );
}

/**
 * A request in review at its second submission: the first (a.csv, b.csv, c.csv) was returned for
 * changes, as the review's audit entry records; the second has a.csv as it was, b.csv changed,
 * c.csv removed and d.csv added.
 */
async function resubmitted(): Promise<AirlockRequest> {
  const store = session.airlock.store;
  const first = await storedRequest(store, { status: 'in_review', id: REQUEST_ID });
  const cycle1 = { ...first, files: [{ name: 'a.csv', size: 1, sha256: hash('a') }, { name: 'b.csv', size: 2, sha256: hash('b') }, { name: 'c.csv', size: 3, sha256: hash('c') }] };
  const reviewed: AirlockRequest = {
    ...cycle1,
    status: 'changes_requested',
    reviews: [{ id: 'r1', cycle: 1, reviewer: { id: PEOPLE.mia.id, name: PEOPLE.mia.name }, dateCreated: cycle1.updatedWhen + 1, reviewDecision: 'changes_requested', decisionExplanation: 'drop c' }],
  };
  await store.replace(reviewed, auditOfChange(first, reviewed));
  const again = (await store.get(TEST_WORKSPACE, REQUEST_ID))!;
  const second: AirlockRequest = {
    ...again,
    status: 'in_review',
    reviewCycle: 2,
    filesAt: { stage: 'in_progress', cycle: 2 },
    files: [{ name: 'a.csv', size: 1, sha256: hash('a') }, { name: 'b.csv', size: 20, sha256: hash('e') }, { name: 'd.csv', size: 4, sha256: hash('d') }],
  };
  return store.replace(second, auditOfChange(again, second));
}

test("a manager sees each file added, removed, changed or unchanged since the reviewed submission, with the reviewed copy's sizes", async () => {
  const request = await resubmitted();
  session.airlock.storage.upload(reviewedCopyFor(request, 1), 'b.csv', 'xy');

  const response = await changes('mia');

  expect(response.status).toBe(200);
  expect(response.jsonBody as CycleChanges).toEqual({
    fromCycle: 1,
    toCycle: 2,
    files: [
      { name: 'a.csv', change: 'unchanged', before: { sha256: hash('a') }, after: { size: 1, sha256: hash('a') } },
      { name: 'b.csv', change: 'changed', before: { size: 2, sha256: hash('b') }, after: { size: 20, sha256: hash('e') } },
      { name: 'c.csv', change: 'removed', before: { sha256: hash('c') } },
      { name: 'd.csv', change: 'added', after: { size: 4, sha256: hash('d') } },
    ],
  });
});

test('a first submission has nothing to compare with: every file is new', async () => {
  await storedRequest(session.airlock.store, { status: 'in_review', id: REQUEST_ID });

  const response = await changes('mia');

  expect(response.jsonBody).toEqual({ fromCycle: null, toCycle: 1, files: [{ name: 'cohort.csv', change: 'added', after: { size: 4, sha256: hash('a') } }] });
});

test('the requester, a researcher, cannot read what changed while the request is under review, as for a link', async () => {
  await resubmitted();

  const response = await changes('rita');

  expect(response.status).toBe(403);
});
