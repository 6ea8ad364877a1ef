/**
 * The portal's cross-workspace "All Requests" on the local host process, as a user gets there: the
 * token CLI mints Bob an Airlock Manager token for `demo`, which records that grant; then Bob,
 * signed in to the TRE with a core token, sees every request of `demo` (any status) with
 * `GET /api/requests?airlock_manager=true`, and none of `ws02`, where he holds nothing.
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { AirlockClient, localTokens } from '../support/airlockClient';
import { LocalHostProcess, startLocalHostProcess } from '../support/localHostProcess';

const TOKEN_CLI = resolve(__dirname, '../../dist/src/tools/tokenCli.js');
let host: LocalHostProcess;
let api: AirlockClient;

beforeAll(async () => {
  host = await startLocalHostProcess({ env: { AIRLOCK_LOCAL_WORKSPACES: 'ws02' } });
  api = new AirlockClient(host.apiUrl);
}, 60_000);

afterAll(async () => {
  expect(await host?.stop()).toBe(0);
});

/** `npm run -s token -- <args>` against the host's data directory: the token, or the failure. */
function tokenCli(...args: string[]): Promise<string> {
  return new Promise((resolveToken, reject) => {
    const child = spawn(process.execPath, [TOKEN_CLI, ...args], { env: { ...process.env, AIRLOCK_DATA_DIR: host.dataDir } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolveToken(stdout.trim()) : reject(new Error(`token CLI exited ${code}: ${stderr}`))));
  });
}

test('an Airlock Manager grant minted with the token CLI opens that workspace, every status, to the manager view of a core token', async () => {
  const mint = await localTokens(host.dataDir);
  const alice = { demo: await mint('demo', 'alice', 'WorkspaceResearcher'), ws02: await mint('ws02', 'alice', 'WorkspaceResearcher') };
  const create = async (workspace: 'demo' | 'ws02', title: string) => {
    const created = await api.call('POST', `/workspaces/${workspace}/requests`, alice[workspace], { type: 'import', title, businessJustification: 'manager view e2e' });
    expect(created.status).toBe(201);
    return created.body.airlockRequest.id as string;
  };
  await create('demo', 'demo draft');
  const cancelled = await create('demo', 'demo cancelled');
  expect((await api.call('POST', `/workspaces/demo/requests/${cancelled}/cancel`, alice.demo)).status).toBe(200);
  await create('ws02', 'ws02 draft');

  const bobCore = await tokenCli('--user', 'bob', '--name', 'Bob', '--roles', 'TREUser');
  const before = await api.call('GET', '/requests?airlock_manager=true', bobCore);
  expect(before).toEqual({ status: 200, body: [] });

  await tokenCli('--workspace', 'demo', '--user', 'bob', '--name', 'Bob', '--roles', 'AirlockManager');
  const after = await api.call('GET', '/requests?order_by=updatedWhen&order_ascending=false&airlock_manager=true', bobCore);

  expect(after.status).toBe(200);
  expect(after.body.map((request: any) => [request.workspaceId, request.title, request.status]).sort()).toEqual([
    ['demo', 'demo cancelled', 'cancelled'],
    ['demo', 'demo draft', 'draft'],
  ]);
  // His own requests (none) stay his own: the manager view is asked for, never implied.
  expect((await api.call('GET', '/requests', bobCore)).body).toEqual([]);
}, 60_000);
