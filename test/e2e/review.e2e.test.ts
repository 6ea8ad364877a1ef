/**
 * The review workflow over real HTTP against the airlock under test (a local host, or a deployment
 * named by AIRLOCK_E2E_BASE_URL: test/support/airlockUnderTest.ts): a quorum of distinct Airlock
 * Managers, return for revision and resubmission, and races between reviewers and the requester
 * that must have one outcome.
 */
import { AirlockClient, sha256, uploadToContainer, downloadFromContainer } from '../support/airlockClient';
import { AirlockUnderTest, openAirlockUnderTest, stageContainerOf } from '../support/airlockUnderTest';
import { waitForAll, waitForStatuses } from '../support/requestWaits';

let airlock: AirlockUnderTest;
let api: AirlockClient;
let ws: string;
let base: string;
let t: Record<'researcher' | 'manager' | 'otherManager' | 'owner', string>;

beforeAll(async () => {
  airlock = await openAirlockUnderTest();
  api = airlock.api;
  ws = airlock.workspaceId;
  base = `/workspaces/${ws}/requests`;
  t = await airlock.tokens('researcher', 'manager', 'otherManager', 'owner');
  // One approval decides, unless a test asks for more: whatever a deployment's workspace is set to.
  await airlock.changeSettings({ requiredApprovals: 1 });
}, 90_000);

afterAll(() => airlock?.stop());

async function submitted(files: Record<string, string> = { 'table.csv': 'n\n5\n' }): Promise<string> {
  const id = (await api.call('POST', base, t.researcher, { type: 'export', title: 'review test', businessJustification: 'test' })).body.airlockRequest.id;
  const link = (await api.call('GET', `${base}/${id}/link`, t.researcher)).body.containerUrl;
  for (const [name, content] of Object.entries(files)) expect(await uploadToContainer(link, name, content)).toBe(201);
  expect((await api.call('POST', `${base}/${id}/submit`, t.researcher)).status).toBe(200);
  return id;
}

async function inReview(files?: Record<string, string>): Promise<string> {
  const id = await submitted(files);
  await api.waitForStatus(ws, id, t.researcher, 'in_review');
  return id;
}

/** `count` requests brought to review together (and awaited together); the races on them then run one at a time. */
async function manyInReview(count: number): Promise<string[]> {
  const ids = await Promise.all(Array.from({ length: count }, () => submitted()));
  await waitForAll(api, ws, t.researcher, ids, 'in_review');
  return ids;
}

const approve = (id: string, token: string, why = 'fine') => api.call('POST', `${base}/${id}/review`, token, { approval: true, decisionExplanation: why });

