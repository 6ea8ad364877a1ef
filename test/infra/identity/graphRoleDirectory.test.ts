/**
 * The Microsoft Graph role directory against a fake Graph: an HTTP server on a free loopback port
 * that answers in Graph's wire format (`{"@odata.context", "value": [...], "@odata.nextLink"}`,
 * errors as `{"error": {"code", "message"}}`), for the two calls Azure TRE makes: a user's app role
 * assignments (which include those of the groups the user is a direct member of) and a workspace
 * application's service principal with its `appRoles`. Only this HTTP edge is faked.
 */
import http from 'node:http';
import net from 'node:net';
import { DependencyError } from '../../../src/domain/errors';
import { WorkspaceRole } from '../../../src/domain/roles';
import { defaultAirlockSettings, Workspace } from '../../../src/domain/workspace';
import { GraphRoleDirectory } from '../../../src/infra/identity/graphRoleDirectory';

const TOKEN = 'graph-token-of-the-managed-identity';
const CAROL = '3f1e7a52-9d41-4c1a-9f2e-0c6b1d2e3f40';
const DEFAULT_ACCESS = '00000000-0000-0000-0000-000000000000';

interface FakeApp {
  appId: string;
  servicePrincipalId: string;
  servicePrincipalNames: string[];
  /** role name → role id, all enabled unless listed in `disabled` */
  roles: Record<string, string>;
  disabled?: string[];
}

interface FakeAssignment {
  appRoleId: string;
  resourceId: string;
  principalType: 'User' | 'Group' | 'ServicePrincipal';
  principalId: string;
}

function app(name: string, index: number, extra: Partial<FakeApp> = {}): FakeApp {
  const hex = (n: number) => n.toString(16).padStart(2, '0');
  return {
    appId: `0000${hex(index)}00-aaaa-4aaa-8aaa-0000000000${hex(index)}`,
    servicePrincipalId: `0000${hex(index)}00-bbbb-4bbb-8bbb-0000000000${hex(index)}`,
    servicePrincipalNames: [`api://${name}`],
    roles: {
      WorkspaceOwner: `0000${hex(index)}01-cccc-4ccc-8ccc-000000000001`,
      WorkspaceResearcher: `0000${hex(index)}02-cccc-4ccc-8ccc-000000000002`,
      AirlockManager: `0000${hex(index)}03-cccc-4ccc-8ccc-000000000003`,
    },
    ...extra,
  };
}

