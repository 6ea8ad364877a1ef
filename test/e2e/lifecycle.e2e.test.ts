/**
 * The whole lifecycle over real HTTP against the local host process: import and export, approve,
 * reject, cancel, revoke, uploads with a plain PUT to the SAS URL, downloads checked by SHA-256,
 * refusals that change nothing, and a restart while a request waits for review.
 */
import { AirlockClient, downloadFromContainer, listContainer, localTokens, sha256, uploadToContainer } from '../support/airlockClient';
import { LocalHostProcess, startLocalHostProcess } from '../support/localHostProcess';

const WS = 'demo';
let host: LocalHostProcess;
let api: AirlockClient;
let tokens: { alice: string; bob: string; carol: string; olga: string; dual: string; other: string; foreign: string };

beforeAll(async () => {
  host = await startLocalHostProcess({ env: { AIRLOCK_MAX_FILES: '3', AIRLOCK_LOCAL_WORKSPACES: 'ws02' } });
  api = new AirlockClient(host.apiUrl);
  const mint = await localTokens(host.dataDir);
  tokens = {
    alice: await mint(WS, 'alice', 'WorkspaceResearcher'),
    bob: await mint(WS, 'bob', 'AirlockManager'),
    carol: await mint(WS, 'carol', 'AirlockManager'),
    olga: await mint(WS, 'olga', 'WorkspaceOwner'),
    dual: await mint(WS, 'dual', 'WorkspaceResearcher', 'AirlockManager'),
    other: await mint(WS, 'mallory', 'WorkspaceResearcher'),
    foreign: await mint('ws02', 'alice', 'WorkspaceResearcher', 'WorkspaceOwner', 'AirlockManager'),
  };
}, 90_000);

afterAll(async () => {
  expect(await host?.stop()).toBe(0);
});

const base = `/workspaces/${WS}/requests`;

async function createWithFiles(type: 'import' | 'export', files: Record<string, string>, token = tokens.alice) {
  const created = await api.call('POST', base, token, { type, title: `${type} test`, businessJustification: 'for the e2e suite' });
  expect(created.status).toBe(201);
  const id: string = created.body.airlockRequest.id;
  const link = await api.call('GET', `${base}/${id}/link`, token);
  expect(link.status).toBe(200);
  for (const [name, content] of Object.entries(files)) expect(await uploadToContainer(link.body.containerUrl, name, content)).toBe(201);
  return { id, draftUrl: link.body.containerUrl as string };
}

async function submitAndAwaitReview(id: string, token = tokens.alice) {
  const submitted = await api.call('POST', `${base}/${id}/submit`, token);
  expect(submitted.status).toBe(200);
  expect(submitted.body.airlockRequest.status).toBe('submitted');
  return api.waitForStatus(WS, id, token, 'in_review');
}

test('health says every dependency answers and that scanning is off', async () => {
  const health = await api.call('GET', '/health');
  expect(health.status).toBe(200);
  expect(health.body).toMatchObject({ status: 'ok', dependencies: { requestStore: 'ok', stageStorage: 'ok' } });
  expect(health.body.scanning).toMatch(/disabled/);
});