describe('two approvals required', () => {
  let restoreApprovals: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    restoreApprovals = await airlock.changeSettings({ requiredApprovals: 2 });
  });
  afterAll(() => restoreApprovals?.());

  test('the first approval keeps the request in review; a second manager\'s completes it', async () => {
    const id = await inReview();
    const first = await approve(id, t.manager);
    expect(first.status).toBe(200);
    expect(first.body.airlockRequest).toMatchObject({ status: 'in_review', progressMessage: expect.stringContaining('1 of 2') });
    expect(first.body.airlockRequest).not.toHaveProperty('statusMessage');
    expect(first.body.allowedUserActions).not.toContain('review');

    const again = await approve(id, t.manager);
    expect(again.status).toBe(403);
    expect(again.body.detail).toMatch(/already reviewed/);

    expect((await approve(id, t.otherManager)).status).toBe(200);
    const approved = await api.waitForStatus(ws, id, t.researcher, 'approved');
    expect(approved.reviews.map((r: any) => [r.reviewer.id, r.reviewDecision])).toEqual([
      [await airlock.userId('manager'), 'approved'],
      [await airlock.userId('otherManager'), 'approved'],
    ]);
  });

  test('one rejection rejects, whatever the approvals before it', async () => {
    const id = await inReview();
    await approve(id, t.manager);
    const reject = await api.call('POST', `${base}/${id}/review`, t.otherManager, { approval: false, decisionExplanation: 'row-level data' });
    expect(reject.status).toBe(200);
    const rejected = await api.waitForStatus(ws, id, t.researcher, 'rejected');
    expect(rejected.progressMessage).toBe('Rejected: row-level data');
    expect(rejected).not.toHaveProperty('statusMessage');
  });

  test('concurrent approvals from two managers: exactly the accepted reviews count', async () => {
    const ids = await manyInReview(5);
    const accepted: number[] = [];
    const stillInReview: any[] = [];
    for (const id of ids) {
      const results = await Promise.all([approve(id, t.manager), approve(id, t.otherManager)]);
      const count = results.filter((r) => r.status === 200).length;
      accepted.push(count);
      expect(results.every((r) => [200, 409].includes(r.status))).toBe(true);
      // Fewer than two accepted leaves the request in review: read as soon as the race is over.
      stillInReview.push(count === 2 ? undefined : (await api.call('GET', `${base}/${id}`, t.researcher)).body.airlockRequest);
    }
    // Two accepted complete the review: awaited together once every race has run.
    const approved = await waitForStatuses(api, ws, t.researcher, ids.flatMap((id, round) => (accepted[round] === 2 ? [{ id, status: 'approved' }] : [])));
    ids.forEach((id, round) => {
      const request = stillInReview[round] ?? approved.find((completed) => completed.id === id);
      expect(request.reviews).toHaveLength(accepted[round]);
      expect(request.status).toBe(accepted[round] === 2 ? 'approved' : 'in_review');
    });
  }, 120_000);
});

describe('return for revision', () => {
  test('changes requested: files back in the draft stage, the requester edits and resubmits, the new cycle is reviewed afresh', async () => {
    const id = await inReview({ 'table.csv': 'n\n3\n', 'notes.txt': 'draft notes' });
    const back = await api.call('POST', `${base}/${id}/review`, t.manager, { decision: 'changes_requested', decisionExplanation: 'suppress counts under 10' });
    expect(back.status).toBe(200);
    expect(back.body.airlockRequest).toMatchObject({ status: 'changes_requested', progressMessage: 'Changes requested: suppress counts under 10' });
    expect(back.body.airlockRequest).not.toHaveProperty('statusMessage');

    const view = await api.call('GET', `${base}/${id}`, t.researcher);
    expect(view.body.allowedUserActions).toEqual(['submit', 'cancel']);
    // the returned files arrive in the draft container of the next submission; a link opens it once they are there
    const draftLink = await api.waitForLink(ws, id, t.researcher);
    expect(stageContainerOf(draftLink)).toEqual({ account: (await airlock.stageAccounts()).stalexint, container: `${id}-2` });
    expect((await downloadFromContainer(draftLink, 'notes.txt')).content.toString()).toBe('draft notes');
    expect(await uploadToContainer(draftLink, 'table.csv', 'n\n<10\n')).toBe(201);

    expect((await api.call('POST', `${base}/${id}/submit`, t.researcher)).status).toBe(200);
    const second = await api.waitForStatus(ws, id, t.researcher, 'in_review');
    expect(second.reviewCycle).toBe(2);
    expect(second.files.find((f: any) => f.name === 'table.csv').sha256).toBe(sha256('n\n<10\n'));
    expect(second.scanReport.every((e: any) => e.verdict !== 'pending')).toBe(true);

    // the reviewer who asked for changes reviews the new submission
    expect((await approve(id, t.manager, 'counts suppressed')).status).toBe(200);
    const approved = await api.waitForStatus(ws, id, t.researcher, 'approved');
    expect(approved.reviews.map((r: any) => [r.cycle, r.reviewDecision])).toEqual([[1, 'changes_requested'], [2, 'approved']]);
    expect(approved.history.map((h: any) => h.properties.status)).toEqual([
      'submitted', 'in_review', 'changes_requested', 'submitted', 'in_review', 'approval_in_progress', 'approved',
    ]);
    const download = await downloadFromContainer((await api.call('GET', `${base}/${id}/link`, t.researcher)).body.containerUrl, 'table.csv');
    expect(download.content.toString()).toBe('n\n<10\n');
  }, 60_000);
});

