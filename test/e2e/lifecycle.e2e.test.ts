/**
 * The whole lifecycle over real HTTP against the airlock under test (a local host, or a deployment
 * named by AIRLOCK_E2E_BASE_URL: test/support/airlockUnderTest.ts): import and export, approve,
 * reject, cancel, revoke, uploads with a plain PUT to the SAS URL, downloads checked by SHA-256,
 * and refusals that change nothing.
 */
import { AirlockClient, downloadFromContainer, listContainer, localTokens, sha256, uploadToContainer } from '../support/airlockClient';
import { AirlockUnderTest, localHostOf, openAirlockUnderTest, stageContainerOf, testLocalOnly } from '../support/airlockUnderTest';

/** A second workspace of the local host, for a token that is valid there and nowhere else. */
const OTHER_LOCAL_WORKSPACE = 'ws02';
let airlock: AirlockUnderTest;
let api: AirlockClient;
let ws: string;
let base: string;
let tokens: Record<'researcher' | 'otherResearcher' | 'manager' | 'otherManager' | 'owner' | 'researcherAndManager', string>;

beforeAll(async () => {
  airlock = await openAirlockUnderTest({ env: { AIRLOCK_LOCAL_WORKSPACES: OTHER_LOCAL_WORKSPACE } });
  api = airlock.api;
  ws = airlock.workspaceId;
  base = `/workspaces/${ws}/requests`;
  tokens = await airlock.tokens('researcher', 'otherResearcher', 'manager', 'otherManager', 'owner', 'researcherAndManager');
  // What these tests expect of the workspace, whatever a deployment's is set to: the scan report of
  // an airlock that does not scan, one approval, researchers who see only their own requests.
  await airlock.changeSettings({ scanningEnabled: false, requiredApprovals: 1, requestVisibility: 'own' });
}, 90_000);

afterAll(() => airlock?.stop());

async function createWithFiles(type: 'import' | 'export', files: Record<string, string>, token = tokens.researcher) {
  const created = await api.call('POST', base, token, { type, title: `${type} test`, businessJustification: 'for the e2e suite' });
  expect(created.status).toBe(201);
  const id: string = created.body.airlockRequest.id;
  const link = await api.call('GET', `${base}/${id}/link`, token);
  expect(link.status).toBe(200);
  for (const [name, content] of Object.entries(files)) expect(await uploadToContainer(link.body.containerUrl, name, content)).toBe(201);
  return { id, draftUrl: link.body.containerUrl as string };
}

async function submitAndAwaitReview(id: string, token = tokens.researcher) {
  const submitted = await api.call('POST', `${base}/${id}/submit`, token);
  expect(submitted.status).toBe(200);
  expect(submitted.body.airlockRequest.status).toBe('submitted');
  return api.waitForStatus(ws, id, token, 'in_review');
}

test('health says every dependency answers', async () => {
  const health = await api.call('GET', '/health');
  expect(health.status).toBe(200);
  expect(health.body).toMatchObject({ status: 'ok', dependencies: { requestStore: 'ok', stageStorage: 'ok' } });
});

testLocalOnly('health says that scanning is off on a local host without clamd', "the local host's configuration (no AIRLOCK_CLAMD)", async () => {
  const health = await api.call('GET', '/health');
  expect(health.body.scanning).toMatch(/disabled/);
});

testLocalOnly("health says that events are published to the local host's stand-in topic", "the local host's own events topic", async () => {
  const health = await api.call('GET', '/health');
  expect(health.body.events).toMatch(/^Event Grid topic \S+ \(CloudEvents, access key\)$/);
});