test('import: draft → submitted → in_review → approved, files moved and unchanged', async () => {
  const files = { 'results.csv': 'a,b\n1,2\n', 'notes.txt': 'several files per request are normal' };
  const created = await api.call('POST', base, tokens.alice, { type: 'import', title: 'Reference data', businessJustification: 'needed for the study' });
  expect(created.status).toBe(201);
  expect(created.body.airlockRequest).toMatchObject({ type: 'import', status: 'draft', workspaceId: WS, createdBy: { id: 'alice' } });
  expect(created.body.allowedUserActions).toEqual(['submit', 'cancel']);
  const id = created.body.airlockRequest.id;

  const draftLink = await api.call('GET', `${base}/${id}/link`, tokens.alice);
  expect(draftLink.body.containerUrl).toContain('/stalimexlocal/');
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

  const reviewerView = await api.call('GET', `${base}/${id}`, tokens.bob);
  expect(reviewerView.body.allowedUserActions).toEqual(['review']);
  const reviewLink = await api.call('GET', `${base}/${id}/link`, tokens.bob);
  expect(reviewLink.body.containerUrl).toContain('/stalimiplocal/');
  expect((await downloadFromContainer(reviewLink.body.containerUrl, 'results.csv')).content.toString()).toBe(files['results.csv']);
  expect(await uploadToContainer(reviewLink.body.containerUrl, 'sneaky.txt', 'x')).toBe(403);

  const review = await api.call('POST', `${base}/${id}/review`, tokens.bob, { approval: true, decisionExplanation: 'aggregate data only' });
  expect(review.status).toBe(200);
  expect(review.body.airlockRequest.status).toBe('approval_in_progress');
  const approved = await api.waitForStatus(WS, id, tokens.alice, 'approved');
  expect(approved.reviews).toEqual([expect.objectContaining({ reviewer: expect.objectContaining({ id: 'bob' }), reviewDecision: 'approved', decisionExplanation: 'aggregate data only' })]);

  const approvedLink = await api.call('GET', `${base}/${id}/link`, tokens.alice);
  expect(approvedLink.body.containerUrl).toContain('/stalimappwsdemo/');
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
  const review = await api.call('POST', `${base}/${id}/review`, tokens.carol, { approval: false, decisionExplanation: 'small cell counts' });
  expect(review.status).toBe(200);
  const rejected = await api.waitForStatus(WS, id, tokens.alice, 'rejected');
  expect(rejected.reviews[0]).toMatchObject({ reviewDecision: 'rejected', decisionExplanation: 'small cell counts' });
  const link = await api.call('GET', `${base}/${id}/link`, tokens.alice);
  expect(link.status).toBe(400);
  expect(link.body.detail).toMatch(/rejected/);
});

test('export approved lands in the core approved account; revoke moves it out so old links stop working', async () => {
  const { id } = await createWithFiles('export', { 'summary.txt': 'mean 4.2' });
  await submitAndAwaitReview(id);
  await api.call('POST', `${base}/${id}/review`, tokens.bob, { approval: true, decisionExplanation: 'fine' });
  await api.waitForStatus(WS, id, tokens.alice, 'approved');
  const link = await api.call('GET', `${base}/${id}/link`, tokens.alice);
  expect(link.body.containerUrl).toContain('/stalexapplocal/');
  expect((await downloadFromContainer(link.body.containerUrl, 'summary.txt')).status).toBe(200);

  expect((await api.call('POST', `${base}/${id}/revoke`, tokens.bob, {})).status).toBe(422);
  expect((await api.call('POST', `${base}/${id}/revoke`, tokens.alice, { reason: 'mine' })).status).toBe(403);
  const revoked = await api.call('POST', `${base}/${id}/revoke`, tokens.bob, { reason: 'identifiable after all' });
  expect(revoked.status).toBe(200);
  expect(revoked.body.airlockRequest.status).toBe('revoked');
  await eventually(async () => expect((await downloadFromContainer(link.body.containerUrl, 'summary.txt')).status).toBe(404));
  expect((await api.call('GET', `${base}/${id}/link`, tokens.alice)).status).toBe(400);
});

test('cancel in draft deletes the draft; cancel in review deletes the in-progress copy', async () => {
  const draft = await createWithFiles('import', { 'a.txt': 'a' });
  const cancelled = await api.call('POST', `${base}/${draft.id}/cancel`, tokens.alice);
  expect(cancelled.status).toBe(200);
  expect(cancelled.body.airlockRequest.status).toBe('cancelled');
  await eventually(async () => expect((await listContainer(draft.draftUrl)).status).toBe(404));

  const inReview = await createWithFiles('export', { 'b.txt': 'b' });
  await submitAndAwaitReview(inReview.id);
  const reviewLink = (await api.call('GET', `${base}/${inReview.id}/link`, tokens.bob)).body.containerUrl;
  expect((await api.call('POST', `${base}/${inReview.id}/cancel`, tokens.olga)).status).toBe(200);
  await eventually(async () => expect((await listContainer(reviewLink)).status).toBe(404));
  expect((await api.call('POST', `${base}/${inReview.id}/review`, tokens.bob, { approval: true, decisionExplanation: 'late' })).status).toBe(400);
});

