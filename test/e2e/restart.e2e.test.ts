/**
 * Stop the local host while a request waits for review, start it again on the same data directory:
 * the request is where it was, and approving it completes the move.
 */
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
