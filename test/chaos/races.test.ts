/**
 * Races the review suite (test/e2e/review.e2e.test.ts) does not run: two people acting on the same
 * request at the same moment, where exactly one may win and the loser is told why, and the files end
 * where the winner's outcome puts them. approve/approve and approve/cancel are covered there.
 */
import { AirlockClient, ApiResponse, localTokens, uploadToContainer } from '../support/airlockClient';
import { LocalHostProcess, startLocalHostProcess } from '../support/localHostProcess';
import { waitForAll, waitForStatuses } from '../support/requestWaits';
import { blobOriginOf, StageContents } from '../support/stageContents';

const WS = 'demo';
const BASE = `/workspaces/${WS}/requests`;
const ROUNDS = 5;
let host: LocalHostProcess;
let api: AirlockClient;
let stages: StageContents;
let t: Record<'rita' | 'mona' | 'mark' | 'olga', string>;

beforeAll(async () => {
  host = await startLocalHostProcess();
  api = new AirlockClient(host.apiUrl);
  stages = new StageContents(host.dataDir, blobOriginOf(host.output()), WS);
  const mint = await localTokens(host.dataDir);
  t = {
    rita: await mint(WS, 'rita', 'WorkspaceResearcher'),
    mona: await mint(WS, 'mona', 'AirlockManager'),
    mark: await mint(WS, 'mark', 'AirlockManager'),
    olga: await mint(WS, 'olga', 'WorkspaceOwner'),
  };
}, 90_000);

afterAll(async () => {
  await host?.stop();
});

/*
 * ROUNDS requests are brought to the starting line together. The races then run one at a time: the
 * calls of one race are all answered before the next race starts. What a race leaves behind (the
 * status its winner leads to, the files, the audit log) settles while the next ones run, as the
 * airlock's own work, and is checked for every round at the end; a check about a moment is made then.
 */

async function draft(): Promise<string> {
  const id = (await api.call('POST', BASE, t.rita, { type: 'export', title: 'race', businessJustification: 'race' })).body.airlockRequest.id;
  const link = (await api.call('GET', `${BASE}/${id}/link`, t.rita)).body.containerUrl;
  expect(await uploadToContainer(link, 'counts.csv', 'n\n12\n')).toBe(201);
  return id;
}

function drafts(): Promise<string[]> {
  return Promise.all(Array.from({ length: ROUNDS }, draft));
}

async function inReview(): Promise<string[]> {
  const ids = await drafts();
  for (const answer of await Promise.all(ids.map((id) => api.call('POST', `${BASE}/${id}/submit`, t.rita)))) expect(answer.status).toBe(200);
  await waitForAll(api, WS, t.rita, ids, 'in_review');
  return ids;
}

async function approved(): Promise<string[]> {
  const ids = await inReview();
  const reviews = await Promise.all(ids.map((id) => api.call('POST', `${BASE}/${id}/review`, t.mona, { approval: true, decisionExplanation: 'fine' })));
  for (const review of reviews) expect(review.status).toBe(200);
  await waitForAll(api, WS, t.rita, ids, 'approved');
  return ids;
}

/** The loser of a race is told, in words, that the request moved on (400) or that it lost the write (409). */
function expectToldWhy(loser: ApiResponse): void {
  expect([400, 409]).toContain(loser.status);
  expect(loser.body.detail).toEqual(expect.any(String));
}

