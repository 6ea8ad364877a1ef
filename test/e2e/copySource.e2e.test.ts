/**
 * A draft link is a write SAS on one container of an account that every workspace's drafts share.
 * As in Azure, that SAS authorizes only the destination of a server-side copy: a source elsewhere in
 * the account must carry its own authorization, or the copy is refused with CannotVerifyCopySource.
 */
import { AirlockClient, downloadFromContainer, listContainer, localTokens, uploadToContainer } from '../support/airlockClient';
import { LocalHostProcess, startLocalHostProcess } from '../support/localHostProcess';

const base = '/workspaces/demo/requests';
let host: LocalHostProcess;
let api: AirlockClient;
let alice: string;
let carol: string;

beforeAll(async () => {
  host = await startLocalHostProcess();
  api = new AirlockClient(host.apiUrl);
  const mint = await localTokens(host.dataDir);
  alice = await mint('demo', 'alice', 'WorkspaceResearcher');
  carol = await mint('demo', 'carol', 'WorkspaceResearcher');
}, 120_000);

afterAll(async () => {
  await host.stop();
});

async function draftLink(token: string): Promise<{ id: string; link: string }> {
  const id = (await api.call('POST', base, token, { type: 'import', title: 'copy source', businessJustification: 'test' })).body.airlockRequest.id;
  return { id, link: (await api.call('GET', `${base}/${id}/link`, token)).body.containerUrl };
}

function blobUrl(containerUrl: string, name: string, query = ''): string {
  const [container, sas] = containerUrl.split('?');
  return `${container}/${name}?${[query, sas].filter(Boolean).join('&')}`;
}

test("a draft link cannot copy another request's draft into its own container", async () => {
  const theirs = await draftLink(carol);
  expect(await uploadToContainer(theirs.link, 'secret.csv', 'carol only')).toBe(201);
  const mine = await draftLink(alice);
  const source = `${theirs.link.split('?')[0]}/secret.csv`;

  const attempts: Array<{ url: string; headers: Record<string, string> }> = [
    // Copy Blob, Copy Blob From URL, Put Block From URL
    { url: blobUrl(mine.link, 'loot.csv'), headers: { 'x-ms-copy-source': source } },
    { url: blobUrl(mine.link, 'loot.csv'), headers: { 'x-ms-copy-source': source, 'x-ms-requires-sync': 'true' } },
    { url: blobUrl(mine.link, 'loot.csv', `comp=block&blockid=${encodeURIComponent(Buffer.from('block-1').toString('base64'))}`), headers: { 'x-ms-copy-source': source } },
    // A signature that does not verify is no authorization either.
    { url: blobUrl(mine.link, 'loot.csv'), headers: { 'x-ms-copy-source': `${source}?sv=2021-08-06&sr=c&sp=r&sig=forged` } },
  ];
  for (const attempt of attempts) {
    const response = await fetch(attempt.url, { method: 'PUT', headers: { 'x-ms-version': '2021-08-06', ...attempt.headers } });
    expect({ status: response.status, code: response.headers.get('x-ms-error-code') }).toEqual({ status: 403, code: 'CannotVerifyCopySource' });
    expect(await response.text()).toContain('<Code>CannotVerifyCopySource</Code>');
  }
  expect((await listContainer(mine.link)).names).toEqual([]);
  expect((await downloadFromContainer(mine.link, 'loot.csv')).status).toBe(404);
}, 60_000);

test('a copy whose source carries its own read SAS is allowed, as in Azure', async () => {
  const theirs = await draftLink(carol);
  expect(await uploadToContainer(theirs.link, 'shared.csv', 'carol shares this')).toBe(201);
  const mine = await draftLink(alice);
  const response = await fetch(blobUrl(mine.link, 'copied.csv'), {
    method: 'PUT',
    headers: { 'x-ms-version': '2021-08-06', 'x-ms-copy-source': blobUrl(theirs.link, 'shared.csv'), 'x-ms-requires-sync': 'true' },
  });
  expect(response.status).toBe(202);
  expect((await downloadFromContainer(mine.link, 'copied.csv')).content.toString()).toBe('carol shares this');
}, 60_000);
