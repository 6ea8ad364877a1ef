/**
 * The local host's development sign-in (`/local/dev-sign-in`): tokens signed by the local issuer
 * for exactly the user and roles asked, the grants recorded as `npm run token` records them, and
 * every malformed body refused with a 400 that names what is wrong, before anything is recorded.
 */
import type { IncomingMessage } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { Workspace } from '../../src/domain/workspace';
import { LocalFileRoleDirectory, localRoleGrantsDirectory, recordLocalGrant } from '../../src/infra/identity/localRoleDirectory';
import { DEV_SIGN_IN_PATH, DevSession, devSignInRoutes } from '../../src/local/devSignIn';
import type { ExtraRoute, ExtraRouteResult } from '../../src/local/extraRoute';
import { LOCAL_CORE_AUDIENCE, LocalIssuer, localWorkspaceAudience } from '../../src/local/localIssuer';

const WORKSPACES = ['demo', 'ws02'];
let dataDir: string;
let issuer: LocalIssuer;
let routes: ExtraRoute[];

beforeEach(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'airlock-dev-sign-in-'));
  issuer = await LocalIssuer.open(dataDir, 'http://127.0.0.1:7071/local-issuer');
  routes = devSignInRoutes({ issuer: () => issuer, dataDir, workspaces: WORKSPACES });
});

afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

function route(method: string): ExtraRoute {
  const found = routes.find((candidate) => candidate.method === method && candidate.path === '/local/dev-sign-in');
  if (!found) throw new Error(`no ${method} ${DEV_SIGN_IN_PATH}`);
  return found;
}

/** The answer as the console reads it: a session, or a detail when refused. */
interface Answer {
  status: number;
  body: DevSession & { detail: string };
}

async function post(body: unknown, contentType = 'application/json'): Promise<Answer> {
  const request = { headers: { 'content-type': contentType } } as unknown as IncomingMessage;
  const result: ExtraRouteResult = await route('POST').handle(request, Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)));
  return { status: result.status, body: JSON.parse(String(result.body)) };
}

async function claimsOf(token: string, audience: string) {
  const { payload } = await jwtVerify(token, createLocalJWKSet(issuer.jwks()), { issuer: issuer.issuer, audience });
  return payload;
}

const workspacesNamed = (...ids: string[]) => ids.map((id) => ({ id }) as Workspace);
const grantsOf = async (userId: string) => Object.fromEntries(await new LocalFileRoleDirectory(localRoleGrantsDirectory(dataDir)).rolesOf(userId, workspacesNamed(...WORKSPACES)));