/** Where the request's files are once the airlock has finished moving them (bounded by the test's timeout). */
async function stagesOnceSettled(id: string, expected: string[]): Promise<string[]> {
  for (;;) {
    const where = [...new Set((await stages.placesOf(id)).map((blob) => (blob.container.endsWith('-reviewed') ? 'reviewed copy' : blob.stage)))].sort();
    if (JSON.stringify(where) === JSON.stringify(expected)) return where;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function auditTransitions(id: string): Promise<string[]> {
  const audit = await api.call('GET', `${BASE}/${id}/audit`, t.olga);
  expect(audit.body.verification.verified).toBe(true);
  return audit.body.entries.filter((e: any) => e.action === 'status.changed').map((e: any) => `${e.fromStatus}>${e.toStatus}`);
}

test('submit against cancel on a draft: one wins, and the files follow the winner', async () => {
  const ids = await drafts();
  const winners: ('submit' | 'cancel')[] = [];
  for (const id of ids) {
    const [submit, cancel] = await Promise.all([api.call('POST', `${BASE}/${id}/submit`, t.rita), api.call('POST', `${BASE}/${id}/cancel`, t.olga)]);
    expect([submit.status, cancel.status].filter((status) => status === 200)).toHaveLength(1);
    if (submit.status === 200) {
      expectToldWhy(cancel);
      winners.push('submit');
    } else {
      expectToldWhy(submit);
      expect((await api.call('GET', `${BASE}/${id}`, t.rita)).body.airlockRequest.status).toBe('cancelled');
      winners.push('cancel');
    }
  }
  await waitForStatuses(api, WS, t.rita, ids.flatMap((id, round) => (winners[round] === 'submit' ? [{ id, status: 'in_review' }] : [])));
  await Promise.all(
    ids.map(async (id, round) => {
      if (winners[round] === 'submit') {
        expect(await stagesOnceSettled(id, ['in_progress'])).toEqual(['in_progress']);
        expect(await auditTransitions(id)).toEqual(['draft>submitted', 'submitted>in_review']);
      } else {
        expect(await stagesOnceSettled(id, [])).toEqual([]);
        expect(await auditTransitions(id)).toEqual(['draft>cancelled']);
      }
    }),
  );
}, 120_000);

test('submit against submit: one submission, one review cycle', async () => {
  const ids = await drafts();
  for (const id of ids) {
    const answers = await Promise.all([api.call('POST', `${BASE}/${id}/submit`, t.rita), api.call('POST', `${BASE}/${id}/submit`, t.rita)]);
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
    expectToldWhy(answers.find((a) => a.status !== 200)!);
  }
  const requests = await waitForAll(api, WS, t.rita, ids, 'in_review');
  await Promise.all(
    ids.map(async (id, round) => {
      expect(requests[round].reviewCycle).toBe(1);
      expect(await auditTransitions(id)).toEqual(['draft>submitted', 'submitted>in_review']);
    }),
  );
}, 120_000);

test('approve against revoke on a request in review: a revoke never overtakes the approval it depends on', async () => {
  const ids = await inReview();
  for (const id of ids) {
    const [review, revoke] = await Promise.all([
      api.call('POST', `${BASE}/${id}/review`, t.mona, { approval: true, decisionExplanation: 'fine' }),
      api.call('POST', `${BASE}/${id}/revoke`, t.mark, { reason: 'too early' }),
    ]);
    expect(review.status).toBe(200);
    expectToldWhy(revoke);
  }
  await waitForAll(api, WS, t.rita, ids, 'approved');
  await Promise.all(ids.map(async (id) => expect(await stagesOnceSettled(id, ['approved'])).toEqual(['approved'])));
}, 120_000);

test('revoke against revoke, and revoke against the requester\'s cancel, on an approved request: one revoke, files out of the approved stage', async () => {
  const ids = await approved();
  for (const id of ids) {
    const [first, second, cancel] = await Promise.all([
      api.call('POST', `${BASE}/${id}/revoke`, t.mona, { reason: 'consent withdrawn' }),
      api.call('POST', `${BASE}/${id}/revoke`, t.mark, { reason: 'consent withdrawn too' }),
      api.call('POST', `${BASE}/${id}/cancel`, t.rita),
    ]);
    expect([first, second].filter((a) => a.status === 200)).toHaveLength(1);
    expectToldWhy([first, second].find((a) => a.status !== 200)!);
    expectToldWhy(cancel);
    expect((await api.call('GET', `${BASE}/${id}`, t.rita)).body.airlockRequest.status).toBe('revoked');
  }
  await Promise.all(
    ids.map(async (id) => {
      expect(await stagesOnceSettled(id, ['rejected'])).toEqual(['rejected']);
      expect((await auditTransitions(id)).filter((change) => change === 'approved>revoked')).toHaveLength(1);
    }),
  );
}, 180_000);

test('changes requested against an approval by two managers: one decision, and the files follow it', async () => {
  const ids = await inReview();
  const winners: ('changes' | 'approval')[] = [];
  for (const id of ids) {
    const [changes, approval] = await Promise.all([
      api.call('POST', `${BASE}/${id}/review`, t.mona, { decision: 'changes_requested', decisionExplanation: 'rename columns' }),
      api.call('POST', `${BASE}/${id}/review`, t.mark, { approval: true, decisionExplanation: 'fine' }),
    ]);
    expect([changes.status, approval.status].filter((status) => status === 200)).toHaveLength(1);
    if (changes.status === 200) {
      expectToldWhy(approval);
      winners.push('changes');
    } else {
      expectToldWhy(changes);
      winners.push('approval');
    }
  }
  await waitForStatuses(api, WS, t.rita, ids.flatMap((id, round) => (winners[round] === 'approval' ? [{ id, status: 'approved' }] : [])));
  await Promise.all(
    ids.map(async (id, round) => {
      if (winners[round] === 'changes') {
        // The submission the managers saw stays beside the new draft, for the next review to compare with.
        expect(await stagesOnceSettled(id, ['draft', 'reviewed copy'])).toEqual(['draft', 'reviewed copy']);
      } else {
        expect(await stagesOnceSettled(id, ['approved'])).toEqual(['approved']);
      }
      expect((await api.call('GET', `${BASE}/${id}`, t.rita)).body.airlockRequest.reviews).toHaveLength(1);
    }),
  );
}, 180_000);

test('an upload through the draft link right after the submit was acknowledged is not part of the submission and is kept nowhere', async () => {
  const ids = await drafts();
  const checks: Promise<void>[] = [];
  for (const id of ids) {
    const link = (await api.call('GET', `${BASE}/${id}/link`, t.rita)).body.containerUrl;
    const submit = await api.call('POST', `${BASE}/${id}/submit`, t.rita);
    expect(submit.status).toBe(200);
    // Sent after the submit was acknowledged: whatever the storage answers, it is too late for this submission.
    await uploadToContainer(link, 'late.csv', 'n\n99\n').catch(() => undefined);
    // Looked at as soon as the request is in review (not after the other rounds), while the other rounds go on.
    const check = (async () => {
      const request = await api.waitForStatus(WS, id, t.rita, 'in_review');
      const stored = (await stages.placesOf(id)).map((blob) => `${blob.stage}/${blob.name}`);
      expect(request.files.map((f: any) => f.name)).toEqual(['counts.csv']);
      expect(stored).toEqual(['in_progress/counts.csv']);
    })();
    check.catch(() => undefined); // reported by the Promise.all below, not as an unhandled rejection meanwhile
    checks.push(check);
  }
  await Promise.all(checks);
}, 120_000);