/** Microsoft Graph as far as the directory uses it, with Graph's JSON. */
class FakeGraph {
  readonly apps: FakeApp[] = [];
  /** principal id → its assignments, as `/users/{id}/appRoleAssignments` lists them */
  readonly userAssignments = new Map<string, FakeAssignment[]>();
  readonly servicePrincipalAssignments = new Map<string, FakeAssignment[]>();
  readonly calls: { path: string; query: URLSearchParams; authorization?: string; consistencyLevel?: string }[] = [];
  /** Answered instead of everything while set. */
  failure: { status: number; body: unknown } | undefined;
  /** Overrides the next link of every page (to test a link off Graph's origin). */
  nextLinkOverride: string | undefined;
  pageSize = 2;
  private server = http.createServer((request, response) => this.answer(request, response));
  origin = '';

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.origin = `http://127.0.0.1:${(this.server.address() as net.AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  callsTo(pathPart: string): number {
    return this.calls.filter((call) => call.path.includes(pathPart)).length;
  }

  private answer(request: http.IncomingMessage, response: http.ServerResponse): void {
    const url = new URL(request.url ?? '/', this.origin);
    this.calls.push({
      path: url.pathname,
      query: url.searchParams,
      authorization: request.headers.authorization,
      consistencyLevel: request.headers.consistencylevel as string | undefined,
    });
    const send = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json; odata.metadata=minimal' });
      response.end(JSON.stringify(body));
    };
    if (request.headers.authorization !== `Bearer ${TOKEN}`) {
      return send(401, { error: { code: 'InvalidAuthenticationToken', message: 'Access token validation failure.' } });
    }
    if (this.failure) return send(this.failure.status, this.failure.body);

    const assignments = /^\/v1\.0\/(users|servicePrincipals)\/([^/]+)\/appRoleAssignments$/.exec(url.pathname);
    if (assignments) {
      const [, kind, id] = assignments;
      const held = (kind === 'users' ? this.userAssignments : this.servicePrincipalAssignments).get(decodeURIComponent(id));
      if (!held) {
        return send(404, {
          error: { code: 'Request_ResourceNotFound', message: `Resource '${decodeURIComponent(id)}' does not exist or one of its queried reference-property objects are not present.` },
        });
      }
      const skip = Number(url.searchParams.get('$skiptoken') ?? 0);
      const value = held.slice(skip, skip + this.pageSize).map((assignment, i) => ({
        id: `assignment-${skip + i}`,
        deletedDateTime: null,
        createdDateTime: '2030-01-01T00:00:00Z',
        principalDisplayName: 'someone',
        resourceDisplayName: 'some app',
        ...assignment,
      }));
      const next = skip + this.pageSize < held.length ? new URL(url) : undefined;
      next?.searchParams.set('$skiptoken', String(skip + this.pageSize));
      return send(200, {
        '@odata.context': `https://graph.microsoft.com/v1.0/$metadata#${kind}('${id}')/appRoleAssignments`,
        '@odata.count': held.length,
        value,
        ...(next ? { '@odata.nextLink': this.nextLinkOverride ?? next.href } : {}),
      });
    }

    if (url.pathname === '/v1.0/servicePrincipals') {
      const filter = url.searchParams.get('$filter') ?? '';
      const byAppId = /^appId eq '([^']*)'$/.exec(filter);
      const byName = /^servicePrincipalNames\/any\(name:name eq '((?:[^']|'')*)'\)$/.exec(filter);
      if (!byAppId && !byName) return send(400, { error: { code: 'Request_UnsupportedQuery', message: `Unsupported query: ${filter}` } });
      const found = this.apps.filter((candidate) =>
        byAppId ? candidate.appId === byAppId[1] : candidate.servicePrincipalNames.includes(byName![1].replace(/''/g, "'")),
      );
      return send(200, {
        '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#servicePrincipals(id,appId,appRoles)',
        value: found.map((candidate) => ({
          id: candidate.servicePrincipalId,
          appId: candidate.appId,
          appRoles: Object.entries(candidate.roles).map(([value, id]) => ({
            allowedMemberTypes: ['User', 'Application'],
            description: value,
            displayName: value,
            id,
            isEnabled: !(candidate.disabled ?? []).includes(value),
            origin: 'Application',
            value,
          })),
        })),
      });
    }
    send(404, { error: { code: 'UnknownError', message: `no route ${url.pathname}` } });
  }
}

function workspace(id: string, audience: string): Workspace {
  return { id, displayName: id, audience, airlock: defaultAirlockSettings({ maxFiles: 50, maxFileSizeMb: 1024, allowedFileTypes: ['csv'] }), changes: [] };
}

const WS01 = app('ws01', 1);
const WS02 = app('ws02', 2);
const WS03 = app('ws03', 3, { disabled: ['AirlockManager'] });
/** Not a workspace: an assignment to it must not count anywhere. */
const OTHER_APP = app('payroll', 9);
const WORKSPACES = [workspace('ws01', WS01.appId), workspace('ws02', WS02.appId), workspace('ws03', WS03.appId)];

function assignment(target: FakeApp, role: string, principalType: FakeAssignment['principalType'] = 'User', principalId = CAROL): FakeAssignment {
  return { appRoleId: target.roles[role] ?? role, resourceId: target.servicePrincipalId, principalType, principalId };
}

let graph: FakeGraph;
let time: number;
let scopes: string[];
let logs: string[];

function directory(options: Partial<ConstructorParameters<typeof GraphRoleDirectory>[0]> = {}): GraphRoleDirectory {
  return new GraphRoleDirectory({
    endpoint: graph.origin,
    credential: {
      getToken: async (scope) => {
        scopes.push(String(scope));
        return { token: TOKEN, expiresOnTimestamp: time + 3_600_000 };
      },
    },
    now: () => time,
    log: (line) => logs.push(line),
    ...options,
  });
}

const asObject = (roles: Map<string, WorkspaceRole[]>) => Object.fromEntries(roles);

beforeEach(async () => {
  graph = new FakeGraph();
  await graph.start();
  graph.apps.push(WS01, WS02, WS03, OTHER_APP);
  time = Date.UTC(2030, 0, 1);
  scopes = [];
  logs = [];
});

afterEach(async () => {
  await graph.stop();
});