test('import: draft → submitted → in_review → approved, files moved and unchanged', async () => {
  const files = { 'results.csv': 'a,b\n1,2\n', 'notes.txt': 'several files per request are normal' };
  const accounts = await airlock.stageAccounts();
  const created = await api.call('POST', base, tokens.researcher, { type: 'import', title: 'Reference data', businessJustification: 'needed for the study' });
  expect(created.status).toBe(201);
  expect(created.body.airlockRequest).toMatchObject({ type: 'import', status: 'draft', workspaceId: ws, createdBy: { id: await airlock.userId('researcher') } });
  expect(created.body.allowedUserActions).toEqual(['submit', 'cancel']);
  const id = created.body.airlockRequest.id;

  const draftLink = await api.call('GET', `${base}/${id}/link`, tokens.researcher);
  expect(stageContainerOf(draftLink.body.containerUrl).account).toBe(accounts.stalimex);
  for (const [name, content] of Object.entries(files)) expect(await uploadToContainer(draftLink.body.containerUrl, name, content)).toBe(201);

  const inReview = await submitAndAwaitReview(id);
  // Progress, not an error: TRE's portal shows any statusMessage as a red bar.
  expect(inReview.progressMessage).toBe('not scanned: scanning is disabled; content checks passed');
  expect(inReview).not.toHaveProperty('statusMessage');
  expect(inReview.scanReport).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'results.csv', engine: 'none', verdict: 'skipped' })]));
  expect(inReview.files).toEqual(
    expect.arrayContaining(Object.entries(files).map(([name, content]) => expect.objectContaining({ name, size: Buffer.byteLength(content), sha256: sha256(content) }))),
  );
  expect((await listContainer(draftLink.body.containerUrl)).status).toBe(404);

  const reviewerView = await api.call('GET', `${base}/${id}`, tokens.manager);
  expect(reviewerView.body.allowedUserActions).toEqual(['review']);
  const reviewLink = await api.call('GET', `${base}/${id}/link`, tokens.manager);
  expect(stageContainerOf(reviewLink.body.containerUrl).account).toBe(accounts.stalimip);
  expect((await downloadFromContainer(reviewLink.body.containerUrl, 'results.csv')).content.toString()).toBe(files['results.csv']);
  expect(await uploadToContainer(reviewLink.body.containerUrl, 'sneaky.txt', 'x')).toBe(403);

  const review = await api.call('POST', `${base}/${id}/review`, tokens.manager, { approval: true, decisionExplanation: 'aggregate data only' });
  expect(review.status).toBe(200);
  expect(review.body.airlockRequest.status).toBe('approval_in_progress');
  const approved = await api.waitForStatus(ws, id, tokens.researcher, 'approved');
  expect(approved.reviews).toEqual([
    expect.objectContaining({ reviewer: expect.objectContaining({ id: await airlock.userId('manager') }), reviewDecision: 'approved', decisionExplanation: 'aggregate data only' }),
  ]);

  const approvedLink = await api.call('GET', `${base}/${id}/link`, tokens.researcher);
  expect(stageContainerOf(approvedLink.body.containerUrl).account).toBe(accounts.stalimapp);
  for (const [name, content] of Object.entries(files)) {
    const download = await downloadFromContainer(approvedLink.body.containerUrl, name);
    expect(download.status).toBe(200);
    expect(sha256(download.content)).toBe(sha256(content));
  }
  expect((await listContainer(reviewLink.body.containerUrl)).status).toBe(404);
});

test('export: rejected with the reviewer\'s explanation, data in the rejected stage, no link', async () => {
  const { id } = await createWithFiles('export', { 'table.csv': 'n\n3\n' });
  await submitAndAwaitReview(id);
  const review = await api.call('POST', `${base}/${id}/review`, tokens.otherManager, { approval: false, decisionExplanation: 'small cell counts' });
  expect(review.status).toBe(200);
  const rejected = await api.waitForStatus(ws, id, tokens.researcher, 'rejected');
  expect(rejected.reviews[0]).toMatchObject({ reviewDecision: 'rejected', decisionExplanation: 'small cell counts' });
  const link = await api.call('GET', `${base}/${id}/link`, tokens.researcher);
  expect(link.status).toBe(400);
  expect(link.body.detail).toMatch(/rejected/);
});

test('export approved lands in the core approved account; revoke moves it out so old links stop working', async () => {
  const { id } = await createWithFiles('export', { 'summary.txt': 'mean 4.2' });
  await submitAndAwaitReview(id);
  await api.call('POST', `${base}/${id}/review`, tokens.manager, { approval: true, decisionExplanation: 'fine' });
  await api.waitForStatus(ws, id, tokens.researcher, 'approved');
  const link = await api.call('GET', `${base}/${id}/link`, tokens.researcher);
  expect(stageContainerOf(link.body.containerUrl).account).toBe((await airlock.stageAccounts()).stalexapp);
  expect((await downloadFromContainer(link.body.containerUrl, 'summary.txt')).status).toBe(200);

  expect((await api.call('POST', `${base}/${id}/revoke`, tokens.manager, {})).status).toBe(422);
  expect((await api.call('POST', `${base}/${id}/revoke`, tokens.researcher, { reason: 'mine' })).status).toBe(403);
  const revoked = await api.call('POST', `${base}/${id}/revoke`, tokens.manager, { reason: 'identifiable after all' });
  expect(revoked.status).toBe(200);
  expect(revoked.body.airlockRequest.status).toBe('revoked');
  await eventually(async () => expect((await downloadFromContainer(link.body.containerUrl, 'summary.txt')).status).toBe(404));
  expect((await api.call('GET', `${base}/${id}/link`, tokens.researcher)).status).toBe(400);
});

