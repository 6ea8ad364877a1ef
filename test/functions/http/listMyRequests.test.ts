/**
 * `GET /api/requests` on in-memory adapters: the caller's own requests across workspaces, and with
 * `airlock_manager=true` the portal's "All Requests" (tre-facts §1.11): every request, of every
 * status, of each workspace where the caller is an Airlock Manager. With a core token the role
 * directory says where that is (`session.airlock.roleDirectory.grant`, as Graph would); a workspace
 * token speaks for its own workspace. `awaiting_my_review=true` keeps exactly what `review` would
 * accept from the caller.
 */
import { epochSeconds } from '../../../src/domain/epochSeconds';
import { DependencyError } from '../../../src/domain/errors';
import { authorize } from '../../../src/domain/permissions';
import { AirlockRequest, newDraftRequest } from '../../../src/domain/request';
import { recordReview } from '../../../src/domain/review';
import { Caller, UserRef, userRefOf } from '../../../src/domain/roles';
import { RequestStatus } from '../../../src/domain/status';
import { LIST_PAGE_CAP } from '../../../src/domain/schemas';
import { listMyRequests } from '../../../src/functions/http/listMyRequests';
import { httpRequest, inMemoryAirlockForEachTest, invocationContext, PEOPLE, storedRequest } from '../../support/inMemoryDependencies';

const WORKSPACES = ['ws01', 'ws02', 'ws03'];
/** Every status a stored request can be walked to here: the manager view must show each. */
const STATUSES: RequestStatus[] = ['draft', 'submitted', 'in_review', 'changes_requested', 'approved', 'cancelled', 'blocked_by_scan'];

const RITA = userRefOf(PEOPLE.rita);
const CAROL: UserRef = { id: 'user-carol', name: 'Carol Manager' };
/** Carol signed in to the TRE (core token): her workspace roles come from the directory. */
const carolCore: Caller = { ...CAROL, roles: ['TREUser'] };

const session = inMemoryAirlockForEachTest({ workspaces: WORKSPACES });

beforeEach(() => {
  const { roleDirectory } = session.airlock;
  roleDirectory.grant(CAROL.id, 'ws01', 'AirlockManager');
  roleDirectory.grant(CAROL.id, 'ws02', 'AirlockManager', 'WorkspaceResearcher');
  // Only a researcher in ws03: none of its requests are hers to see.
  roleDirectory.grant(CAROL.id, 'ws03', 'WorkspaceResearcher');
});

async function seed(workspaceId: string, status: RequestStatus, options: { creator?: UserRef; title?: string } = {}): Promise<AirlockRequest> {
  const { store, deps } = session.airlock;
  return storedRequest(store, { status, workspaceId, id: deps.newId(), creator: options.creator ?? RITA, title: options.title ?? `${workspaceId} ${status}` });
}

async function seedEveryStatusEverywhere(): Promise<void> {
  for (const workspaceId of WORKSPACES) for (const status of STATUSES) await seed(workspaceId, status);
}

async function list(caller: Caller, query = '') {
  const authorization = session.airlock.identity.signIn(`${caller.id}-${caller.workspaceId ?? 'core'}`, caller);
  return listMyRequests(httpRequest({ path: `requests${query}`, authorization }), invocationContext('listMyRequests'));
}

async function titles(caller: Caller, query = ''): Promise<string[]> {
  const response = await list(caller, query);
  expect(response.status).toBe(200);
  return (response.jsonBody as AirlockRequest[]).map((item) => item.title).sort();
}

const titlesOf = (workspaceIds: string[]) => workspaceIds.flatMap((ws) => STATUSES.map((status) => `${ws} ${status}`)).sort();

