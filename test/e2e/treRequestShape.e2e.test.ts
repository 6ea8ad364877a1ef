/**
 * Azure TRE's request shape and leniency over real HTTP against the local host: create and review
 * bodies as TRE's clients send them, `reviewUserResources` on every request, the review-VM route
 * answering that there are none, and malformed input answered 422 as FastAPI answers it.
 */
import { AirlockClient, localTokens, uploadToContainer } from '../support/airlockClient';
import { LocalHostProcess, startLocalHostProcess } from '../support/localHostProcess';

const WS = 'demo';
const base = `/workspaces/${WS}/requests`;
let host: LocalHostProcess;
let api: AirlockClient;
let t: Record<'alice' | 'bob' | 'carol' | 'olga', string>;

beforeAll(async () => {
  host = await startLocalHostProcess();
  api = new AirlockClient(host.apiUrl);
  const mint = await localTokens(host.dataDir);
  t = {
    alice: await mint(WS, 'alice', 'WorkspaceResearcher'),
    bob: await mint(WS, 'bob', 'AirlockManager'),
    carol: await mint(WS, 'carol', 'AirlockManager'),
    olga: await mint(WS, 'olga', 'WorkspaceOwner'),
  };
}, 90_000);

afterAll(async () => {
  expect(await host?.stop()).toBe(0);
});

/** A POST as TRE's portal sends submit, cancel and review-user-resource: JSON content type, no body. */
async function portalPost(path: string, token: string): Promise<{ status: number; body: any }> {
  const response = await fetch(`${host.apiUrl}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', etag: '' },
  });
  return { status: response.status, body: await response.json() };
}

async function inReview(): Promise<string> {
  const created = await api.call('POST', base, t.alice, { type: 'import', businessJustification: 'for review' });
  const id: string = created.body.airlockRequest.id;
  const link = (await api.call('GET', `${base}/${id}/link`, t.alice)).body.containerUrl;
  expect(await uploadToContainer(link, 'table.csv', 'n\n5\n')).toBe(201);
  expect((await portalPost(`${base}/${id}/submit`, t.alice)).status).toBe(200);
  await api.waitForStatus(WS, id, t.alice, 'in_review');
  return id;
}

test("a create with only a type gets TRE's defaults, and every request object carries an empty reviewUserResources", async () => {
  const created = await api.call('POST', base, t.alice, { type: 'export' });
  expect(created.status).toBe(201);
  expect(created.body.airlockRequest).toMatchObject({ title: 'Airlock Request', businessJustification: 'Business Justifications', status: 'draft', reviewUserResources: {} });
  const id = created.body.airlockRequest.id;

  expect((await api.call('GET', `${base}/${id}`, t.alice)).body.airlockRequest.reviewUserResources).toEqual({});
  const listed = await api.call('GET', base, t.olga);
  expect(listed.body.airlockRequests.every((item: any) => JSON.stringify(item.airlockRequest.reviewUserResources) === '{}')).toBe(true);
  const mine = await api.call('GET', '/requests', t.alice);
  expect(Array.isArray(mine.body)).toBe(true);
  expect(mine.body.find((request: any) => request.id === id)?.reviewUserResources).toEqual({});
});

test('review-user-resource, as the portal calls it, tells an Airlock Manager with 501 that there are no review VMs; others get 403', async () => {
  const id = await inReview();

  const asManager = await portalPost(`${base}/${id}/review-user-resource`, t.bob);
  expect(asManager.status).toBe(501);
  expect(asManager.body.detail).toMatch(/^Review VMs are not part of this airlock/);
  expect(asManager.body.detail).toContain(`GET /api/workspaces/${WS}/requests/${id}/link`);
  expect((await portalPost(`${base}/${id}/review-user-resource`, t.olga)).status).toBe(403);
  expect((await portalPost(`${base}/${id}/review-user-resource`, 'not-a-token')).status).toBe(401);

  // The review route beside it is still the review route.
  const reviewed = await api.call('POST', `${base}/${id}/review`, t.carol, { approval: 'True' });
  expect(reviewed.status).toBe(200);
  expect(reviewed.body.airlockRequest.reviews[0]).toMatchObject({ reviewDecision: 'approved', decisionExplanation: 'Decision Explanation' });
});

test('malformed input is 422 with a readable detail; a refusal by status stays 400', async () => {
  const notJson = await api.call('POST', base, t.alice, '{"type": "import"');
  expect(notJson).toEqual({ status: 422, body: { detail: 'body is not valid JSON' } });
  const misspelt = await api.call('POST', base, t.alice, { type: 'import', titel: 'x' });
  expect(misspelt).toEqual({ status: 422, body: { detail: 'body.titel is not a known field' } });

  const draft = (await api.call('POST', base, t.alice, { type: 'import' })).body.airlockRequest.id;
  const byStatus = await api.call('POST', `${base}/${draft}/review`, t.bob, { approval: true });
  expect(byStatus.status).toBe(400);
  const badApproval = await api.call('POST', `${base}/${draft}/review`, t.bob, { approval: 'maybe' });
  // The status refusal comes first: a body is read only once the action is allowed.
  expect(badApproval.status).toBe(400);
});
