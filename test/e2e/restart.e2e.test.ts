/**
 * Stop the local host while a request waits for review, start it again on the same data directory:
 * the request is where it was, and approving it completes the move.
 *
 * Both tests need the same restart, so they share it: each brings its request to where it needs it
 * on the first host (at the same time), the host is stopped once and started again once, and each
 * test goes on with its request on the second host.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AirlockClient, downloadFromContainer, localTokens, sha256, uploadToContainer } from '../support/airlockClient';
import { LocalHostProcess, startLocalHostProcess } from '../support/localHostProcess';

const base = '/workspaces/demo/requests';
const content = 'survives restarts';

let first: LocalHostProcess | undefined;
let second: LocalHostProcess | undefined;
/** The request of each test, as it was left on the first host. */
let waiting: string;
let stalled: string;

/** The API of a running host, and its people's tokens (they name that host's issuer). */
async function sessionOf(host: LocalHostProcess) {
  const mint = await localTokens(host.dataDir);
  return { api: new AirlockClient(host.apiUrl), alice: await mint('demo', 'alice', 'WorkspaceResearcher'), bob: await mint('demo', 'bob', 'AirlockManager') };
}

/** 'a request waiting for review survives a restart', before the restart: a request in review. */
async function inReviewBeforeTheStop(host: LocalHostProcess): Promise<string> {
  const { api, alice } = await sessionOf(host);
  const id = (await api.call('POST', base, alice, { type: 'import', title: 'restart', businessJustification: 'test' })).body.airlockRequest.id;
  const link = await api.call('GET', `${base}/${id}/link`, alice);
  expect(await uploadToContainer(link.body.containerUrl, 'data.txt', content)).toBe(201);
  expect((await api.call('POST', `${base}/${id}/submit`, alice)).status).toBe(200);
  await api.waitForStatus('demo', id, alice, 'in_review');
  return id;
}

/** 'a workflow that stopped before its request finished', before the restart: a request in review whose workflow was terminated. */
async function stalledBeforeTheStop(host: LocalHostProcess): Promise<string> {
  const { api, alice } = await sessionOf(host);
  const id = (await api.call('POST', base, alice, { type: 'import', title: 'stalled', businessJustification: 'test' })).body.airlockRequest.id;
  expect(await uploadToContainer(await api.waitForLink('demo', id, alice), 'data.txt', 'carries on')).toBe(201);
  expect((await api.call('POST', `${base}/${id}/submit`, alice)).status).toBe(200);
  await api.waitForStatus('demo', id, alice, 'in_review');
  const management = `${host.apiUrl.replace(/\/api$/, '')}/runtime/webhooks/durabletask`;
  const systemKey: string = JSON.parse(readFileSync(join(host.dataDir, 'local-host.json'), 'utf8')).systemKey;
  expect((await fetch(`${management}/instances/${id}/terminate?reason=lost`, { method: 'POST', headers: { 'x-functions-key': systemKey } })).status).toBe(202);
  return id;
}

beforeAll(async () => {
  first = await startLocalHostProcess();
  [waiting, stalled] = await Promise.all([inReviewBeforeTheStop(first), stalledBeforeTheStop(first)]);
  expect(await first.stop()).toBe(0);
  second = await startLocalHostProcess({ dataDir: first.dataDir });
}, 120_000);

afterAll(async () => {
  // A first host left running by a failed start-up of the second.
  await first?.stop();
  if (second) expect(await second.stop()).toBe(0);
});

test('a request waiting for review survives a restart and completes after it', async () => {
  expect(second!.output()).toContain('demo');
  const { api, alice, bob } = await sessionOf(second!);
  const found = await api.call('GET', `${base}/${waiting}`, bob);
  expect(found.body.airlockRequest.status).toBe('in_review');
  expect((await api.call('POST', `${base}/${waiting}/review`, bob, { approval: true, decisionExplanation: 'after restart' })).status).toBe(200);
  await api.waitForStatus('demo', waiting, alice, 'approved');
  const approved = await api.call('GET', `${base}/${waiting}/link`, alice);
  const download = await downloadFromContainer(approved.body.containerUrl, 'data.txt');
  expect(sha256(download.content)).toBe(sha256(content));
}, 120_000);

test('a workflow that stopped before its request finished is restarted at the next start-up, and the request carries on', async () => {
  const { api, alice, bob } = await sessionOf(second!);
  expect((await api.call('POST', `${base}/${stalled}/review`, bob, { approval: true, decisionExplanation: 'after the restart' })).status).toBe(200);
  await api.waitForStatus('demo', stalled, alice, 'approved');
  const audit = (await api.call('GET', `${base}/${stalled}/audit`, bob)).body;
  expect(audit.verification).toMatchObject({ verified: true, problems: [] });
  expect(audit.entries).toContainEqual(
    expect.objectContaining({ action: 'workflow.restarted', detail: expect.objectContaining({ previousRuntimeStatus: 'Terminated', status: 'in_review' }) }),
  );
}, 120_000);
