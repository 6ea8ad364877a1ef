/**
 * The review workflow over real HTTP: a quorum of distinct Airlock Managers, return for revision
 * and resubmission, and races between reviewers and the requester that must have one outcome.
 */
import { AirlockClient, localCoreToken, localTokens, sha256, uploadToContainer, downloadFromContainer } from '../support/airlockClient';
import { LocalHostProcess, startLocalHostProcess } from '../support/localHostProcess';

const WS = 'demo';
const base = `/workspaces/${WS}/requests`;
let host: LocalHostProcess;
let api: AirlockClient;
let t: Record<'alice' | 'bob' | 'carol' | 'dave' | 'olga' | 'admin', string>;

beforeAll(async () => {
  host = await startLocalHostProcess();
  api = new AirlockClient(host.apiUrl);
  const mint = await localTokens(host.dataDir);
  t = {
    alice: await mint(WS, 'alice', 'WorkspaceResearcher'),
    bob: await mint(WS, 'bob', 'AirlockManager'),
    carol: await mint(WS, 'carol', 'AirlockManager'),
    dave: await mint(WS, 'dave', 'AirlockManager'),
    olga: await mint(WS, 'olga', 'WorkspaceOwner'),
    admin: await (await localCoreToken(host.dataDir))('root', 'TREAdmin'),
  };
}, 90_000);

afterAll(async () => {
  expect(await host?.stop()).toBe(0);
});

async function requireApprovals(count: number) {
  const current = await api.call('GET', `/workspaces/${WS}/airlock-settings`, t.admin);
  expect(current.status).toBe(200);
  const put = await api.call('PUT', `/workspaces/${WS}/airlock-settings`, t.admin, { ...current.body.workspace.airlock, requiredApprovals: count });
  expect(put.status).toBe(200);
}

async function inReview(files: Record<string, string> = { 'table.csv': 'n\n5\n' }): Promise<string> {
  const id = (await api.call('POST', base, t.alice, { type: 'export', title: 'review test', businessJustification: 'test' })).body.airlockRequest.id;
  const link = (await api.call('GET', `${base}/${id}/link`, t.alice)).body.containerUrl;
  for (const [name, content] of Object.entries(files)) expect(await uploadToContainer(link, name, content)).toBe(201);
  expect((await api.call('POST', `${base}/${id}/submit`, t.alice)).status).toBe(200);
  await api.waitForStatus(WS, id, t.alice, 'in_review');
  return id;
}

const approve = (id: string, token: string, why = 'fine') => api.call('POST', `${base}/${id}/review`, token, { approval: true, decisionExplanation: why });

describe('two approvals required', () => {
  beforeAll(() => requireApprovals(2));
  afterAll(() => requireApprovals(1));

  test('the first approval keeps the request in review; a second manager\'s completes it', async () => {
    const id = await inReview();
    const first = await approve(id, t.bob);
    expect(first.status).toBe(200);
    expect(first.body.airlockRequest).toMatchObject({ status: 'in_review', progressMessage: expect.stringContaining('1 of 2') });
    expect(first.body.airlockRequest).not.toHaveProperty('statusMessage');
    expect(first.body.allowedUserActions).not.toContain('review');

    const again = await approve(id, t.bob);
    expect(again.status).toBe(403);
    expect(again.body.detail).toMatch(/already reviewed/);

    expect((await approve(id, t.carol)).status).toBe(200);
    const approved = await api.waitForStatus(WS, id, t.alice, 'approved');
    expect(approved.reviews.map((r: any) => [r.reviewer.id, r.reviewDecision])).toEqual([['bob', 'approved'], ['carol', 'approved']]);
  });

  test('one rejection rejects, whatever the approvals before it', async () => {
    const id = await inReview();
    await approve(id, t.bob);
    const reject = await api.call('POST', `${base}/${id}/review`, t.carol, { approval: false, decisionExplanation: 'row-level data' });
    expect(reject.status).toBe(200);
    const rejected = await api.waitForStatus(WS, id, t.alice, 'rejected');
    expect(rejected.progressMessage).toBe('Rejected: row-level data');
    expect(rejected).not.toHaveProperty('statusMessage');
  });

  test('concurrent approvals from two managers: exactly the accepted reviews count', async () => {
    for (let round = 0; round < 5; round++) {
      const id = await inReview();
      const results = await Promise.all([approve(id, t.bob), approve(id, t.carol)]);
      const accepted = results.filter((r) => r.status === 200).length;
      expect(results.every((r) => [200, 409].includes(r.status))).toBe(true);
      const request = accepted === 2 ? await api.waitForStatus(WS, id, t.alice, 'approved') : (await api.call('GET', `${base}/${id}`, t.alice)).body.airlockRequest;
      expect(request.reviews).toHaveLength(accepted);
      expect(request.status).toBe(accepted === 2 ? 'approved' : 'in_review');
    }
  }, 120_000);
});

