/**
 * The local host killed with SIGKILL right after it acknowledged a write, as a power cut or the OOM
 * killer would: started again on the same data directory, every acknowledged write is there. And a
 * link (SAS URL) issued before a restart still works after it, because storage keeps its port.
 */
import { AirlockClient, downloadFromContainer, localTokens, sha256, uploadToContainer } from '../support/airlockClient';
import { LocalHostProcess, startLocalHostProcess } from '../support/localHostProcess';

const base = '/workspaces/demo/requests';

/** A session of the host with the people of these tests, whose tokens name this session's issuer. */
async function session(host: LocalHostProcess) {
  const mint = await localTokens(host.dataDir);
  return {
    api: new AirlockClient(host.apiUrl),
    alice: await mint('demo', 'alice', 'WorkspaceResearcher'),
    bob: await mint('demo', 'bob', 'AirlockManager'),
  };
}

/**
 * The host the first test leaves running after its last restart: the next test issues its link on
 * it and stops it, rather than start one more host for that. Stopped at the end if still running.
 */
let handedOver: LocalHostProcess | undefined;
afterAll(async () => {
  await handedOver?.stop();
});

test('create, upload and approval acknowledged just before a SIGKILL are all there after the restart', async () => {
  let host = await startLocalHostProcess();
  let passed = false;
  const restart = async () => {
    await host.kill();
    host = await startLocalHostProcess({ dataDir: host.dataDir });
    return session(host);
  };
  try {
    let { api, alice, bob } = await session(host);
    const created = await api.call('POST', base, alice, { type: 'import', title: 'power cut', businessJustification: 'test' });
    expect(created.status).toBe(201);
    const id = created.body.airlockRequest.id;
    ({ api, alice, bob } = await restart());
    expect((await api.call('GET', `${base}/${id}`, alice)).status).toBe(200);

    // The orchestration provisions the draft container after the create is acknowledged; a link is
    // issued once it exists.
    await api.waitForStatus('demo', id, alice, 'draft');
    const link = await api.call('GET', `${base}/${id}/link`, alice);
    expect(link.status).toBe(200);
    const content = 'acknowledged bytes stay';
    expect(await uploadToContainer(link.body.containerUrl, 'data.txt', content)).toBe(201);
    ({ api, alice, bob } = await restart());
    const relink = await api.call('GET', `${base}/${id}/link`, alice);
    const uploaded = await downloadFromContainer(relink.body.containerUrl, 'data.txt');
    expect(uploaded.status).toBe(200);
    expect(sha256(uploaded.content)).toBe(sha256(content));

    expect((await api.call('POST', `${base}/${id}/submit`, alice)).status).toBe(200);
    await api.waitForStatus('demo', id, alice, 'in_review');
    const review = await api.call('POST', `${base}/${id}/review`, bob, { approval: true, decisionExplanation: 'before the power cut' });
    expect(review.status).toBe(200);
    ({ api, alice, bob } = await restart());
    const afterCut = await api.call('GET', `${base}/${id}`, alice);
    expect(afterCut.body.airlockRequest.reviews).toEqual([expect.objectContaining({ reviewDecision: 'approved', decisionExplanation: 'before the power cut' })]);
    await api.waitForStatus('demo', id, alice, 'approved');
    const approved = await api.call('GET', `${base}/${id}/link`, alice);
    expect(sha256((await downloadFromContainer(approved.body.containerUrl, 'data.txt')).content)).toBe(sha256(content));
    passed = true;
  } finally {
    if (passed) handedOver = host;
    else await host.stop();
  }
}, 240_000);

test('a link issued before a restart still uploads and downloads after it', async () => {
  // The host the test above left running (it was killed and started again three times), or else a new one.
  handedOver ??= await startLocalHostProcess();
  const first = handedOver;
  const before = await session(first);
  const id = (await before.api.call('POST', base, before.alice, { type: 'import', title: 'old link', businessJustification: 'test' })).body.airlockRequest.id;
  await before.api.waitForStatus('demo', id, before.alice, 'draft');
  const link = (await before.api.call('GET', `${base}/${id}/link`, before.alice)).body.containerUrl as string;
  expect(await first.stop()).toBe(0);

  const second = await startLocalHostProcess({ dataDir: first.dataDir });
  try {
    expect(await uploadToContainer(link, 'after.txt', 'uploaded after the restart')).toBe(201);
    expect((await downloadFromContainer(link, 'after.txt')).content.toString()).toBe('uploaded after the restart');
  } finally {
    expect(await second.stop()).toBe(0);
  }
}, 120_000);
