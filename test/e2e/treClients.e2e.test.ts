/**
 * The Azure TRE portal (microsoft/AzureTRE ui/app) and `tre` CLI, reproduced by the exact HTTP
 * calls they make (read in their sources; the facts with file references are summarised in
 * docs/tre-compatibility.md), against the airlock under test: a local host, or a deployment named by
 * AIRLOCK_E2E_BASE_URL (test/support/airlockUnderTest.ts).
 *
 * - The portal sends Authorization, `Content-Type: application/json` and an `etag` header on every
 *   call, GETs and body-less POSTs included, from a browser with `mode: "cors"`: on another origin
 *   each call is preflighted. Every successful answer must be JSON.
 * - The CLI sends only Authorization (and Content-Type with a JSON body), resolves the workspace's
 *   `properties.scope_id` with a core token before every airlock command, accepts only UUID ids,
 *   and follows no continuation token.
 */
import { randomUUID } from 'node:crypto';
import { downloadFromContainer, sha256, uploadToContainer } from '../support/airlockClient';
import { AirlockUnderTest, openAirlockUnderTest, Persona } from '../support/airlockUnderTest';

const PORTAL_ORIGIN = 'https://portal.tre.example.org';
/** The CLI takes workspace and request ids as click.UUID. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

let airlock: AirlockUnderTest;
let ws: string;
/** Whether the airlock under test grants the portal's origin (the local host does; a deployment when AIRLOCK_E2E_PORTAL_ORIGIN says so). */
let checkPreflight: boolean;
let portalOrigin: string;

beforeAll(async () => {
  airlock = await openAirlockUnderTest({ localWorkspaceId: randomUUID(), env: { AIRLOCK_CORS_ALLOWED_ORIGINS: PORTAL_ORIGIN, AIRLOCK_SCANNER: 'none' } });
  ws = airlock.workspaceId;
  portalOrigin = process.env.AIRLOCK_E2E_PORTAL_ORIGIN?.trim() || PORTAL_ORIGIN;
  checkPreflight = Boolean(airlock.local) || Boolean(process.env.AIRLOCK_E2E_PORTAL_ORIGIN);
}, 90_000);

afterAll(async () => {
  await airlock?.stop();
});

interface Answer {
  status: number;
  text: string;
  body: any;
}

async function answerOf(response: Response): Promise<Answer> {
  const text = await response.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  return { status: response.status, text, body };
}

