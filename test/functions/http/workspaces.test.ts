/**
 * `GET /api/workspaces`, `/api/workspaces/{ws}` and `/api/workspaces/{ws}/scopeid` on in-memory
 * adapters, read as the TRE portal and the `tre` CLI read them: the home page's list (tre-facts §1.3),
 * the workspace page (§1.4, §1.5) and the CLI's scope lookup before every airlock command (§2.2).
 */
import { HttpResponseInit } from '@azure/functions';
import { epochSeconds } from '../../../src/domain/epochSeconds';
import { Caller } from '../../../src/domain/roles';
import { getAirlockSettings } from '../../../src/functions/http/getAirlockSettings';
import { putAirlockSettings } from '../../../src/functions/http/putAirlockSettings';
import { getWorkspace, getWorkspaceScopeId, listWorkspaces } from '../../../src/functions/http/workspaces';
import { httpRequest, inMemoryAirlockForEachTest, invocationContext, PEOPLE, TEST_TIME } from '../../support/inMemoryDependencies';

const session = inMemoryAirlockForEachTest({ workspaces: ['ws01', 'ws02'] });

/** Signed in to the TRE (core token) with TREUser; workspace roles only through the role directory. */
const TINA: Caller = { id: 'user-tina', name: 'Tina TRE User', roles: ['TREUser'] };
/** A core token that carries no TRE role. */
const NINA: Caller = { id: 'user-nina', name: 'Nina No Role', roles: [] };
/** An owner of the other workspace, with that workspace's token. */
const WES: Caller = { id: 'user-wes', name: 'Wes Owner', roles: ['WorkspaceOwner'], workspaceId: 'ws02' };

const signIn = (caller: Caller) => session.airlock.identity.signIn(caller.id, caller);

function callList(authorization?: string): Promise<HttpResponseInit> {
  return listWorkspaces(httpRequest({ path: 'workspaces', authorization }), invocationContext('listWorkspaces'));
}

function callGet(workspaceId: string, authorization?: string): Promise<HttpResponseInit> {
  return getWorkspace(httpRequest({ path: `workspaces/${workspaceId}`, params: { workspaceId }, authorization }), invocationContext('getWorkspace'));
}

