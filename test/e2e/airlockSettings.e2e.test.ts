/**
 * The workspace registry over real HTTP against the local host process: a TRE administrator reads
 * and replaces a workspace's airlock settings; everyone else is refused; a bad body or a stale
 * version changes nothing; switching the airlock off stops new requests as Azure TRE does (405).
 */
import { AirlockClient, localCoreToken, localTokens } from '../support/airlockClient';
import { LocalHostProcess, startLocalHostProcess } from '../support/localHostProcess';

const WS = 'demo';
const settingsPath = `/workspaces/${WS}/airlock-settings`;
let host: LocalHostProcess;
let api: AirlockClient;
let tokens: { admin: string; treUser: string; owner: string; researcher: string };

beforeAll(async () => {
  host = await startLocalHostProcess({ env: { AIRLOCK_MAX_FILES: '20', AIRLOCK_WORKSPACE_NAMES: 'demo=Demo, Research Workspace' } });
  api = new AirlockClient(host.apiUrl);
  const core = await localCoreToken(host.dataDir);
  const workspace = await localTokens(host.dataDir);
  tokens = {
    admin: await core('ada', 'TREAdmin'),
    treUser: await core('tom', 'TREUser'),
    owner: await workspace(WS, 'olga', 'WorkspaceOwner', 'AirlockManager', 'WorkspaceResearcher'),
    researcher: await workspace(WS, 'alice', 'WorkspaceResearcher'),
  };
}, 90_000);

afterAll(async () => {
  expect(await host?.stop()).toBe(0);
});

const DEFAULT_SETTINGS = {
  enabled: true,
  scanningEnabled: true,
  requiredApprovals: 1,
  maxFiles: 20,
  maxFileSizeMb: 1024,
  allowedFileTypes: ['csv', 'tsv', 'txt', 'json', 'pdf', 'png', 'jpg', 'svg', 'parquet', 'zip'],
  requestVisibility: 'own',
  notificationAddresses: [],
  rehashOnApproval: false,
};

async function readSettings() {
  const response = await api.call('GET', settingsPath, tokens.admin);
  expect(response.status).toBe(200);
  return response.body.workspace;
}

/** PUT with an If-Match header, which the black-box client does not send. */
async function putWithIfMatch(body: unknown, ifMatch: string) {
  const response = await fetch(`${host.apiUrl}${settingsPath}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${tokens.admin}`, 'content-type': 'application/json', 'if-match': ifMatch },
    body: JSON.stringify(body),
  });
  return { status: response.status, etag: response.headers.get('etag'), body: (await response.json()) as any };
}

test('GET shows the workspace with its stage accounts and the default settings', async () => {
  const response = await fetch(`${host.apiUrl}${settingsPath}`, { headers: { authorization: `Bearer ${tokens.admin}` } });
  expect(response.status).toBe(200);
  const { workspace } = (await response.json()) as any;
  expect(workspace).toMatchObject({
    id: WS,
    displayName: 'Demo, Research Workspace',
    audience: 'api://airlock-local/workspaces/demo',
    airlock: DEFAULT_SETTINGS,
    changes: [],
  });
  expect(workspace.storageAccounts).toEqual({
    stalimex: 'stalimexlocal',
    stalimip: 'stalimiplocal',
    stalimrej: 'stalimrejlocal',
    stalimblocked: 'stalimblockedlocal',
    stalexapp: 'stalexapplocal',
    stalimapp: 'stalimappwsdemo',
    stalexint: 'stalexintwsdemo',
    stalexip: 'stalexipwsdemo',
    stalexrej: 'stalexrejwsdemo',
    stalexblocked: 'stalexblockedwsdemo',
  });
  expect(typeof workspace.etag).toBe('string');
  expect(response.headers.get('etag')).toBe(workspace.etag);
});