describe('the manager view with a core token (airlock_manager=true)', () => {
  test('holds every request, of every status, of each workspace the directory makes the caller an Airlock Manager of, and nothing else', async () => {
    await seedEveryStatusEverywhere();

    expect(await titles(carolCore, '?airlock_manager=true')).toEqual(titlesOf(['ws01', 'ws02']));
    // The same with the portal's first query string (tre-facts §1.11).
    expect(await titles(carolCore, '?order_by=updatedWhen&order_ascending=false&airlock_manager=true')).toEqual(titlesOf(['ws01', 'ws02']));
  });

  test('a TRE user (or TRE administrator) with no grant gets an empty list; a core token with no TRE role is refused', async () => {
    await seedEveryStatusEverywhere();
    const dave: Caller = { id: 'user-dave', name: 'Dave', roles: ['TREUser'] };

    expect(await titles(dave, '?airlock_manager=true')).toEqual([]);
    // Administering the TRE is not reviewing its data: only the AirlockManager role opens a workspace here.
    expect(await titles({ ...PEOPLE.admin }, '?airlock_manager=true')).toEqual([]);
    const stranger = await list({ id: 'user-eve', name: 'Eve', roles: [] }, '?airlock_manager=true');
    expect(stranger.status).toBe(403);
    expect(stranger.jsonBody).toEqual({ detail: 'Only a TRE user (TREUser or TREAdmin) or a workspace member with an airlock role can list airlock requests' });
  });

  test('a grant made after an earlier call counts (the directory is asked on every call)', async () => {
    await seed('ws03', 'draft');
    expect(await titles(carolCore, '?airlock_manager=true')).toEqual([]);

    session.airlock.roleDirectory.grant(CAROL.id, 'ws03', 'AirlockManager');

    expect(await titles(carolCore, '?airlock_manager=true')).toEqual(['ws03 draft']);
  });

  test('filters and order apply across the workspaces: status=blocked is blocked_by_scan; order_by=createdTime orders by createdWhen', async () => {
    await seedEveryStatusEverywhere();
    expect(await titles(carolCore, '?airlock_manager=true&status=blocked')).toEqual(['ws01 blocked_by_scan', 'ws02 blocked_by_scan']);
    expect(await titles(carolCore, '?airlock_manager=true&status=draft&type=export')).toEqual([]);

    // Distinct creation times, interleaved across the two workspaces.
    const { store } = session.airlock;
    const created = [
      { ws: 'ws02', at: 100 },
      { ws: 'ws01', at: 300 },
      { ws: 'ws02', at: 200 },
      { ws: 'ws01', at: 50 },
    ];
    for (const [index, { ws, at }] of created.entries()) {
      const request = await seed(ws, 'approved', { title: `created ${at}` });
      store.changeBehindTheHandler(ws, request.id, (r) => ({ ...r, createdWhen: at, updatedWhen: 1_000 - index }));
    }
    const response = await list(carolCore, '?airlock_manager=true&status=approved&order_by=createdTime&order_ascending=true');
    expect(response.status).toBe(200);
    const ordered = (response.jsonBody as AirlockRequest[]).map((item) => item.title).filter((title) => title.startsWith('created'));
    expect(ordered).toEqual(['created 50', 'created 100', 'created 200', 'created 300']);
  });

  test('a failing role directory is a 503 that says so, not an empty list', async () => {
    session.airlock.deps.roleDirectory = {
      rolesOf: async () => {
        throw new DependencyError('workspace roles unavailable: Microsoft Graph did not answer GET /v1.0/users/x/appRoleAssignments');
      },
    };

    const response = await list(carolCore, '?airlock_manager=true');

    expect(response.status).toBe(503);
    expect(response.jsonBody).toEqual({ detail: 'workspace roles unavailable: Microsoft Graph did not answer GET /v1.0/users/x/appRoleAssignments' });
  });
});

describe('the manager view with a workspace token', () => {
  test("holds every request of the token's own workspace when it carries AirlockManager, and none of another workspace", async () => {
    await seedEveryStatusEverywhere();
    // Mia manages ws02 too, but a ws01 token speaks for ws01 only.
    session.airlock.roleDirectory.grant(PEOPLE.mia.id, 'ws02', 'AirlockManager');

    expect(await titles(PEOPLE.mia, '?airlock_manager=true')).toEqual(titlesOf(['ws01']));
  });

  test('a workspace token without AirlockManager has an empty manager view, and still lists its own requests', async () => {
    await seedEveryStatusEverywhere();

    expect(await titles(PEOPLE.olga, '?airlock_manager=true')).toEqual([]);
    expect(await titles(PEOPLE.rita)).toEqual(titlesOf(WORKSPACES));
  });

  test('a workspace token with no airlock role is refused', async () => {
    const response = await list(PEOPLE.nobody, '?airlock_manager=true');
    expect(response.status).toBe(403);
  });
});