describe('POST /local/dev-sign-in', () => {
  test('a core token and one token per workspace asked, for that person and exactly those roles', async () => {
    const answer = await post({ user: 'alice', name: 'Alice', email: 'alice@example.org', workspaces: { demo: ['WorkspaceResearcher', 'AirlockManager'] } });
    expect(answer.status).toBe(200);
    expect(answer.body.user).toEqual({ id: 'alice', name: 'Alice', email: 'alice@example.org' });
    expect(Object.keys(answer.body.workspaces)).toEqual(['demo']);

    const core = await claimsOf(answer.body.core.accessToken, LOCAL_CORE_AUDIENCE);
    expect(core).toMatchObject({ oid: 'alice', sub: 'alice', name: 'Alice', email: 'alice@example.org', roles: ['TREUser'] });
    const demo = await claimsOf(answer.body.workspaces.demo.accessToken, localWorkspaceAudience('demo'));
    expect(demo).toMatchObject({ oid: 'alice', roles: ['WorkspaceResearcher', 'AirlockManager'] });
    // expiresOn is the token's own expiry, in ISO form, hours ahead.
    expect(answer.body.workspaces.demo.expiresOn).toBe(new Date(demo.exp! * 1000).toISOString());
    expect(answer.body.core.expiresOn).toBe(new Date(core.exp! * 1000).toISOString());
    expect(Date.parse(answer.body.core.expiresOn) - Date.now()).toBeGreaterThan(60 * 60 * 1000);
  });

  test('records the grants as npm run token does, so the core token sees those workspaces; a workspace left out holds nothing', async () => {
    await recordLocalGrant(localRoleGrantsDirectory(dataDir), { userId: 'bob', workspaceId: 'ws02', roles: ['WorkspaceOwner'] });
    expect(await grantsOf('bob')).toEqual({ ws02: ['WorkspaceOwner'] });
    expect((await post({ user: 'bob', workspaces: { demo: ['AirlockManager'] } })).status).toBe(200);
    expect(await grantsOf('bob')).toEqual({ demo: ['AirlockManager'] });
  });

  test('the name defaults to the user id; core roles default to TREUser and can be stated, or none', async () => {
    const admin = await post({ user: 'root', workspaces: {}, coreRoles: ['TREAdmin'] });
    expect(admin.status).toBe(200);
    expect(admin.body.user).toEqual({ id: 'root', name: 'root' });
    expect(admin.body.workspaces).toEqual({});
    expect(await claimsOf(admin.body.core.accessToken, LOCAL_CORE_AUDIENCE)).toMatchObject({ name: 'root', roles: ['TREAdmin'] });
    const none = await post({ user: 'nina', workspaces: {}, coreRoles: [] });
    expect((await claimsOf(none.body.core.accessToken, LOCAL_CORE_AUDIENCE)).roles).toBeUndefined();
  });

  test.each([
    ['not JSON', '{"user": ', /^the body is not valid JSON$/],
    ['an array', [], /^the body must be a JSON object$/],
    ['an unknown field', { user: 'alice', workspaces: {}, admin: true }, /^unknown field\(s\) 'admin'/],
    ['no user', { workspaces: {} }, /^'user' must be a user id/],
    ['a user id that is a path', { user: '../alice', workspaces: {} }, /^'user' must be a user id/],
    ['a user id with a space', { user: 'alice smith', workspaces: {} }, /^'user' must be a user id/],
    ['an empty name', { user: 'alice', name: '  ', workspaces: {} }, /^'name' must be a display name/],
    ['a name with a control character', { user: 'alice', name: 'Al\nice', workspaces: {} }, /^'name' must be a display name/],
    ['an email that is not one', { user: 'alice', email: 'alice', workspaces: {} }, /^'email' must be an email address/],
    ['no workspaces', { user: 'alice' }, /^'workspaces' must be an object of workspace id → roles.*known workspaces: demo, ws02$/],
    ['workspaces as a list', { user: 'alice', workspaces: ['demo'] }, /^'workspaces' must be an object/],
    ['a workspace this host does not know', { user: 'alice', workspaces: { ws99: ['WorkspaceResearcher'] } }, /^workspace 'ws99' is not one this host knows: demo, ws02$/],
    ['roles not a list', { user: 'alice', workspaces: { demo: 'WorkspaceResearcher' } }, /^'workspaces.demo' must be a list of roles/],
    ['an unknown role', { user: 'alice', workspaces: { demo: ['Researcher'] } }, /^'workspaces.demo': "Researcher" is not a role here; known: WorkspaceResearcher, WorkspaceOwner, AirlockManager$/],
    ['a core role in a workspace', { user: 'alice', workspaces: { demo: ['TREAdmin'] } }, /^'workspaces.demo': "TREAdmin" is not a role here/],
    ['no role in a workspace', { user: 'alice', workspaces: { demo: [] } }, /^'workspaces.demo' names no role/],
    ['a workspace role as a core role', { user: 'alice', workspaces: {}, coreRoles: ['AirlockManager'] }, /^'coreRoles': "AirlockManager" is not a role here; known: TREAdmin, TREUser$/],
  ])('%s: 400 saying what is wrong, and nothing recorded', async (_what, body, detail) => {
    const answer = await post(body);
    expect(answer.status).toBe(400);
    expect(answer.body.detail).toMatch(detail);
    expect(await grantsOf('alice')).toEqual({});
  });

  test('a body not sent as JSON is refused (415): a cross-origin form post cannot sign anyone in', async () => {
    const answer = await post({ user: 'alice', workspaces: { demo: ['WorkspaceResearcher'] } }, 'text/plain');
    expect(answer.status).toBe(415);
    expect(answer.body.detail).toMatch(/content-type: application\/json/);
    expect(await grantsOf('alice')).toEqual({});
  });
});

test('GET /local/dev-sign-in lists the workspaces this host knows, for the sign-in form', async () => {
  const result = await route('GET').handle({ headers: {} } as IncomingMessage, Buffer.alloc(0));
  expect([result.status, JSON.parse(String(result.body))]).toEqual([200, { workspaces: ['demo', 'ws02'] }]);
});