describe('refusals: the right 4xx, a message that says what is wrong, and no change', () => {
  let draftId: string;
  beforeAll(async () => {
    draftId = (await createWithFiles('import', {})).id;
  });

  async function unchanged(id = draftId, status = 'draft') {
    const now = await api.call('GET', `${base}/${id}`, tokens.olga);
    expect(now.body.airlockRequest.status).toBe(status);
    return now.body.airlockRequest;
  }

  test('submit with no files → 400 "Request has no files"', async () => {
    const response = await api.call('POST', `${base}/${draftId}/submit`, tokens.alice);
    expect(response).toEqual({ status: 400, body: { detail: expect.stringContaining('Request has no files') } });
    await unchanged();
  });

  test('more files than the workspace allows → 400 naming the limit', async () => {
    const { id } = await createWithFiles('import', { '1.txt': '1', '2.txt': '2', '3.txt': '3', '4.txt': '4' });
    const response = await api.call('POST', `${base}/${id}/submit`, tokens.alice);
    expect(response.status).toBe(400);
    expect(response.body.detail).toMatch(/4 files.*at most 3/);
    await unchanged(id);
  });

  test.each([
    ['no type', { title: 't', businessJustification: 'b' }, 'body.type is required'],
    ['bad type', { type: 'both', title: 't', businessJustification: 'b' }, 'body.type must be one of'],
    ['empty title', { type: 'import', title: ' ', businessJustification: 'b' }, 'body.title must not be empty'],
    ['not JSON', '{oops', 'body is not valid JSON'],
  ])('create with %s → 422', async (_case, body, message) => {
    const response = await api.call('POST', base, tokens.alice, body);
    expect(response.status).toBe(422);
    expect(response.body.detail).toContain(message);
  });

  test('review of a draft → 400 naming the status; by a researcher → 403', async () => {
    const byManager = await api.call('POST', `${base}/${draftId}/review`, tokens.bob, { approval: true, decisionExplanation: 'x' });
    expect(byManager.status).toBe(400);
    expect(byManager.body.detail).toContain("'draft'");
    expect((await api.call('POST', `${base}/${draftId}/review`, tokens.alice, { approval: true, decisionExplanation: 'x' })).status).toBe(403);
    await unchanged();
  });

  test('a review whose approval is neither a boolean nor one of the forms Azure TRE accepts → 422', async () => {
    const { id } = await createWithFiles('import', { 'x.txt': 'x' });
    await submitAndAwaitReview(id);
    const response = await api.call('POST', `${base}/${id}/review`, tokens.bob, { approval: 'approve' });
    expect(response.status).toBe(422);
    expect(response.body.detail).toMatch(/^body\.approval must be a JSON boolean/);
    await unchanged(id, 'in_review');
  });

  test('nobody reviews their own request, whatever roles they hold', async () => {
    const { id } = await createWithFiles('export', { 'y.txt': 'y' }, tokens.dual);
    await submitAndAwaitReview(id, tokens.dual);
    const response = await api.call('POST', `${base}/${id}/review`, tokens.dual, { approval: true, decisionExplanation: 'mine' });
    expect(response.status).toBe(403);
    const view = await api.call('GET', `${base}/${id}`, tokens.dual);
    expect(view.body.allowedUserActions).not.toContain('review');
    await unchanged(id, 'in_review');
  });

  test('another researcher does not even see someone else\'s request: submit, cancel, link and get are 404', async () => {
    for (const [method, path] of [['POST', 'submit'], ['POST', 'cancel'], ['GET', 'link']]) {
      expect((await api.call(method, `${base}/${draftId}/${path}`, tokens.other)).status).toBe(404);
    }
    expect((await api.call('GET', `${base}/${draftId}`, tokens.other)).status).toBe(404);
    const list = await api.call('GET', base, tokens.other);
    expect(list.body.airlockRequests.map((item: any) => item.airlockRequest.id)).not.toContain(draftId);
    await unchanged();
  });

  test('a workspace owner who is not the requester can submit and cancel, but not get the draft link', async () => {
    const { id } = await createWithFiles('import', {});
    expect((await api.call('GET', `${base}/${id}/link`, tokens.olga)).status).toBe(403);
    expect((await api.call('POST', `${base}/${id}/cancel`, tokens.olga)).status).toBe(200);
  });

  test('no token → 401, a forged token → 401, unknown workspace or request → 404, malformed id → 422', async () => {
    expect((await api.call('GET', `${base}/${draftId}`)).status).toBe(401);
    const forged = tokens.alice.slice(0, -4) + (tokens.alice.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    expect((await api.call('GET', `${base}/${draftId}`, forged)).status).toBe(401);
    expect((await api.call('GET', `${base}/${draftId}`, tokens.foreign)).status).toBe(401);
    expect((await api.call('GET', `${base}/00000000-0000-4000-8000-000000000000`, tokens.alice)).status).toBe(404);
    expect((await api.call('GET', `${base}/not-a-uuid`, tokens.alice)).status).toBe(422);
    expect((await api.call('GET', `/workspaces/nowhere/requests`, tokens.alice)).status).toBe(404);
  });

  test('concurrent reviews: exactly one wins', async () => {
    const { id } = await createWithFiles('import', { 'z.txt': 'z' });
    await submitAndAwaitReview(id);
    const results = await Promise.all([
      api.call('POST', `${base}/${id}/review`, tokens.bob, { approval: true, decisionExplanation: 'yes' }),
      api.call('POST', `${base}/${id}/review`, tokens.carol, { approval: false, decisionExplanation: 'no' }),
    ]);
    const statuses = results.map((r) => r.status).sort();
    expect(statuses[0]).toBe(200);
    expect([400, 409]).toContain(statuses[1]);
    const winner = results.find((r) => r.status === 200)!.body.airlockRequest.status;
    const final = await api.waitForStatus(WS, id, tokens.alice, winner === 'approval_in_progress' ? 'approved' : 'rejected');
    expect(final.reviews).toHaveLength(1);
  });
});

test('lists: filtered, ordered by an allow-listed field, paged with a continuation token', async () => {
  const seen = new Set<string>();
  let token: string | undefined;
  let pages = 0;
  do {
    const page = await api.call('GET', `${base}?order_by=createdWhen&order_ascending=true&pageSize=2${token ? `&continuationToken=${encodeURIComponent(token)}` : ''}`, tokens.olga);
    expect(page.status).toBe(200);
    expect(page.body.airlockRequests.length).toBeLessThanOrEqual(2);
    for (const item of page.body.airlockRequests) seen.add(item.airlockRequest.id);
    token = page.body.continuationToken;
    pages++;
  } while (token && pages < 50);
  expect(seen.size).toBeGreaterThan(4);
  expect(pages).toBeGreaterThan(2);
  const approvedOnly = await api.call('GET', `${base}?status=approved`, tokens.bob);
  expect(approvedOnly.body.airlockRequests.every((item: any) => item.airlockRequest.status === 'approved')).toBe(true);
  expect((await api.call('GET', `${base}?order_by=secret`, tokens.bob)).status).toBe(422);
  const mine = await api.call('GET', '/requests', tokens.alice);
  expect(mine.status).toBe(200);
  expect(mine.body.length).toBeGreaterThan(0);
  expect(mine.body.every((request: any) => request.createdBy.id === 'alice')).toBe(true);
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