test('PUT of valid settings answers 200, GET shows them, and the change is recorded and logged', async () => {
  const before = await readSettings();
  const settings = { ...DEFAULT_SETTINGS, requiredApprovals: 2, allowedFileTypes: ['csv', 'pdf'], notificationAddresses: ['data-office@example.org'] };

  const put = await api.call('PUT', settingsPath, tokens.admin, settings);

  expect(put.status).toBe(200);
  expect(put.body.workspace.airlock).toEqual(settings);
  expect(put.body.workspace.etag).not.toBe(before.etag);
  const after = await readSettings();
  expect(after.airlock).toEqual(settings);
  expect(after.changes).toHaveLength(before.changes.length + 1);
  expect(after.changes.at(-1)).toEqual({
    changedBy: { id: 'ada', name: 'ada', email: 'ada@example.org' },
    changedWhen: expect.any(Number),
    previous: before.airlock,
    settings,
  });
  expect(host.output()).toContain(
    'airlock settings changed: workspace=demo by=ada fields=requiredApprovals,allowedFileTypes,notificationAddresses',
  );
});

test.each([
  ['a missing field', (({ maxFiles: _maxFiles, ...rest }) => rest)(DEFAULT_SETTINGS), 'body.maxFiles is required'],
  ['requiredApprovals 0', { ...DEFAULT_SETTINGS, requiredApprovals: 0 }, 'body.requiredApprovals must be at least 1'],
  ['requiredApprovals 6', { ...DEFAULT_SETTINGS, requiredApprovals: 6 }, 'body.requiredApprovals must be at most 5'],
  ['a fractional maxFiles', { ...DEFAULT_SETTINGS, maxFiles: 2.5 }, 'body.maxFiles must be an integer'],
  ['more files than a request can hold', { ...DEFAULT_SETTINGS, maxFiles: 1000 }, 'body.maxFiles is 1000, but a request can hold at most 64 files'],
  ['an unknown file type', { ...DEFAULT_SETTINGS, allowedFileTypes: ['csv', 'exe'] }, 'body.allowedFileTypes.1 must be one of: '],
  ['executables allowed', { ...DEFAULT_SETTINGS, allowedFileTypes: ['executable'] }, 'body.allowedFileTypes.0 must be one of: '],
  ['a bad email', { ...DEFAULT_SETTINGS, notificationAddresses: ['not an address'] }, 'body.notificationAddresses.0 is not valid'],
  ['an unknown field', { ...DEFAULT_SETTINGS, quarantine: true }, 'body.quarantine is not a known field'],
  ['a visibility not offered', { ...DEFAULT_SETTINGS, requestVisibility: 'everyone' }, 'body.requestVisibility must be one of: own, workspace'],
  ['no word on re-hashing at approval', (({ rehashOnApproval: _rehash, ...rest }) => rest)(DEFAULT_SETTINGS), 'body.rehashOnApproval is required'],
  ['re-hashing asked for in words', { ...DEFAULT_SETTINGS, rehashOnApproval: 'yes' }, 'body.rehashOnApproval must be a boolean'],
  ['not an object', [DEFAULT_SETTINGS], 'body must be a JSON object'],
])('PUT with %s answers 422 naming the field and changes nothing', async (_case, body, detail) => {
  const before = await readSettings();
  const put = await api.call('PUT', settingsPath, tokens.admin, body);
  expect(put.status).toBe(422);
  expect(put.body.detail).toContain(detail);
  expect(await readSettings()).toEqual(before);
});

test('PUT of a body that is not JSON answers 422', async () => {
  const put = await api.call('PUT', settingsPath, tokens.admin, '{"enabled": tru');
  expect(put.status).toBe(422);
  expect(put.body.detail).toBe('body is not valid JSON');
});

test('workspace tokens, even a Workspace Owner\'s, are refused with 403', async () => {
  for (const token of [tokens.owner, tokens.researcher]) {
    expect(await api.call('GET', settingsPath, token)).toEqual({ status: 403, body: { detail: "Only a TRE administrator can read a workspace's airlock settings" } });
    const put = await api.call('PUT', settingsPath, token, { ...DEFAULT_SETTINGS, enabled: false });
    expect(put).toEqual({ status: 403, body: { detail: "Only a TRE administrator can change a workspace's airlock settings" } });
  }
  expect((await readSettings()).airlock.enabled).toBe(true);
});