/** A call as the portal's useAuthApiCall makes it: preflight (cross-origin), then the call with its three headers. */
async function portal(method: string, path: string, token: string, body?: unknown): Promise<Answer> {
  const url = `${airlock.apiUrl}/${path.replace(/^\//, '')}`;
  if (checkPreflight) {
    const preflight = await fetch(url, {
      method: 'OPTIONS',
      headers: { origin: portalOrigin, 'access-control-request-method': method, 'access-control-request-headers': 'authorization,content-type,etag' },
    });
    expect({ call: `${method} ${path}`, status: preflight.status, origin: preflight.headers.get('access-control-allow-origin') }).toEqual({
      call: `${method} ${path}`,
      status: 204,
      origin: portalOrigin,
    });
    expect(preflight.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('etag');
  }
  const response = await fetch(url, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', etag: '', ...(checkPreflight ? { origin: portalOrigin } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const answer = await answerOf(response);
  if (checkPreflight) expect(response.headers.get('access-control-allow-origin')).toBe(portalOrigin);
  // resp.json() on every success: an empty or non-JSON body fails the page.
  if (response.ok) expect({ call: `${method} ${path}`, json: answer.body !== undefined }).toEqual({ call: `${method} ${path}`, json: true });
  return answer;
}

/** A call as the CLI's httpx client makes it: `/api/...` on the base URL, Authorization only, a JSON body when given. */
async function cli(method: string, path: string, token: string, json?: unknown): Promise<Answer> {
  const response = await fetch(`${airlock.apiUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(json !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: json === undefined ? undefined : JSON.stringify(json),
  });
  return answerOf(response);
}

const token = (persona: Persona, audience: 'workspace' | 'core' = 'workspace') => airlock.token(persona, audience);

async function waitForStatus(id: string, status: string, as: Persona = 'researcher'): Promise<any> {
  return airlock.api.waitForStatus(ws, id, await token(as), status, 60_000);
}

describe('the tre CLI', () => {
  /** `get_workspace_scope`: the first call of every airlock command, with the core token. */
  async function workspaceScope(as: Persona): Promise<string> {
    const answer = await cli('GET', `/workspaces/${ws}`, await token(as, 'core'));
    expect(answer.status).toBe(200);
    const scope = answer.body.workspace.properties.scope_id;
    expect(typeof scope).toBe('string');
    expect(scope.length).toBeGreaterThan(0);
    return scope;
  }

  test('new, list, show, get-url, submit, review, show: a researcher imports a file and a manager approves it', async () => {
    expect(ws).toMatch(UUID);
    await workspaceScope('researcher');
    const researcher = await token('researcher');

    // tre workspace <ws> airlock-requests new --type import --title T --justification J
    const created = await cli('POST', `/workspaces/${ws}/requests`, researcher, { type: 'import', title: 'CLI import', businessJustification: 'cohort study' });
    expect(created.status).toBe(201);
    const request = created.body.airlockRequest;
    expect(request).toMatchObject({ workspaceId: ws, type: 'import', status: 'draft', businessJustification: 'cohort study' });
    expect(request.id).toMatch(UUID);

    // list: no query parameters, every request in one answer (the CLI follows no continuation token)
    const listed = await cli('GET', `/workspaces/${ws}/requests`, researcher);
    expect(listed.status).toBe(200);
    expect(listed.body.airlockRequests.map((item: any) => item.airlockRequest.id)).toContain(request.id);

    // show
    const shown = await cli('GET', `/workspaces/${ws}/requests/${request.id}`, researcher);
    expect(shown.body.airlockRequest).toMatchObject({ id: request.id, workspaceId: ws, type: 'import', title: 'CLI import', status: 'draft' });

    // get-url, then the upload the researcher makes with it
    const link = await cli('GET', `/workspaces/${ws}/requests/${request.id}/link`, researcher);
    expect(link.status).toBe(200);
    const content = 'id,value\n1,42\n';
    expect(await uploadToContainer(link.body.containerUrl, 'results.csv', content)).toBe(201);

    // submit: a POST with no body at all
    const submitted = await cli('POST', `/workspaces/${ws}/requests/${request.id}/submit`, researcher);
    expect(submitted.status).toBe(200);
    expect(submitted.body.airlockRequest.status).toBe('submitted');
    await waitForStatus(request.id, 'in_review');

    // review --approve --reason R, by an Airlock Manager
    await workspaceScope('manager');
    const reviewed = await cli('POST', `/workspaces/${ws}/requests/${request.id}/review`, await token('manager'), { approval: true, decisionExplanation: 'no identifiable data' });
    expect(reviewed.status).toBe(200);
    expect(reviewed.body.airlockRequest.reviews.at(-1)).toMatchObject({ reviewDecision: 'approved', decisionExplanation: 'no identifiable data' });
    await waitForStatus(request.id, 'approved');

    const approvedLink = await cli('GET', `/workspaces/${ws}/requests/${request.id}/link`, researcher);
    expect(approvedLink.status).toBe(200);
    const downloaded = await downloadFromContainer(approvedLink.body.containerUrl, 'results.csv');
    expect(sha256(downloaded.content)).toBe(sha256(content));
  }, 120_000);

  test('new, then cancel', async () => {
    const researcher = await token('researcher');
    const created = await cli('POST', `/workspaces/${ws}/requests`, researcher, { type: 'export', title: 'not needed', businessJustification: 'changed my mind' });
    expect(created.status).toBe(201);
    const cancelled = await cli('POST', `/workspaces/${ws}/requests/${created.body.airlockRequest.id}/cancel`, researcher);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.airlockRequest.status).toBe('cancelled');
  });

  test("an error reaches the CLI's output as the answer's text, saying what is wrong", async () => {
    const answer = await cli('POST', `/workspaces/${ws}/requests/${randomUUID()}/submit`, await token('researcher'));
    expect(answer.status).toBe(404);
    expect(answer.text).toMatch(/not found|does not exist/i);
  });
});

describe("TRE's own end-to-end sequence (e2e_tests/test_airlock.py)", () => {
  test('create without a title, submit, review with "approval": "True", approved; the requester may not review their own request', async () => {
    // TRE's test creates and reviews with one token holding WorkspaceOwner and AirlockManager.
    const researcher = await token('ownerAndManager');
    const created = await cli('POST', `/workspaces/${ws}/requests`, researcher, { type: 'import', businessJustification: 'some business justification' });
    expect(created.status).toBe(201);
    expect(created.body.airlockRequest).toMatchObject({ type: 'import', businessJustification: 'some business justification', status: 'draft', title: 'Airlock Request' });
    const id = created.body.airlockRequest.id;
    const link = await cli('GET', `/workspaces/${ws}/requests/${id}/link`, researcher);
    expect(await uploadToContainer(link.body.containerUrl, 'test_airlock_sample.txt', 'sample')).toBe(201);
    const submitted = await cli('POST', `/workspaces/${ws}/requests/${id}/submit`, researcher);
    expect(submitted.body.airlockRequest.status).toBe('submitted');
    await waitForStatus(id, 'in_review', 'ownerAndManager');

    const explanation = 'the reason why this request was approved/rejected';
    // Deliberately stricter than TRE: separation of duties, whatever roles the requester holds.
    const selfReview = await cli('POST', `/workspaces/${ws}/requests/${id}/review`, researcher, { approval: 'True', decisionExplanation: explanation });
    expect(selfReview.status).toBe(403);
    expect(selfReview.body.detail).toMatch(/own request/i);
    const reviewed = await cli('POST', `/workspaces/${ws}/requests/${id}/review`, await token('manager'), { approval: 'True', decisionExplanation: explanation });
    expect(reviewed.status).toBe(200);
    expect(reviewed.body.airlockRequest.reviews[0].decisionExplanation).toBe(explanation);
    await waitForStatus(id, 'approved', 'ownerAndManager');
    expect((await cli('GET', `/workspaces/${ws}/requests/${id}/link`, researcher)).status).toBe(200);
  }, 120_000);
});

describe('the TRE portal', () => {
  test('the home page: the workspace list, each card clickable with its scope', async () => {
    const core = await token('researcher', 'core');
    const home = await portal('GET', 'workspaces', core);
    expect(home.status).toBe(200);
    const card = home.body.workspaces.find((workspace: any) => workspace.id === ws);
    expect(card).toMatchObject({ id: ws, resourceType: 'workspace', resourcePath: `/workspaces/${ws}`, isEnabled: true });
    expect(typeof card.properties.display_name).toBe('string');
    expect(typeof card.properties.scope_id).toBe('string');
    expect(typeof card.user.name).toBe('string');
    expect(typeof card.updatedWhen).toBe('number');

    // The footer on every page: the API's health as TRE reports it.
    const health = await portal('GET', 'health', core);
    expect(health.body.services.length).toBeGreaterThan(0);
    for (const service of health.body.services) expect(service).toEqual({ service: expect.any(String), status: expect.stringMatching(/^(OK|Not OK)$/), message: expect.any(String) });
    expect((await portal('GET', 'operations', core)).body).toEqual({ operations: [] });

    const scope = await portal('GET', `workspaces/${ws}/scopeid`, core);
    expect(scope.status).toBe(200);
    expect(scope.body).toEqual({ workspaceAuth: { scopeId: card.properties.scope_id } });
  });

  test('a workspace page loads, with the Airlock link, for each workspace role', async () => {
    for (const persona of ['researcher', 'manager', 'owner'] as const) {
      const workspaceToken = await token(persona);
      const workspace = await portal('GET', `workspaces/${ws}`, workspaceToken);
      expect(workspace.status).toBe(200);
      expect(workspace.body.workspace.properties.enable_airlock).toBe(true);
      const services = await portal('GET', `workspaces/${ws}/workspace-services`, workspaceToken);
      expect(services.status).toBe(200);
      expect(Array.isArray(services.body.workspaceServices)).toBe(true);
      const shared = await portal('GET', 'shared-services', await token(persona, 'core'));
      expect(shared.status).toBe(200);
      expect(Array.isArray(shared.body.sharedServices)).toBe(true);
    }
    // An owner's page also asks for costs; an error there would be a banner over the page.
    const costs = await portal('GET', `workspaces/${ws}/costs`, await token('owner'));
    expect(costs.status).toBe(200);
    expect(costs.body).toMatchObject({ costs: [], workspace_services: [] });
  });

  test('the airlock page: new request, view, submit, review, each as the portal calls it', async () => {
    const researcher = await token('researcher');
    const created = await portal('POST', `workspaces/${ws}/requests`, researcher, { type: 'export', title: 'Portal export', businessJustification: 'paper figures' });
    expect(created.status).toBe(201);
    const { id, workspaceId } = created.body.airlockRequest;
    expect(workspaceId).toBe(ws);

    const viewed = await portal('GET', `workspaces/${ws}/requests/${id}`, researcher);
    expect(viewed.body.allowedUserActions).toEqual(expect.arrayContaining(['submit', 'cancel']));
    expect(viewed.body.airlockRequest.statusMessage ?? null).toBeNull();
    expect(viewed.body.airlockRequest.reviewUserResources).toEqual({});

    const link = await portal('GET', `workspaces/${ws}/requests/${id}/link`, researcher);
    expect(await uploadToContainer(link.body.containerUrl, 'figure1.csv', 'x,y\n1,2\n')).toBe(201);
    // Submit: a POST with Content-Type application/json and no body.
    const submitted = await portal('POST', `workspaces/${ws}/requests/${id}/submit`, researcher);
    expect(submitted.status).toBe(200);
    const inReview = await waitForStatus(id, 'in_review');
    // Scanning off is progress, not a failure: nothing for the portal's red error bar.
    expect(inReview.statusMessage ?? null).toBeNull();

    const manager = await token('manager');
    const forReview = await portal('GET', `workspaces/${ws}/requests/${id}`, manager);
    expect(forReview.body.allowedUserActions).toContain('review');
    expect(Object.keys(forReview.body.airlockRequest.reviewUserResources)).toEqual([]);
    const reviewed = await portal('POST', `workspaces/${ws}/requests/${id}/review`, manager, { approval: false, decisionExplanation: 'figure 2 shows small counts' });
    expect(reviewed.status).toBe(200);
    expect(reviewed.body.airlockRequest.reviews.at(-1)).toMatchObject({ reviewDecision: 'rejected', reviewer: { name: expect.any(String) } });
    const rejected = await waitForStatus(id, 'rejected');
    expect(rejected.statusMessage ?? null).toBeNull();

    // Review VMs are not part of this airlock: a clear refusal, not a route the portal cannot find.
    const reviewVm = await cli('POST', `/workspaces/${ws}/requests/${id}/review-user-resource`, manager);
    expect(reviewVm.status).toBe(501);
    expect(reviewVm.body.detail).toMatch(/review VM/i);
  }, 120_000);

  test("the airlock list: the portal's first load, its sort keys, and every request without paging", async () => {
    const researcher = await token('researcher');
    const titles = Array.from({ length: 55 }, (_, index) => `bulk ${String(index).padStart(2, '0')}`);
    // Created five at a time: the list is what is tested, not the order they were made in.
    for (let first = 0; first < titles.length; first += 5) {
      const created = await Promise.all(titles.slice(first, first + 5).map((title) => cli('POST', `/workspaces/${ws}/requests`, researcher, { type: 'import', title, businessJustification: 'paging' })));
      for (const answer of created) expect(answer.status).toBe(201);
    }
    const firstLoad = await portal('GET', `workspaces/${ws}/requests?order_by=updatedWhen&order_ascending=false`, researcher);
    expect(firstLoad.status).toBe(200);
    const items = firstLoad.body.airlockRequests;
    expect(items.length).toBeGreaterThanOrEqual(55);
    for (const item of items) {
      expect(item).toEqual({ airlockRequest: expect.objectContaining({ id: expect.any(String), status: expect.any(String), createdWhen: expect.any(Number), updatedWhen: expect.any(Number) }), allowedUserActions: expect.any(Array) });
      expect(typeof item.airlockRequest.createdBy.name).toBe('string');
    }
    const updated = items.map((item: any) => item.airlockRequest.updatedWhen);
    expect(updated).toEqual([...updated].sort((a, b) => b - a));

    // The "Created" column sends createdTime.
    const byCreated = await portal('GET', `workspaces/${ws}/requests?order_by=createdTime&order_ascending=true`, researcher);
    expect(byCreated.status).toBe(200);
    const created = byCreated.body.airlockRequests.map((item: any) => item.airlockRequest.createdWhen);
    expect(created).toEqual([...created].sort((a, b) => a - b));
    for (const orderBy of ['type', 'status']) {
      expect((await portal('GET', `workspaces/${ws}/requests?order_by=${orderBy}&order_ascending=true`, researcher)).status).toBe(200);
    }
    // The status filter the portal offers as "blocked".
    expect((await portal('GET', `workspaces/${ws}/requests?status=blocked`, researcher)).status).toBe(200);
  }, 120_000);

  test("the cross-workspace Requests page: three calls with the core token; a manager's view holds every status", async () => {
    const researcher = await token('researcher');
    const draft = await cli('POST', `/workspaces/${ws}/requests`, researcher, { type: 'import', title: 'still a draft', businessJustification: 'x' });
    const query = '?order_by=updatedWhen&order_ascending=false';
    const pageAs = async (persona: Persona) => {
      const core = await token(persona, 'core');
      return Promise.all([portal('GET', 'workspaces', core), portal('GET', `requests${query}`, core), portal('GET', `requests${query}&airlock_manager=true`, core)]);
    };

    const [workspaces, mine, managed] = await pageAs('researcher');
    expect(workspaces.body.workspaces.map((workspace: any) => workspace.id)).toContain(ws);
    expect(Array.isArray(mine.body)).toBe(true);
    expect(mine.body.map((request: any) => request.id)).toContain(draft.body.airlockRequest.id);
    // A researcher manages nothing: the portal then hides "All Requests" and "Awaiting my review".
    expect(managed.body).toEqual([]);

    // The CLI test above left an approved request in the workspace.
    const [, , asManager] = await pageAs('manager');
    expect(Array.isArray(asManager.body)).toBe(true);
    const statuses = new Set(asManager.body.filter((request: any) => request.workspaceId === ws).map((request: any) => request.status));
    expect([...statuses]).toEqual(expect.arrayContaining(['draft', 'approved']));
    expect(asManager.body.map((request: any) => request.id)).toContain(draft.body.airlockRequest.id);
  }, 120_000);

  test("what the portal shows for what it does not know: a second approval still needed, and changes requested", async () => {
    const admin = await token('treAdmin', 'core');
    const settingsPath = `/workspaces/${ws}/airlock-settings`;
    const before = (await cli('GET', settingsPath, admin)).body.workspace.airlock;
    expect((await cli('PUT', settingsPath, admin, { ...before, requiredApprovals: 2 })).status).toBe(200);
    try {
      const researcher = await token('researcher');
      const submitted = async (title: string): Promise<string> => {
        const created = await portal('POST', `workspaces/${ws}/requests`, researcher, { type: 'import', title, businessJustification: 'two reviewers' });
        const id = created.body.airlockRequest.id;
        const link = await portal('GET', `workspaces/${ws}/requests/${id}/link`, researcher);
        expect(await uploadToContainer(link.body.containerUrl, 'table.csv', 'a,b\n1,2\n')).toBe(201);
        expect((await portal('POST', `workspaces/${ws}/requests/${id}/submit`, researcher)).status).toBe(200);
        await waitForStatus(id, 'in_review');
        return id;
      };

      // Both brought to review together.
      const [twoApprovals, changes] = await Promise.all([submitted('needs two approvals'), submitted('needs changes')]);

      // One of two approvals: still in review, no red bar, the next manager is offered "Review".
      expect((await portal('POST', `workspaces/${ws}/requests/${twoApprovals}/review`, await token('manager'), { approval: true, decisionExplanation: 'fine by me' })).status).toBe(200);
      const halfway = await portal('GET', `workspaces/${ws}/requests/${twoApprovals}`, await token('otherManager'));
      expect(halfway.body.airlockRequest).toMatchObject({ status: 'in_review', reviews: [expect.objectContaining({ reviewDecision: 'approved', decisionExplanation: 'fine by me' })] });
      expect(halfway.body.airlockRequest.statusMessage ?? null).toBeNull();
      expect(halfway.body.airlockRequest.progressMessage).toMatch(/1 of 2/);
      expect(halfway.body.allowedUserActions).toContain('review');
      // The first manager is not offered a second review of the same submission.
      expect((await portal('GET', `workspaces/${ws}/requests/${twoApprovals}`, await token('manager'))).body.allowedUserActions).not.toContain('review');
      expect((await portal('POST', `workspaces/${ws}/requests/${twoApprovals}/review`, await token('otherManager'), { approval: true, decisionExplanation: 'agreed' })).status).toBe(200);
      await waitForStatus(twoApprovals, 'approved');

      // Changes requested: no red bar, the explanation among the reviews, the requester offered Submit and Cancel.
      const requested = await cli('POST', `/workspaces/${ws}/requests/${changes}/review`, await token('manager'), { decision: 'changes_requested', decisionExplanation: 'drop column b' });
      expect(requested.status).toBe(200);
      const returned = await waitForStatus(changes, 'changes_requested');
      expect(returned.statusMessage ?? null).toBeNull();
      const asPortalSeesIt = await portal('GET', `workspaces/${ws}/requests/${changes}`, researcher);
      expect(asPortalSeesIt.body.airlockRequest.reviews.at(-1)).toMatchObject({ reviewDecision: 'changes_requested', decisionExplanation: 'drop column b', reviewer: { name: expect.any(String) } });
      expect(asPortalSeesIt.body.allowedUserActions).toEqual(expect.arrayContaining(['submit', 'cancel']));
      // The files come back to where the requester can edit them (the portal's Files section shows "being moved" until then).
      const draftLink = await airlock.api.waitForLink(ws, changes, researcher);
      expect(await uploadToContainer(draftLink, 'table.csv', 'a\n1\n')).toBe(201);
    } finally {
      const current = (await cli('GET', settingsPath, admin)).body.workspace.airlock;
      expect((await cli('PUT', settingsPath, admin, { ...current, requiredApprovals: before.requiredApprovals })).status).toBe(200);
    }
  }, 180_000);
});