test('cancel in draft deletes the draft; cancel in review deletes the in-progress copy', async () => {
  const draft = await createWithFiles('import', { 'a.txt': 'a' });
  const cancelled = await api.call('POST', `${base}/${draft.id}/cancel`, tokens.researcher);
  expect(cancelled.status).toBe(200);
  expect(cancelled.body.airlockRequest.status).toBe('cancelled');
  await eventually(async () => expect((await listContainer(draft.draftUrl)).status).toBe(404));

  const inReview = await createWithFiles('export', { 'b.txt': 'b' });
  await submitAndAwaitReview(inReview.id);
  const reviewLink = (await api.call('GET', `${base}/${inReview.id}/link`, tokens.manager)).body.containerUrl;
  expect((await api.call('POST', `${base}/${inReview.id}/cancel`, tokens.owner)).status).toBe(200);
  await eventually(async () => expect((await listContainer(reviewLink)).status).toBe(404));
  expect((await api.call('POST', `${base}/${inReview.id}/review`, tokens.manager, { approval: true, decisionExplanation: 'late' })).status).toBe(400);
});

describe('refusals: the right 4xx, a message that says what is wrong, and no change', () => {
  let draftId: string;
  /** Requests in review that three tests below start from, brought there together while the tests before them run. */
  let inReview: Record<'forBadApproval' | 'ownRequest' | 'forConcurrentReviews', Promise<string>>;
  beforeAll(async () => {
    const submittedForReview = (type: 'import' | 'export', files: Record<string, string>, token = tokens.researcher) => {
      const made = createWithFiles(type, files, token).then(async ({ id }) => {
        await submitAndAwaitReview(id, token);
        return id;
      });
      made.catch(() => undefined); // a failure is the failure of the test that takes this request
      return made;
    };
    inReview = {
      forBadApproval: submittedForReview('import', { 'x.txt': 'x' }),
      ownRequest: submittedForReview('export', { 'y.txt': 'y' }, tokens.researcherAndManager),
      forConcurrentReviews: submittedForReview('import', { 'z.txt': 'z' }),
    };
    draftId = (await createWithFiles('import', {})).id;
  });

  async function unchanged(id = draftId, status = 'draft') {
    const now = await api.call('GET', `${base}/${id}`, tokens.owner);
    expect(now.body.airlockRequest.status).toBe(status);
    return now.body.airlockRequest;
  }

  test('submit with no files → 400 "Request has no files"', async () => {
    const response = await api.call('POST', `${base}/${draftId}/submit`, tokens.researcher);
    expect(response).toEqual({ status: 400, body: { detail: expect.stringContaining('Request has no files') } });
    await unchanged();
  });

  test('more files than the workspace allows → 400 naming the limit', async () => {
    const restoreMaxFiles = await airlock.changeSettings({ maxFiles: 3 });
    try {
      const { id } = await createWithFiles('import', { '1.txt': '1', '2.txt': '2', '3.txt': '3', '4.txt': '4' });
      const response = await api.call('POST', `${base}/${id}/submit`, tokens.researcher);
      expect(response.status).toBe(400);
      expect(response.body.detail).toMatch(/4 files.*at most 3/);
      await unchanged(id);
    } finally {
      await restoreMaxFiles();
    }
  });

  test.each([
    ['no type', { title: 't', businessJustification: 'b' }, 'body.type is required'],
    ['bad type', { type: 'both', title: 't', businessJustification: 'b' }, 'body.type must be one of'],
    ['empty title', { type: 'import', title: ' ', businessJustification: 'b' }, 'body.title must not be empty'],
    ['not JSON', '{oops', 'body is not valid JSON'],
  ])('create with %s → 422', async (_case, body, message) => {
    const response = await api.call('POST', base, tokens.researcher, body);
    expect(response.status).toBe(422);
    expect(response.body.detail).toContain(message);
  });

  test('review of a draft → 400 naming the status; by a researcher → 403', async () => {
    const byManager = await api.call('POST', `${base}/${draftId}/review`, tokens.manager, { approval: true, decisionExplanation: 'x' });
    expect(byManager.status).toBe(400);
    expect(byManager.body.detail).toContain("'draft'");
    expect((await api.call('POST', `${base}/${draftId}/review`, tokens.researcher, { approval: true, decisionExplanation: 'x' })).status).toBe(403);
    await unchanged();
  });

  test('a review whose approval is neither a boolean nor one of the forms Azure TRE accepts → 422', async () => {
    const id = await inReview.forBadApproval;
    const response = await api.call('POST', `${base}/${id}/review`, tokens.manager, { approval: 'approve' });
    expect(response.status).toBe(422);
    expect(response.body.detail).toMatch(/^body\.approval must be a JSON boolean/);
    await unchanged(id, 'in_review');
  });

  test('nobody reviews their own request, whatever roles they hold', async () => {
    const id = await inReview.ownRequest;
    const response = await api.call('POST', `${base}/${id}/review`, tokens.researcherAndManager, { approval: true, decisionExplanation: 'mine' });
    expect(response.status).toBe(403);
    const view = await api.call('GET', `${base}/${id}`, tokens.researcherAndManager);
    expect(view.body.allowedUserActions).not.toContain('review');
    await unchanged(id, 'in_review');
  });

  test('another researcher does not even see someone else\'s request: submit, cancel, link and get are 404', async () => {
    for (const [method, path] of [['POST', 'submit'], ['POST', 'cancel'], ['GET', 'link']]) {
      expect((await api.call(method, `${base}/${draftId}/${path}`, tokens.otherResearcher)).status).toBe(404);
    }
    expect((await api.call('GET', `${base}/${draftId}`, tokens.otherResearcher)).status).toBe(404);
    const list = await api.call('GET', base, tokens.otherResearcher);
    expect(list.body.airlockRequests.map((item: any) => item.airlockRequest.id)).not.toContain(draftId);
    await unchanged();
  });

  test('a workspace owner who is not the requester can submit and cancel, but not get the draft link', async () => {
    const { id } = await createWithFiles('import', {});
    expect((await api.call('GET', `${base}/${id}/link`, tokens.owner)).status).toBe(403);
    expect((await api.call('POST', `${base}/${id}/cancel`, tokens.owner)).status).toBe(200);
  });

  test('no token → 401, a forged token → 401, unknown workspace or request → 404, malformed id → 422', async () => {
    expect((await api.call('GET', `${base}/${draftId}`)).status).toBe(401);
    const forged = tokens.researcher.slice(0, -4) + (tokens.researcher.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    expect((await api.call('GET', `${base}/${draftId}`, forged)).status).toBe(401);
    expect((await api.call('GET', `${base}/00000000-0000-4000-8000-000000000000`, tokens.researcher)).status).toBe(404);
    expect((await api.call('GET', `${base}/not-a-uuid`, tokens.researcher)).status).toBe(422);
    expect((await api.call('GET', `/workspaces/nowhere/requests`, tokens.researcher)).status).toBe(404);
  });

  testLocalOnly(
    "a token for another workspace → 401, whatever roles it holds there",
    'a token of a second workspace, which the local host mints with every role',
    async () => {
      const mint = await localTokens(localHostOf(airlock).dataDir);
      const foreign = await mint(OTHER_LOCAL_WORKSPACE, await airlock.userId('researcher'), 'WorkspaceResearcher', 'WorkspaceOwner', 'AirlockManager');
      expect((await api.call('GET', `${base}/${draftId}`, foreign)).status).toBe(401);
    },
  );

  test('concurrent reviews: exactly one wins', async () => {
    const id = await inReview.forConcurrentReviews;
    const results = await Promise.all([
      api.call('POST', `${base}/${id}/review`, tokens.manager, { approval: true, decisionExplanation: 'yes' }),
      api.call('POST', `${base}/${id}/review`, tokens.otherManager, { approval: false, decisionExplanation: 'no' }),
    ]);
    const statuses = results.map((r) => r.status).sort();
    expect(statuses[0]).toBe(200);
    expect([400, 409]).toContain(statuses[1]);
    const winner = results.find((r) => r.status === 200)!.body.airlockRequest.status;
    const final = await api.waitForStatus(ws, id, tokens.researcher, winner === 'approval_in_progress' ? 'approved' : 'rejected');
    expect(final.reviews).toHaveLength(1);
  });
});

test('lists: filtered, ordered by an allow-listed field, paged with a continuation token', async () => {
  const seen = new Set<string>();
  let token: string | undefined;
  let pages = 0;
  do {
    const page = await api.call('GET', `${base}?order_by=createdWhen&order_ascending=true&pageSize=2${token ? `&continuationToken=${encodeURIComponent(token)}` : ''}`, tokens.owner);
    expect(page.status).toBe(200);
    expect(page.body.airlockRequests.length).toBeLessThanOrEqual(2);
    for (const item of page.body.airlockRequests) seen.add(item.airlockRequest.id);
    token = page.body.continuationToken;
    pages++;
  } while (token && pages < 50);
  expect(seen.size).toBeGreaterThan(4);
  expect(pages).toBeGreaterThan(2);
  const approvedOnly = await api.call('GET', `${base}?status=approved`, tokens.manager);
  expect(approvedOnly.body.airlockRequests.every((item: any) => item.airlockRequest.status === 'approved')).toBe(true);
  expect((await api.call('GET', `${base}?order_by=secret`, tokens.manager)).status).toBe(422);
  const mine = await api.call('GET', '/requests', tokens.researcher);
  expect(mine.status).toBe(200);
  expect(mine.body.length).toBeGreaterThan(0);
  const researcherId = await airlock.userId('researcher');
  expect(mine.body.every((request: any) => request.createdBy.id === researcherId)).toBe(true);
});

async function eventually(check: () => Promise<void>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
