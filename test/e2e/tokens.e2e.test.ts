/**
 * Authentication over real HTTP against the local host process: every way a bearer token can be
 * wrong is a 401 with a `detail` that says which, on every workspace endpoint, and none of these
 * calls changes anything (a create makes no request, an action leaves the request as it was).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importJWK, SignJWT, type JWK, type KeyLike } from 'jose';
import { WorkspaceRole } from '../../src/domain/roles';
import { LocalIssuer, localWorkspaceAudience, readIssuerInfo, signingKeyPath } from '../../src/local/localIssuer';
import { AirlockClient, localTokens } from '../support/airlockClient';
import { LocalHostProcess, startLocalHostProcess } from '../support/localHostProcess';

const WS = 'demo';
const OTHER_WS = 'ws02';
const ALL_ROLES: WorkspaceRole[] = ['WorkspaceResearcher', 'WorkspaceOwner', 'AirlockManager'];
let host: LocalHostProcess;
let api: AirlockClient;
let issuerUrl: string;
let valid: { alice: string; olga: string; otherWorkspaceOwner: string };
let requestId: string;
let before: any;
/** Calls made with a bad token, so the last test knows they all happened before it looked. */
let badCalls = 0;

beforeAll(async () => {
  host = await startLocalHostProcess({ env: { AIRLOCK_LOCAL_WORKSPACES: OTHER_WS } });
  api = new AirlockClient(host.apiUrl);
  issuerUrl = (await readIssuerInfo(host.dataDir))!;
  const mint = await localTokens(host.dataDir);
  valid = {
    alice: await mint(WS, 'alice', 'WorkspaceResearcher'),
    olga: await mint(WS, 'olga', ...ALL_ROLES),
    otherWorkspaceOwner: await mint(OTHER_WS, 'olga', ...ALL_ROLES),
  };
  const created = await api.call('POST', `/workspaces/${WS}/requests`, valid.alice, { type: 'import', title: 'target', businessJustification: 'tokens e2e' });
  expect(created.status).toBe(201);
  requestId = created.body.airlockRequest.id;
  before = await settledRequest();
}, 60_000);

afterAll(async () => {
  for (const dir of strangerDirs) rmSync(dir, { recursive: true, force: true });
  expect(await host?.stop()).toBe(0);
});

/** Data directories of issuers the host does not trust, made for one test each. */
const strangerDirs: string[] = [];
function strangerDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-stranger-'));
  strangerDirs.push(dir);
  return dir;
}

/** The request as an owner sees it, read until two reads agree (its workflow may still be starting). */
async function settledRequest(): Promise<any> {
  let previous: any;
  for (let attempt = 0; attempt < 50; attempt++) {
    const response = await api.call('GET', `/workspaces/${WS}/requests/${requestId}`, valid.olga);
    expect(response.status).toBe(200);
    if (previous && JSON.stringify(previous) === JSON.stringify(response.body.airlockRequest)) return previous;
    previous = response.body.airlockRequest;
    await new Promise((r) => setTimeout(r, 100));
  }
  return previous;
}

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);

function claims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { oid: 'alice', sub: 'alice', name: 'alice', email: 'alice@example.org', roles: ALL_ROLES, ...overrides };
}

async function signingKeyOf(dataDir: string): Promise<{ key: KeyLike; kid: string }> {
  const jwk = JSON.parse(readFileSync(signingKeyPath(dataDir), 'utf8')) as JWK;
  return { key: (await importJWK(jwk, 'RS256')) as KeyLike, kid: jwk.kid! };
}

/** A token signed by hand, with full control of header and claims. */
async function handSigned(key: KeyLike, kid: string, payload: Record<string, unknown>): Promise<string> {
  return new SignJWT(payload).setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid }).sign(key);
}

interface BadAuthorization {
  name: string;
  header(): Promise<string | undefined>;
  detail: string;
  /** A workspace token is a valid token for the cross-workspace `GET /requests`; only the workspace routes refuse it. */
  workspaceRoutesOnly?: boolean;
}