describe('return for revision', () => {
  test('changes requested: files back in the draft stage, the requester edits and resubmits, the new cycle is reviewed afresh', async () => {
    const id = await inReview({ 'table.csv': 'n\n3\n', 'notes.txt': 'draft notes' });
    const back = await api.call('POST', `${base}/${id}/review`, t.bob, { decision: 'changes_requested', decisionExplanation: 'suppress counts under 10' });
    expect(back.status).toBe(200);
    expect(back.body.airlockRequest).toMatchObject({ status: 'changes_requested', progressMessage: 'Changes requested: suppress counts under 10' });
    expect(back.body.airlockRequest).not.toHaveProperty('statusMessage');

    const view = await api.call('GET', `${base}/${id}`, t.alice);
    expect(view.body.allowedUserActions).toEqual(['submit', 'cancel']);
    // the returned files arrive in the draft container of the next submission; a link opens it once they are there
    const draftLink = await api.waitForLink(WS, id, t.alice);
    expect(draftLink).toContain(`/stalexintwsdemo/${id}-2?`);
    expect((await downloadFromContainer(draftLink, 'notes.txt')).content.toString()).toBe('draft notes');
    expect(await uploadToContainer(draftLink, 'table.csv', 'n\n<10\n')).toBe(201);

    expect((await api.call('POST', `${base}/${id}/submit`, t.alice)).status).toBe(200);
    const second = await api.waitForStatus(WS, id, t.alice, 'in_review');
    expect(second.reviewCycle).toBe(2);
    expect(second.files.find((f: any) => f.name === 'table.csv').sha256).toBe(sha256('n\n<10\n'));
    expect(second.scanReport.every((e: any) => e.verdict !== 'pending')).toBe(true);

    // the reviewer who asked for changes reviews the new submission
    expect((await approve(id, t.bob, 'counts suppressed')).status).toBe(200);
    const approved = await api.waitForStatus(WS, id, t.alice, 'approved');
    expect(approved.reviews.map((r: any) => [r.cycle, r.reviewDecision])).toEqual([[1, 'changes_requested'], [2, 'approved']]);
    expect(approved.history.map((h: any) => h.properties.status)).toEqual([
      'submitted', 'in_review', 'changes_requested', 'submitted', 'in_review', 'approval_in_progress', 'approved',
    ]);
    const download = await downloadFromContainer((await api.call('GET', `${base}/${id}/link`, t.alice)).body.containerUrl, 'table.csv');
    expect(download.content.toString()).toBe('n\n<10\n');
  }, 60_000);
});

describe('races with one outcome', () => {
  test('approve against approve, ten times: one review wins each time', async () => {
    for (let round = 0; round < 10; round++) {
      const id = await inReview();
      const results = await Promise.all([approve(id, t.bob), approve(id, t.carol)]);
      expect(results.map((r) => r.status).sort()).toEqual([200, expect.any(Number)]);
      expect([400, 409]).toContain(results.map((r) => r.status).sort()[1]);
      expect((await api.waitForStatus(WS, id, t.alice, 'approved')).reviews).toHaveLength(1);
    }
  }, 120_000);

  test('approve against cancel, ten times: exactly one of them happens', async () => {
    for (let round = 0; round < 10; round++) {
      const id = await inReview();
      const [review, cancel] = await Promise.all([approve(id, t.dave), api.call('POST', `${base}/${id}/cancel`, t.alice)]);
      expect([review.status, cancel.status].filter((s) => s === 200)).toHaveLength(1);
      const expected = review.status === 200 ? 'approved' : 'cancelled';
      const final = await api.waitForStatus(WS, id, t.olga, expected);
      expect(final.reviews).toHaveLength(review.status === 200 ? 1 : 0);
    }
  }, 120_000);
});

describe('the audit log', () => {
  test('every step of a request is in its hash-chained audit log, readable by owners and managers only', async () => {
    const id = await inReview({ 'table.csv': 'n\n7\n' });
    await api.call('GET', `${base}/${id}/link`, t.bob);
    await approve(id, t.bob, 'aggregate');
    await api.waitForStatus(WS, id, t.alice, 'approved');
    const audit = await api.call('GET', `${base}/${id}/audit`, t.olga);
    expect(audit.status).toBe(200);
    expect(audit.body.verification).toEqual({ verified: true, entries: audit.body.entries.length, problems: [] });
    const actions = audit.body.entries.map((e: any) => e.action);
    expect(actions[0]).toBe('request.created');
    expect(actions).toEqual(expect.arrayContaining(['link.issued', 'files.recorded', 'data.moved', 'scan.recorded', 'review.recorded', 'status.changed']));
    const transitions = audit.body.entries.filter((e: any) => e.action === 'status.changed').map((e: any) => `${e.fromStatus}>${e.toStatus}`);
    expect(transitions).toEqual(['draft>submitted', 'submitted>in_review', 'in_review>approval_in_progress', 'approval_in_progress>approved']);
    const issued = audit.body.entries.filter((e: any) => e.action === 'link.issued');
    expect(issued.map((e: any) => [e.actor.id, e.detail.permissions, e.detail.stage])).toEqual([['alice', 'rwdl', 'draft'], ['bob', 'rl', 'in_progress']]);
    expect(issued.every((e: any) => typeof e.detail.expiresOn === 'string')).toBe(true);
    expect(audit.body.entries.find((e: any) => e.action === 'review.recorded')).toMatchObject({ actor: { id: 'bob' }, detail: { decision: 'approved', explanation: 'aggregate' } });
    expect(audit.body.entries.every((e: any, i: number) => e.seq === i + 1 && (i === 0 ? e.prevHash === '' : e.prevHash === audit.body.entries[i - 1].hash))).toBe(true);
    expect((await api.call('GET', `${base}/${id}/audit`, t.alice)).status).toBe(403);
  });
});