describe('awaiting my review (awaiting_my_review=true)', () => {
  /** Two approvals are required, so one approval keeps a request in review. */
  async function approvedOnceBy(request: AirlockRequest, reviewer: UserRef): Promise<AirlockRequest> {
    const { store, deps } = session.airlock;
    const reviewed = recordReview(request, { id: deps.newId(), reviewer, decision: 'approved', decisionExplanation: 'fine', now: epochSeconds(deps.now()), requiredApprovals: 2 });
    return store.replace(reviewed);
  }

  test('holds what the caller may review now: in review, in a workspace they manage, not their own, not reviewed by them this cycle', async () => {
    await seedEveryStatusEverywhere();
    const own = await seed('ws01', 'in_review', { creator: CAROL, title: "carol's own" });
    const reviewed = await approvedOnceBy(await seed('ws02', 'in_review', { title: 'approved by carol' }), CAROL);
    const byOther = await approvedOnceBy(await seed('ws02', 'in_review', { title: 'approved by max' }), userRefOf(PEOPLE.max));

    const awaiting = await titles(carolCore, '?awaiting_my_review=true');

    expect(awaiting).toEqual(['approved by max', 'ws01 in_review', 'ws02 in_review']);
    // Exactly what review itself accepts from her, as an Airlock Manager of each workspace.
    const carolIn = (workspaceId: string): Caller => ({ ...CAROL, roles: ['AirlockManager'], workspaceId });
    expect(() => authorize('review', carolIn('ws02'), byOther)).not.toThrow();
    expect(() => authorize('review', carolIn('ws01'), own)).toThrow(/your own request/);
    expect(() => authorize('review', carolIn('ws02'), reviewed)).toThrow(/already reviewed/);
    // Azure TRE's "Awaiting my review" is the manager view filtered to in_review: that keeps her own and the reviewed one.
    expect(await titles(carolCore, '?airlock_manager=true&status=in_review')).toEqual(
      ['approved by carol', 'approved by max', "carol's own", 'ws01 in_review', 'ws02 in_review'].sort(),
    );
  });

  test('with a workspace token it keeps that workspace only', async () => {
    await seedEveryStatusEverywhere();
    await seed('ws01', 'in_review', { creator: userRefOf(PEOPLE.mia), title: "mia's own" });

    expect(await titles(PEOPLE.mia, '?awaiting_my_review=true')).toEqual(['ws01 in_review']);
  });

  test('another status with it is refused with a detail', async () => {
    const response = await list(carolCore, '?awaiting_my_review=true&status=draft');
    expect(response.status).toBe(422);
    expect((response.jsonBody as { detail: string }).detail).toMatch(/awaiting_my_review lists requests in review only/);
  });
});

describe('own requests (no flag)', () => {
  test("a core token lists the caller's own requests across workspaces, whatever their roles", async () => {
    await seedEveryStatusEverywhere();
    await seed('ws01', 'draft', { creator: CAROL, title: 'carol ws01' });
    await seed('ws03', 'approved', { creator: CAROL, title: 'carol ws03' });

    expect(await titles(carolCore)).toEqual(['carol ws01', 'carol ws03']);
  });
});

describe('paging: everything up to the cap when no pageSize is asked for', () => {
  /** `count` drafts by Rita in ws01, stored directly (no audit), each created a second after the last. */
  async function manyDrafts(count: number): Promise<void> {
    const { store, deps } = session.airlock;
    for (let i = 0; i < count; i++) {
      const request = newDraftRequest({ id: deps.newId(), workspaceId: 'ws01', type: 'import', title: `draft ${i}`, businessJustification: 'paging', creator: RITA, now: 1_000 + i });
      await store.create(request);
    }
  }

  test('more than the former page of 50 come in one answer, without a continuation token', async () => {
    await manyDrafts(60);

    const mine = await list(PEOPLE.rita);
    const managed = await list(carolCore, '?airlock_manager=true');

    for (const response of [mine, managed]) {
      expect(response.status).toBe(200);
      expect((response.jsonBody as AirlockRequest[]).length).toBe(60);
      expect(response.headers).not.toHaveProperty('x-continuation-token');
    }
  });

  test('beyond the cap the answer holds the cap, and x-continuation-token leads to the rest', async () => {
    await manyDrafts(LIST_PAGE_CAP + 1);

    const first = await list(carolCore, '?airlock_manager=true&order_by=createdWhen&order_ascending=true');
    expect(first.status).toBe(200);
    const firstItems = first.jsonBody as AirlockRequest[];
    expect(firstItems.length).toBe(LIST_PAGE_CAP);
    const token = (first.headers as Record<string, string>)['x-continuation-token'];
    expect(token).toEqual(expect.any(String));

    const rest = await list(carolCore, `?airlock_manager=true&order_by=createdWhen&order_ascending=true&continuationToken=${encodeURIComponent(token)}`);
    expect((rest.jsonBody as AirlockRequest[]).map((item) => item.title)).toEqual([`draft ${LIST_PAGE_CAP}`]);
    expect(rest.headers).not.toHaveProperty('x-continuation-token');
    expect(new Set([...firstItems, ...(rest.jsonBody as AirlockRequest[])].map((item) => item.id)).size).toBe(LIST_PAGE_CAP + 1);
  });

  test('an explicit pageSize pages as asked, up to the cap; beyond it is refused', async () => {
    await manyDrafts(3);
    const paged = await list(PEOPLE.rita, '?pageSize=2');
    expect((paged.jsonBody as AirlockRequest[]).length).toBe(2);
    expect(paged.headers).toHaveProperty('x-continuation-token');

    const tooMany = await list(PEOPLE.rita, `?pageSize=${LIST_PAGE_CAP + 1}`);
    expect(tooMany.status).toBe(422);
    expect(tooMany.jsonBody).toEqual({ detail: 'query.pageSize is not valid' });
  });
});
