/**
 * Workspaces as Azure TRE shows them, over real HTTP against the local host process: the TRE portal's
 * home page and the `tre` CLI list workspaces and read a workspace's `scope_id` with a core token,
 * then ask for a token for that scope; the portal's workspace page reads the workspace with that
 * workspace token (tre-facts §1.3, §1.4, §2.2).
 */
import { localWorkspaceAudience } from '../../src/local/localIssuer';
import { AirlockClient, localCoreToken, localTokens } from '../support/airlockClient';
import { LocalHostProcess, startLocalHostProcess } from '../support/localHostProcess';

let host: LocalHostProcess;
let api: AirlockClient;

beforeAll(async () => {
  host = await startLocalHostProcess();
  api = new AirlockClient(host.apiUrl);
}, 90_000);

afterAll(async () => {
  expect(await host?.stop()).toBe(0);
});

test('a core token lists the workspaces and reads demo\'s scope_id, which the local token CLI mints for; a workspace token reads the workspace', async () => {
  const core = await localCoreToken(host.dataDir);
  const list = await api.call('GET', '/workspaces', await core('ada', 'TREAdmin'));
  expect(list.status).toBe(200);
  const demo = list.body.workspaces.find((workspace: { id: string }) => workspace.id === 'demo');
  // `npm run token -- --workspace demo` mints for this audience, so the scope is one the local issuer serves.
  expect(demo.properties.scope_id).toBe(localWorkspaceAudience('demo'));
  expect(demo).toMatchObject({ resourcePath: '/workspaces/demo', resourceType: 'workspace', isEnabled: true, user: { name: expect.any(String) } });

  const scope = await api.call('GET', '/workspaces/demo/scopeid', await core('tom', 'TREUser'));
  expect(scope).toEqual({ status: 200, body: { workspaceAuth: { scopeId: demo.properties.scope_id } } });

  const workspaceToken = await (await localTokens(host.dataDir))('demo', 'alice', 'WorkspaceResearcher');
  const workspace = await api.call('GET', '/workspaces/demo', workspaceToken);
  expect(workspace.status).toBe(200);
  expect(workspace.body.workspace).toMatchObject({
    id: 'demo',
    properties: { scope_id: demo.properties.scope_id, enable_airlock: true, display_name: expect.any(String) },
  });
  // The workspace page's next call, with the same token.
  expect(await api.call('GET', '/workspaces/demo/workspace-services', workspaceToken)).toEqual({ status: 200, body: { workspaceServices: [] } });
});

test('the local host routes /api/.metadata, a route that starts with a dot, anonymously', async () => {
  const metadata = await api.call('GET', '/.metadata');
  expect(metadata.status).toBe(200);
  expect(metadata.body).toMatchObject({ api_version: expect.any(String), api_root_scope: expect.stringMatching(/\/user_impersonation$/), aad_tenant_id: '' });
});