test('maps role ids to role names through each workspace application, from direct and group assignments alike', async () => {
  graph.userAssignments.set(CAROL, [
    assignment(WS01, 'AirlockManager'),
    // Granted to a group Carol is a member of: Graph lists it among hers.
    assignment(WS02, 'WorkspaceResearcher', 'Group', '9a9a9a9a-0000-4000-8000-000000000001'),
    assignment(WS02, 'AirlockManager', 'Group', '9a9a9a9a-0000-4000-8000-000000000001'),
    // Another application's roles, the default access role and a disabled role give nothing.
    assignment(OTHER_APP, 'WorkspaceOwner'),
    assignment(WS03, DEFAULT_ACCESS),
    assignment(WS03, 'AirlockManager'),
  ]);

  const roles = await directory().rolesOf(CAROL, WORKSPACES);

  expect(asObject(roles)).toEqual({ ws01: ['AirlockManager'], ws02: ['WorkspaceResearcher', 'AirlockManager'] });
});

test('signs in for Graph (scope <graph>/.default) and calls it the way Azure TRE does, with every page of the assignments', async () => {
  graph.pageSize = 2;
  graph.userAssignments.set(CAROL, [
    assignment(OTHER_APP, 'WorkspaceOwner'),
    assignment(OTHER_APP, 'WorkspaceResearcher'),
    assignment(OTHER_APP, 'AirlockManager'),
    assignment(WS03, DEFAULT_ACCESS),
    // On the third page.
    assignment(WS01, 'WorkspaceOwner'),
  ]);

  const roles = await directory().rolesOf(CAROL, WORKSPACES);

  expect(asObject(roles)).toEqual({ ws01: ['WorkspaceOwner'] });
  expect(new Set(scopes)).toEqual(new Set([`${graph.origin}/.default`]));
  const assignmentCalls = graph.calls.filter((call) => call.path === `/v1.0/users/${CAROL}/appRoleAssignments`);
  expect(assignmentCalls.map((call) => call.query.get('$skiptoken'))).toEqual([null, '2', '4']);
  expect(graph.calls.every((call) => call.authorization === `Bearer ${TOKEN}` && call.consistencyLevel === 'eventual')).toBe(true);
  const filters = graph.calls.filter((call) => call.path === '/v1.0/servicePrincipals').map((call) => call.query.get('$filter'));
  expect(filters.sort()).toEqual(WORKSPACES.map((ws) => `appId eq '${ws.audience}'`).sort());
});

test('a workspace whose audience is an identifier URI is found by its service principal names', async () => {
  graph.userAssignments.set(CAROL, [assignment(WS02, 'AirlockManager')]);

  const roles = await directory().rolesOf(CAROL, [workspace('ws02', "api://ws02")]);

  expect(asObject(roles)).toEqual({ ws02: ['AirlockManager'] });
});

test('answers are reused for the cache period, then asked again (application role ids for longer)', async () => {
  graph.userAssignments.set(CAROL, [assignment(WS01, 'AirlockManager')]);
  const roles = directory({ cacheSeconds: 60, applicationCacheSeconds: 600 });

  expect(asObject(await roles.rolesOf(CAROL, WORKSPACES))).toEqual({ ws01: ['AirlockManager'] });
  graph.userAssignments.set(CAROL, [assignment(WS01, 'AirlockManager'), assignment(WS02, 'AirlockManager')]);
  time += 59_000;
  expect(asObject(await roles.rolesOf(CAROL, WORKSPACES))).toEqual({ ws01: ['AirlockManager'] });
  expect(graph.callsTo('/appRoleAssignments')).toBe(1);
  expect(graph.callsTo('/v1.0/servicePrincipals')).toBe(3);

  time += 2_000;
  expect(asObject(await roles.rolesOf(CAROL, WORKSPACES))).toEqual({ ws01: ['AirlockManager'], ws02: ['AirlockManager'] });
  expect(graph.callsTo('/appRoleAssignments')).toBe(2);
  expect(graph.callsTo('/v1.0/servicePrincipals')).toBe(3);

  time += 600_000;
  await roles.rolesOf(CAROL, WORKSPACES);
  expect(graph.callsTo('/appRoleAssignments')).toBe(3);
  expect(graph.callsTo('/v1.0/servicePrincipals')).toBe(6);
});