const BAD: BadAuthorization[] = [
  { name: 'no Authorization header', header: async () => undefined, detail: 'missing bearer token' },
  { name: 'the Basic scheme', header: async () => `Basic ${Buffer.from('alice:secret').toString('base64')}`, detail: 'malformed Authorization header' },
  { name: 'a garbage token', header: async () => 'Bearer this-is-not-a-jwt', detail: 'token is not a well-formed JWT' },
  {
    name: 'a token signed by another key (same issuer URL)',
    header: async () => {
      const stranger = await LocalIssuer.open(strangerDir(), issuerUrl);
      return `Bearer ${await stranger.mint({ audience: localWorkspaceAudience(WS), subject: 'alice', name: 'alice', roles: ALL_ROLES })}`;
    },
    detail: 'token was not signed by a key of the trusted issuer',
  },
  {
    name: "a token signed by another key that claims the trusted key's kid",
    header: async () => {
      const dir = strangerDir();
      await LocalIssuer.open(dir, issuerUrl);
      const { key } = await signingKeyOf(dir);
      const { kid } = await signingKeyOf(host.dataDir);
      return `Bearer ${await handSigned(key, kid, { ...claims(), iss: issuerUrl, aud: localWorkspaceAudience(WS), iat: now(), exp: now() + 600 })}`;
    },
    detail: 'token signature is not valid',
  },
  {
    name: 'alg: none',
    header: async () =>
      `Bearer ${b64url({ alg: 'none', typ: 'JWT' })}.${b64url({ ...claims(), iss: issuerUrl, aud: localWorkspaceAudience(WS), iat: now(), exp: now() + 600 })}.`,
    detail: "token algorithm 'none' is not accepted",
  },
  {
    name: 'alg: HS256 (keyed with the public modulus, the classic confusion)',
    header: async () => {
      const { n } = JSON.parse(readFileSync(signingKeyPath(host.dataDir), 'utf8')) as JWK;
      const token = await new SignJWT({ ...claims(), iss: issuerUrl, aud: localWorkspaceAudience(WS), iat: now(), exp: now() + 600 })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .sign(Buffer.from(n!, 'base64url'));
      return `Bearer ${token}`;
    },
    detail: "token algorithm 'HS256' is not accepted",
  },
  {
    name: 'an expired token (signed with the trusted key, expired 120 s ago)',
    header: async () => {
      const { key, kid } = await signingKeyOf(host.dataDir);
      const t = now();
      return `Bearer ${await handSigned(key, kid, { ...claims(), iss: issuerUrl, aud: localWorkspaceAudience(WS), iat: t - 3720, nbf: t - 3720, exp: t - 120 })}`;
    },
    detail: 'token has expired',
  },
  {
    name: "a token for another workspace (wrong audience)",
    header: async () => `Bearer ${valid.otherWorkspaceOwner}`,
    detail: "token audience is not this workspace's",
    workspaceRoutesOnly: true,
  },
  {
    name: 'a token from another issuer (trusted key, other issuer URL)',
    header: async () => {
      const impostor = await LocalIssuer.open(host.dataDir, 'https://login.example.org/not-the-airlock/v2.0');
      return `Bearer ${await impostor.mint({ audience: localWorkspaceAudience(WS), subject: 'alice', name: 'alice', roles: ALL_ROLES })}`;
    },
    detail: 'token issuer is not trusted',
  },
];

/** Every route that takes a token, each with a body the route would accept. */
function routes(): { method: string; path: string; body?: unknown; workspaceScoped: boolean }[] {
  const base = `/workspaces/${WS}/requests`;
  return [
    { method: 'POST', path: base, body: { type: 'import', title: 'should not exist', businessJustification: 'bad token' }, workspaceScoped: true },
    { method: 'GET', path: base, workspaceScoped: true },
    { method: 'GET', path: `${base}/${requestId}`, workspaceScoped: true },
    { method: 'GET', path: `${base}/${requestId}/link`, workspaceScoped: true },
    { method: 'POST', path: `${base}/${requestId}/submit`, workspaceScoped: true },
    { method: 'POST', path: `${base}/${requestId}/cancel`, workspaceScoped: true },
    { method: 'POST', path: `${base}/${requestId}/review`, body: { approval: true, decisionExplanation: 'bad token' }, workspaceScoped: true },
    { method: 'POST', path: `${base}/${requestId}/revoke`, body: { reason: 'bad token' }, workspaceScoped: true },
    { method: 'GET', path: '/requests', workspaceScoped: false },
    { method: 'GET', path: `/workspaces/${WS}/airlock-settings`, workspaceScoped: false },
  ];
}

async function callWith(authorization: string | undefined, method: string, path: string, body?: unknown) {
  const response = await fetch(`${host.apiUrl}${path}`, {
    method,
    headers: {
      ...(authorization !== undefined ? { authorization } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

describe.each(BAD)('$name', (bad) => {
  test(`is a 401 saying so, on every route`, async () => {
    const authorization = await bad.header();
    const answers = [];
    for (const route of routes()) {
      if (bad.workspaceRoutesOnly && !route.workspaceScoped) continue;
      const response = await callWith(authorization, route.method, route.path, route.body);
      badCalls++;
      answers.push({ route: `${route.method} ${route.path}`, status: response.status, detail: response.body?.detail });
    }
    expect(answers).toEqual(answers.map(({ route }) => ({ route, status: 401, detail: bad.detail })));
  });
});

test('the token for another workspace is refused there, and is valid for its own workspace', async () => {
  const own = await api.call('GET', `/workspaces/${OTHER_WS}/requests`, valid.otherWorkspaceOwner);
  expect(own.status).toBe(200);
  const there = await api.call('GET', `/workspaces/${OTHER_WS}/requests`, valid.olga);
  expect(there).toEqual({ status: 401, body: { detail: "token audience is not this workspace's" } });
});

test('none of these changed anything: no request was created, the target request is as it was', async () => {
  const routeCount = routes().length;
  expect(badCalls).toBe(BAD.reduce((sum, bad) => sum + (bad.workspaceRoutesOnly ? routes().filter((r) => r.workspaceScoped).length : routeCount), 0));
  const listed = await api.call('GET', `/workspaces/${WS}/requests`, valid.olga);
  expect(listed.status).toBe(200);
  expect(listed.body.airlockRequests.map((item: any) => item.airlockRequest.id)).toEqual([requestId]);
  const otherWorkspace = await api.call('GET', `/workspaces/${OTHER_WS}/requests`, valid.otherWorkspaceOwner);
  expect(otherWorkspace.body.airlockRequests).toEqual([]);
  const mine = await api.call('GET', '/requests', valid.alice);
  expect(mine.body.map((item: any) => item.id)).toEqual([requestId]);
  const after = await api.call('GET', `/workspaces/${WS}/requests/${requestId}`, valid.olga);
  expect(after.body.airlockRequest).toEqual(before);
  expect(after.body.airlockRequest).toMatchObject({ status: 'draft', resourceVersion: 0, reviews: [] });
});