function callScopeId(workspaceId: string, authorization?: string): Promise<HttpResponseInit> {
  return getWorkspaceScopeId(
    httpRequest({ path: `workspaces/${workspaceId}/scopeid`, params: { workspaceId }, authorization }),
    invocationContext('getWorkspaceScopeId'),
  );
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const body = (response: HttpResponseInit): any => response.jsonBody;
const listedIds = (response: HttpResponseInit): string[] => body(response).workspaces.map((workspace: { id: string }) => workspace.id);

describe('GET /api/workspaces', () => {
  test('a TRE administrator sees every workspace, each with every field the portal\'s home page and the CLI read', async () => {
    const response = await callList(session.tokens.admin);
    expect(response.status).toBe(200);
    expect(listedIds(response)).toEqual(['ws01', 'ws02']);
    const ws01 = body(response).workspaces[0];
    expect(ws01).toMatchObject({
      id: 'ws01',
      resourceType: 'workspace',
      resourcePath: '/workspaces/ws01',
      isEnabled: true,
      deploymentStatus: 'deployed',
      templateName: expect.any(String),
      templateVersion: expect.any(String),
      availableUpgrades: [],
      updatedWhen: expect.any(Number),
      resourceVersion: 0,
      user: { name: 'Airlock' },
      workspaceURL: '',
      properties: {
        display_name: 'ws01',
        description: '',
        scope_id: 'api://airlock-test-ws01',
        client_id: 'api://airlock-test-ws01',
        enable_airlock: true,
      },
    });
    expect(typeof ws01._etag).toBe('string');
    expect(ws01._etag).not.toBe('');
  });

  test('a TRE user sees the workspaces where the role directory gives them a role, and no other', async () => {
    const tina = signIn(TINA);
    expect(listedIds(await callList(tina))).toEqual([]);
    session.airlock.roleDirectory.grant(TINA.id, 'ws02', 'AirlockManager');
    expect(listedIds(await callList(tina))).toEqual(['ws02']);
    session.airlock.roleDirectory.grant(TINA.id, 'ws01', 'WorkspaceResearcher');
    expect(listedIds(await callList(tina))).toEqual(['ws01', 'ws02']);
  });

  test('a workspace token lists its own workspace when it carries a workspace role there, else nothing', async () => {
    expect(listedIds(await callList(session.tokens.rita))).toEqual(['ws01']);
    expect(listedIds(await callList(session.tokens.nobody))).toEqual([]);
  });

  test('a core token without a TRE role is refused with 403, even where the directory gives a workspace role', async () => {
    session.airlock.roleDirectory.grant(NINA.id, 'ws01', 'WorkspaceOwner');
    const response = await callList(signIn(NINA));
    expect(response.status).toBe(403);
    expect(body(response).detail).toMatch(/TREUser or TREAdmin/);
  });

  test('without a token: 401', async () => {
    expect((await callList()).status).toBe(401);
  });

  test('a workspace the configuration no longer serves (its registry entry kept) is shown nowhere: no token for it is accepted', async () => {
    const { workspaces } = session.airlock;
    const served = (await workspaces.get('ws01'))!;
    await workspaces.create({ ...served, id: 'ws03', displayName: 'Retired', audience: 'api://airlock-test-ws03', etag: undefined });
    expect(listedIds(await callList(session.tokens.admin))).toEqual(['ws01', 'ws02']);
    expect((await callGet('ws03', session.tokens.admin)).status).toBe(404);
    expect((await callScopeId('ws03', session.tokens.admin)).status).toBe(404);
  });
});

describe('GET /api/workspaces/{ws}', () => {
  test('with the workspace token of a member (the portal\'s workspace page): the workspace, with scope_id and enable_airlock', async () => {
    for (const person of ['rita', 'mia', 'olga'] as const) {
      const response = await callGet('ws01', session.tokens[person]);
      expect(response.status).toBe(200);
      expect(body(response).workspace).toMatchObject({
        id: 'ws01',
        resourcePath: '/workspaces/ws01',
        isEnabled: true,
        user: { name: 'Airlock' },
        properties: { display_name: 'ws01', scope_id: 'api://airlock-test-ws01', enable_airlock: true },
      });
    }
  });

  test('with a TRE administrator\'s core token (the portal\'s admin mode, TRE\'s e2e tests)', async () => {
    const response = await callGet('ws02', session.tokens.admin);
    expect(response.status).toBe(200);
    expect(body(response).workspace.properties.scope_id).toBe('api://airlock-test-ws02');
  });

  test('with a TRE user\'s core token and a role in the workspace (the CLI\'s scope lookup): the workspace; without the role: 403', async () => {
    const tina = signIn(TINA);
    const refused = await callGet('ws01', tina);
    expect(refused.status).toBe(403);
    expect(body(refused).detail).toMatch(/no role in workspace 'ws01'/);

    session.airlock.roleDirectory.grant(TINA.id, 'ws01', 'WorkspaceResearcher');
    const response = await callGet('ws01', tina);
    expect(response.status).toBe(200);
    expect(body(response).workspace.properties.scope_id).toBe('api://airlock-test-ws01');
    // A role in one workspace opens that one only.
    expect((await callGet('ws02', tina)).status).toBe(403);
  });

  test('a workspace token for another workspace, or one without a workspace role: 403', async () => {
    const wes = await callGet('ws01', signIn(WES));
    expect(wes.status).toBe(403);
    expect(body(wes).detail).toMatch(/token is for workspace 'ws02'/);
    expect((await callGet('ws01', session.tokens.nobody)).status).toBe(403);
  });

  test('an unknown workspace: 404 to TRE users and administrators, who learn existence from scope ids anyway', async () => {
    for (const authorization of [session.tokens.admin, signIn(TINA)]) {
      const response = await callGet('ws99', authorization);
      expect(response.status).toBe(404);
      expect(body(response).detail).toBe("Workspace 'ws99' does not exist");
    }
  });

  test.each([
    ['a core token without a TRE role', NINA, 'ws01'],
    ['a workspace token for another workspace', WES, 'ws01'],
    ['a member of another workspace', PEOPLE.rita, 'ws02'],
  ])('to %s an unknown workspace looks exactly like one they may not read: the same 403', async (_case, caller, existing) => {
    const authorization = signIn(caller);
    const hidden = await callGet(existing, authorization);
    const missing = await callGet('ws99', authorization);
    expect([hidden.status, missing.status]).toEqual([403, 403]);
    expect(body(missing).detail.replace('ws99', '<ws>')).toBe(body(hidden).detail.replace(existing, '<ws>'));
  });

  test('without a token: 401', async () => {
    expect((await callGet('ws01')).status).toBe(401);
  });

  test('turning the workspace\'s airlock off flips enable_airlock, and the workspace shows who changed it, when', async () => {
    const admin = session.tokens.admin;
    const settingsCall = { path: 'workspaces/ws01/airlock-settings', params: { workspaceId: 'ws01' }, authorization: admin };
    const current = body(await getAirlockSettings(httpRequest(settingsCall), invocationContext('getAirlockSettings'))).workspace.airlock;
    const before = body(await callGet('ws01', session.tokens.rita)).workspace;

    const put = await putAirlockSettings(httpRequest({ ...settingsCall, method: 'PUT', body: { ...current, enabled: false } }), invocationContext('putAirlockSettings'));
    expect(put.status).toBe(200);

    const after = body(await callGet('ws01', session.tokens.rita)).workspace;
    expect(after.properties.enable_airlock).toBe(false);
    expect(after).toMatchObject({ resourceVersion: 1, updatedWhen: epochSeconds(TEST_TIME), user: { id: 'user-admin', name: 'Ada Admin' } });
    expect(after._etag).not.toBe(before._etag);
    // The list says the same.
    const listed = body(await callList(admin)).workspaces.find((workspace: { id: string }) => workspace.id === 'ws01');
    expect(listed.properties.enable_airlock).toBe(false);

    await putAirlockSettings(httpRequest({ ...settingsCall, method: 'PUT', body: { ...current, enabled: true } }), invocationContext('putAirlockSettings'));
    expect(body(await callGet('ws01', session.tokens.rita)).workspace.properties.enable_airlock).toBe(true);
  });

  test('a scope configured for the workspace (AIRLOCK_WORKSPACE_SCOPES) is its scope_id; client_id stays the audience', async () => {
    session.airlock.deps.config.workspaceScopes = { ws01: 'api://mytre-ws-ws01' };
    const { properties } = body(await callGet('ws01', session.tokens.rita)).workspace;
    expect(properties).toMatchObject({ scope_id: 'api://mytre-ws-ws01', client_id: 'api://airlock-test-ws01' });
    expect(body(await callScopeId('ws01', signIn(TINA))).workspaceAuth.scopeId).toBe('api://mytre-ws-ws01');
  });
});

describe('GET /api/workspaces/{ws}/scopeid', () => {
  test('any TRE user gets any workspace\'s scope id, without a role in it (the portal asks before it knows the roles)', async () => {
    for (const authorization of [signIn(TINA), session.tokens.admin]) {
      const response = await callScopeId('ws02', authorization);
      expect(response.status).toBe(200);
      expect(body(response)).toEqual({ workspaceAuth: { scopeId: 'api://airlock-test-ws02' } });
    }
  });

  test('an unknown workspace: 404', async () => {
    const response = await callScopeId('ws99', signIn(TINA));
    expect(response.status).toBe(404);
    expect(body(response).detail).toBe("Workspace 'ws99' does not exist");
  });

  test('a workspace token or a core token without a TRE role: 403; no token: 401', async () => {
    expect((await callScopeId('ws01', session.tokens.rita)).status).toBe(403);
    expect((await callScopeId('ws01', signIn(NINA))).status).toBe(403);
    expect((await callScopeId('ws99', signIn(NINA))).status).toBe(403);
    expect((await callScopeId('ws01')).status).toBe(401);
  });
});