test('a caller that is a service principal is looked up as one', async () => {
  const automation = '5b5b5b5b-0000-4000-8000-000000000005';
  graph.servicePrincipalAssignments.set(automation, [assignment(WS01, 'AirlockManager', 'ServicePrincipal', automation)]);

  const roles = await directory().rolesOf(automation, WORKSPACES);

  expect(asObject(roles)).toEqual({ ws01: ['AirlockManager'] });
  expect(graph.callsTo(`/v1.0/users/${automation}/`)).toBe(1);
});

test('someone Graph does not know, or an id that is no Entra object id, holds no role', async () => {
  expect(asObject(await directory().rolesOf('7c7c7c7c-0000-4000-8000-000000000007', WORKSPACES))).toEqual({});
  expect(asObject(await directory().rolesOf('alice', WORKSPACES))).toEqual({});
  expect(graph.calls.filter((call) => call.path.includes('alice'))).toEqual([]);
});

test('a workspace whose application Graph does not know gives nobody a role there, and says so in the log', async () => {
  graph.userAssignments.set(CAROL, [assignment(WS01, 'AirlockManager')]);
  const unknown = workspace('ws09', '0000ff00-aaaa-4aaa-8aaa-0000000000ff');

  const roles = await directory().rolesOf(CAROL, [...WORKSPACES, unknown]);

  expect(asObject(roles)).toEqual({ ws01: ['AirlockManager'] });
  expect(logs).toEqual([expect.stringContaining("no service principal for workspace 'ws09'")]);
});

describe('Graph failing is a DependencyError (503) that names the cause, never an empty answer', () => {
  test('the permission not granted (403)', async () => {
    graph.failure = {
      status: 403,
      body: { error: { code: 'Authorization_RequestDenied', message: 'Insufficient privileges to complete the operation.' } },
    };

    const failure = directory().rolesOf(CAROL, WORKSPACES);

    await expect(failure).rejects.toBeInstanceOf(DependencyError);
    await expect(failure).rejects.toThrow(/Microsoft Graph answered 403 \(Authorization_RequestDenied: Insufficient privileges to complete the operation\.\)/);
    await expect(failure).rejects.toThrow(/needs the Graph application permission Directory\.Read\.All/);
  });

  test('throttled or down (429, 503): try again; a failure is not cached', async () => {
    graph.userAssignments.set(CAROL, [assignment(WS01, 'AirlockManager')]);
    graph.failure = { status: 429, body: { error: { code: 'TooManyRequests', message: 'Too many requests.' } } };
    const roles = directory();

    await expect(roles.rolesOf(CAROL, WORKSPACES)).rejects.toThrow(/answered 429 .*try again shortly/);
    graph.failure = { status: 503, body: { error: { code: 'serviceNotAvailable', message: 'Service unavailable.' } } };
    await expect(roles.rolesOf(CAROL, WORKSPACES)).rejects.toThrow(/answered 503 \(serviceNotAvailable: Service unavailable\.\).*try again shortly/);

    graph.failure = undefined;
    expect(asObject(await roles.rolesOf(CAROL, WORKSPACES))).toEqual({ ws01: ['AirlockManager'] });
  });

  test('Graph not answering at all', async () => {
    const endpoint = graph.origin;
    await graph.stop();

    await expect(directory({ endpoint }).rolesOf(CAROL, WORKSPACES)).rejects.toThrow(/workspace roles unavailable: Microsoft Graph did not answer GET \/v1\.0\//);
    graph = new FakeGraph();
    await graph.start();
  });

  test('no token for Graph', async () => {
    const roles = directory({ credential: { getToken: async () => Promise.reject(new Error('ManagedIdentityCredential: no identity assigned')) } });

    await expect(roles.rolesOf(CAROL, WORKSPACES)).rejects.toThrow(/cannot sign in to Microsoft Graph .*no identity assigned/);
    expect(graph.calls).toEqual([]);
  });

  test('a next page off Graph\'s origin is not followed, so the token goes nowhere else', async () => {
    const elsewhere = new FakeGraph();
    await elsewhere.start();
    try {
      graph.pageSize = 1;
      graph.userAssignments.set(CAROL, [assignment(WS01, 'AirlockManager'), assignment(WS02, 'AirlockManager')]);
      graph.nextLinkOverride = `${elsewhere.origin}/v1.0/users/${CAROL}/appRoleAssignments?$skiptoken=1`;

      await expect(directory().rolesOf(CAROL, WORKSPACES)).rejects.toThrow(/with a next page outside/);
      expect(elsewhere.calls).toEqual([]);
    } finally {
      await elsewhere.stop();
    }
  });
});
