/**
 * Stop the local host while a request waits for review, start it again on the same data directory:
 * the request is where it was, and approving it completes the move.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AirlockClient, downloadFromContainer, localTokens, sha256, uploadToContainer } from '../support/airlockClient';
import { startLocalHostProcess } from '../support/localHostProcess';

test('a request waiting for review survives a restart and completes after it', async () => {
  const first = await startLocalHostProcess();
  const base = '/workspaces/demo/requests';
  let api = new AirlockClient(first.apiUrl);
  let mint = await localTokens(first.dataDir);
  let alice = await mint('demo', 'alice', 'WorkspaceResearcher');
  const content = 'survives restarts';
  const id = (await api.call('POST', base, alice, { type: 'import', title: 'restart', businessJustification: 'test' })).body.airlockRequest.id;
  const link = await api.call('GET', `${base}/${id}/link`, alice);
  expect(await uploadToContainer(link.body.containerUrl, 'data.txt', content)).toBe(201);
  expect((await api.call('POST', `${base}/${id}/submit`, alice)).status).toBe(200);
  await api.waitForStatus('demo', id, alice, 'in_review');
  expect(await first.stop()).toBe(0);

  const second = await startLocalHostProcess({ dataDir: first.dataDir });
  try {
    expect(second.output()).toContain('demo');
    api = new AirlockClient(second.apiUrl);
    mint = await localTokens(second.dataDir);
    alice = await mint('demo', 'alice', 'WorkspaceResearcher');
    const bob = await mint('demo', 'bob', 'AirlockManager');
    const found = await api.call('GET', `${base}/${id}`, bob);
    expect(found.body.airlockRequest.status).toBe('in_review');
    expect((await api.call('POST', `${base}/${id}/review`, bob, { approval: true, decisionExplanation: 'after restart' })).status).toBe(200);
    await api.waitForStatus('demo', id, alice, 'approved');
    const approved = await api.call('GET', `${base}/${id}/link`, alice);
    const download = await downloadFromContainer(approved.body.containerUrl, 'data.txt');
    expect(sha256(download.content)).toBe(sha256(content));
  } finally {
    expect(await second.stop()).toBe(0);
  }
}, 120_000);

test('a workflow that stopped before its request finished is restarted at the next start-up, and the request carries on', async () => {
  const first = await startLocalHostProcess();
  const base = '/workspaces/demo/requests';
  let api = new AirlockClient(first.apiUrl);
  let mint = await localTokens(first.dataDir);
  let alice = await mint('demo', 'alice', 'WorkspaceResearcher');
  const id = (await api.call('POST', base, alice, { type: 'import', title: 'stalled', businessJustification: 'test' })).body.airlockRequest.id;
  expect(await uploadToContainer(await api.waitForLink('demo', id, alice), 'data.txt', 'carries on')).toBe(201);
  expect((await api.call('POST', `${base}/${id}/submit`, alice)).status).toBe(200);
  await api.waitForStatus('demo', id, alice, 'in_review');
  const management = `${first.apiUrl.replace(/\/api$/, '')}/runtime/webhooks/durabletask`;
  const systemKey: string = JSON.parse(readFileSync(join(first.dataDir, 'local-host.json'), 'utf8')).systemKey;
  expect((await fetch(`${management}/instances/${id}/terminate?reason=lost`, { method: 'POST', headers: { 'x-functions-key': systemKey } })).status).toBe(202);
  expect(await first.stop()).toBe(0);

  const second = await startLocalHostProcess({ dataDir: first.dataDir });
  try {
    api = new AirlockClient(second.apiUrl);
    mint = await localTokens(second.dataDir);
    alice = await mint('demo', 'alice', 'WorkspaceResearcher');
    const bob = await mint('demo', 'bob', 'AirlockManager');
    expect((await api.call('POST', `${base}/${id}/review`, bob, { approval: true, decisionExplanation: 'after the restart' })).status).toBe(200);
    await api.waitForStatus('demo', id, alice, 'approved');
    const audit = (await api.call('GET', `${base}/${id}/audit`, bob)).body;
    expect(audit.verification).toMatchObject({ verified: true, problems: [] });
    expect(audit.entries).toContainEqual(
      expect.objectContaining({ action: 'workflow.restarted', detail: expect.objectContaining({ previousRuntimeStatus: 'Terminated', status: 'in_review' }) }),
    );
  } finally {
    expect(await second.stop()).toBe(0);
  }
}, 120_000);
