/**
 * The Durable Functions management API (`/runtime/webhooks/durabletask/...`) lists and terminates
 * every request of every workspace. As in Azure, it needs the host's system key; the app's own
 * functions, whose DurableClient raises the events, work without it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AirlockClient, localTokens, uploadToContainer } from '../support/airlockClient';
import { LocalHostProcess, startLocalHostProcess } from '../support/localHostProcess';

const base = '/workspaces/demo/requests';
let host: LocalHostProcess;
let management: string;
let systemKey: string;

beforeAll(async () => {
  host = await startLocalHostProcess();
  management = `${host.apiUrl.replace(/\/api$/, '')}/runtime/webhooks/durabletask`;
  systemKey = JSON.parse(readFileSync(join(host.dataDir, 'local-host.json'), 'utf8')).systemKey;
}, 120_000);

afterAll(async () => {
  await host.stop();
});

test('without the system key, listing and terminating answer 401 and change nothing; with it they work', async () => {
  const api = new AirlockClient(host.apiUrl);
  const mint = await localTokens(host.dataDir);
  const alice = await mint('demo', 'alice', 'WorkspaceResearcher');
  const id = (await api.call('POST', base, alice, { type: 'import', title: 'secret-plans.csv', businessJustification: 'test' })).body.airlockRequest.id;

  for (const [method, url, headers] of [
    ['GET', `${management}/instances`, {}],
    ['GET', `${management}/instances/${id}`, {}],
    ['POST', `${management}/instances/${id}/terminate?reason=gone`, {}],
    ['POST', `${management}/instances/${id}/terminate?code=wrong-key`, {}],
    ['POST', `${management}/instances/${id}/terminate`, { 'x-functions-key': 'wrong-key' }],
  ] as const) {
    const response = await fetch(url, { method, headers });
    expect(response.status).toBe(401);
    expect(((await response.json()) as { detail: string }).detail).toMatch(/system key/);
  }

  // The orchestration still runs: the app's own submit (DurableClient.raiseEvent) moves the request on.
  const link = await api.call('GET', `${base}/${id}/link`, alice);
  expect(await uploadToContainer(link.body.containerUrl, 'a.txt', 'a')).toBe(201);
  expect((await api.call('POST', `${base}/${id}/submit`, alice)).status).toBe(200);
  await api.waitForStatus('demo', id, alice, 'in_review');

  const listed = await fetch(`${management}/instances`, { headers: { 'x-functions-key': systemKey } });
  expect(listed.status).toBe(200);
  expect(((await listed.json()) as Array<{ instanceId: string }>).map((instance) => instance.instanceId)).toContain(id);
  const status = await fetch(`${management}/instances/${id}?code=${encodeURIComponent(systemKey)}`);
  expect(await status.json()).toMatchObject({ instanceId: id, runtimeStatus: 'Running' });

  expect(host.output()).not.toContain(systemKey);
}, 90_000);