describe('races with one outcome', () => {
  // The ten requests are brought to review together; the races themselves run one at a time.
  const tenInReview = () => manyInReview(10);

  test('approve against approve, ten times: one review wins each time', async () => {
    const ids = await tenInReview();
    for (const id of ids) {
      const results = await Promise.all([approve(id, t.manager), approve(id, t.otherManager)]);
      expect(results.map((r) => r.status).sort()).toEqual([200, expect.any(Number)]);
      expect([400, 409]).toContain(results.map((r) => r.status).sort()[1]);
    }
    for (const final of await waitForAll(api, ws, t.researcher, ids, 'approved')) expect(final.reviews).toHaveLength(1);
  }, 120_000);

  test('approve against cancel, ten times: exactly one of them happens', async () => {
    const ids = await tenInReview();
    const winners: string[] = [];
    for (const id of ids) {
      const [review, cancel] = await Promise.all([approve(id, t.otherManager), api.call('POST', `${base}/${id}/cancel`, t.researcher)]);
      expect([review.status, cancel.status].filter((s) => s === 200)).toHaveLength(1);
      winners.push(review.status === 200 ? 'approved' : 'cancelled');
    }
    const finals = await waitForStatuses(api, ws, t.owner, ids.map((id, round) => ({ id, status: winners[round] })));
    expect(finals.map((final) => final.reviews.length)).toEqual(winners.map((winner) => (winner === 'approved' ? 1 : 0)));
  }, 120_000);
});

describe('the audit log', () => {
  test('every step of a request is in its hash-chained audit log, readable by owners and managers only', async () => {
    const id = await inReview({ 'table.csv': 'n\n7\n' });
    await api.call('GET', `${base}/${id}/link`, t.manager);
    await approve(id, t.manager, 'aggregate');
    await api.waitForStatus(ws, id, t.researcher, 'approved');
    const audit = await api.call('GET', `${base}/${id}/audit`, t.owner);
    expect(audit.status).toBe(200);
    expect(audit.body.verification).toEqual({ verified: true, entries: audit.body.entries.length, problems: [] });
    const actions = audit.body.entries.map((e: any) => e.action);
    expect(actions[0]).toBe('request.created');
    expect(actions).toEqual(expect.arrayContaining(['link.issued', 'files.recorded', 'data.moved', 'scan.recorded', 'review.recorded', 'status.changed']));
    const transitions = audit.body.entries.filter((e: any) => e.action === 'status.changed').map((e: any) => `${e.fromStatus}>${e.toStatus}`);
    expect(transitions).toEqual(['draft>submitted', 'submitted>in_review', 'in_review>approval_in_progress', 'approval_in_progress>approved']);
    const issued = audit.body.entries.filter((e: any) => e.action === 'link.issued');
    expect(issued.map((e: any) => [e.actor.id, e.detail.permissions, e.detail.stage])).toEqual([
      [await airlock.userId('researcher'), 'rwdl', 'draft'],
      [await airlock.userId('manager'), 'rl', 'in_progress'],
    ]);
    expect(issued.every((e: any) => typeof e.detail.expiresOn === 'string')).toBe(true);
    expect(audit.body.entries.find((e: any) => e.action === 'review.recorded')).toMatchObject({
      actor: { id: await airlock.userId('manager') },
      detail: { decision: 'approved', explanation: 'aggregate' },
    });
    expect(audit.body.entries.every((e: any, i: number) => e.seq === i + 1 && (i === 0 ? e.prevHash === '' : e.prevHash === audit.body.entries[i - 1].hash))).toBe(true);
    expect((await api.call('GET', `${base}/${id}/audit`, t.researcher)).status).toBe(403);
  });
});