test('a core token without TREAdmin is refused with 403, before the workspace is looked up', async () => {
  expect((await api.call('GET', settingsPath, tokens.treUser)).status).toBe(403);
  expect((await api.call('PUT', settingsPath, tokens.treUser, DEFAULT_SETTINGS)).status).toBe(403);
  expect((await api.call('GET', '/workspaces/nowhere/airlock-settings', tokens.treUser)).status).toBe(403);
});

test('no token answers 401', async () => {
  expect((await api.call('GET', settingsPath)).status).toBe(401);
  expect((await api.call('PUT', settingsPath, undefined, DEFAULT_SETTINGS)).status).toBe(401);
});

test('an unknown workspace answers 404', async () => {
  const get = await api.call('GET', '/workspaces/nowhere/airlock-settings', tokens.admin);
  expect(get).toEqual({ status: 404, body: { detail: "workspace 'nowhere' does not exist" } });
  expect((await api.call('PUT', '/workspaces/nowhere/airlock-settings', tokens.admin, DEFAULT_SETTINGS)).status).toBe(404);
  expect((await api.call('GET', '/workspaces/no%23such/airlock-settings', tokens.admin)).status).toBe(404);
});

test('If-Match: the current version is accepted, a stale one answers 409 and changes nothing', async () => {
  const read = await readSettings();
  const current = await putWithIfMatch({ ...read.airlock, maxFiles: 11 }, read.etag);
  expect(current.status).toBe(200);
  expect(current.etag).toBe(current.body.workspace.etag);

  const stale = await putWithIfMatch({ ...read.airlock, maxFiles: 12 }, read.etag);
  expect(stale.status).toBe(409);
  expect(stale.body.detail).toMatch(/changed by someone else/);
  const after = await readSettings();
  expect(after.airlock.maxFiles).toBe(11);
  expect(after.etag).toBe(current.etag);
});

test('two administrators saving at once: one wins, the other gets 409, nothing is overwritten', async () => {
  const read = await readSettings();
  const outcomes = await Promise.all([
    putWithIfMatch({ ...read.airlock, maxFileSizeMb: 100 }, read.etag),
    putWithIfMatch({ ...read.airlock, maxFileSizeMb: 200 }, read.etag),
  ]);
  expect(outcomes.map((outcome) => outcome.status).sort()).toEqual([200, 409]);
  const winner = outcomes.find((outcome) => outcome.status === 200)!;
  const after = await readSettings();
  expect(after.airlock.maxFileSizeMb).toBe(winner.body.workspace.airlock.maxFileSizeMb);
  expect(after.changes).toHaveLength(read.changes.length + 1);
});

test('the same settings again are not a change: 200, nothing recorded', async () => {
  const read = await readSettings();
  const put = await api.call('PUT', settingsPath, tokens.admin, read.airlock);
  expect(put.status).toBe(200);
  expect(await readSettings()).toEqual(read);
});

test('with the airlock disabled, creating a request answers 405 as Azure TRE does; re-enabled, 201', async () => {
  const read = await readSettings();
  const newRequest = { type: 'import', title: 'Reference data', businessJustification: 'needed for the study' };
  expect((await api.call('PUT', settingsPath, tokens.admin, { ...read.airlock, enabled: false })).status).toBe(200);

  const refused = await api.call('POST', `/workspaces/${WS}/requests`, tokens.researcher, newRequest);
  expect(refused).toEqual({ status: 405, body: { detail: 'Airlock is not enabled in this workspace.' } });
  const listed = await api.call('GET', `/workspaces/${WS}/requests`, tokens.researcher);
  expect(listed.body.airlockRequests.filter((entry: any) => entry.airlockRequest.title === newRequest.title)).toEqual([]);

  expect((await api.call('PUT', settingsPath, tokens.admin, { ...read.airlock, enabled: true })).status).toBe(200);
  const created = await api.call('POST', `/workspaces/${WS}/requests`, tokens.researcher, newRequest);
  expect(created.status).toBe(201);
  expect(created.body.airlockRequest).toMatchObject({ status: 'draft', workspaceId: WS });
});
