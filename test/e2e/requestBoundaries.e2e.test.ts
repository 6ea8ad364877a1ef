/**
 * The holes an attacker and a crash found (issue #10), closed, over real HTTP against the airlock
 * under test (a local host, or a deployment named by AIRLOCK_E2E_BASE_URL:
 * test/support/airlockUnderTest.ts): names are data and never reach another request; a link dies
 * when its step ends; an action on a request whose workflow is not running is refused and can be
 * recovered (local host only: stopping a workflow takes the host's Durable system key).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AirlockClient, downloadFromContainer, listContainer, sha256, uploadToContainer } from '../support/airlockClient';
import { AirlockUnderTest, describeLocalOnly, localHostOf, openAirlockUnderTest } from '../support/airlockUnderTest';

let airlock: AirlockUnderTest;
let api: AirlockClient;
let ws: string;
let base: string;
let t: Record<'researcher' | 'otherResearcher' | 'manager' | 'admin', string>;

beforeAll(async () => {
  airlock = await openAirlockUnderTest();
  api = airlock.api;
  ws = airlock.workspaceId;
  base = `/workspaces/${ws}/requests`;
  t = { ...(await airlock.tokens('researcher', 'otherResearcher', 'manager')), admin: await airlock.token('treAdmin', 'core') };
  // One approval approves, whatever a deployment's workspace is set to.
  await airlock.changeSettings({ requiredApprovals: 1 });
}, 90_000);

afterAll(() => airlock?.stop());

async function draft(token = t.researcher, type: 'import' | 'export' = 'import'): Promise<{ id: string; link: string }> {
  const created = await api.call('POST', base, token, { type, title: 'boundaries', businessJustification: 'test' });
  expect(created.status).toBe(201);
  const id = created.body.airlockRequest.id;
  return { id, link: await api.waitForLink(ws, id, token) };
}

/** PUT with the name exactly as given in the URL path (already percent-encoded by the caller). */
async function putRaw(containerUrl: string, encodedName: string, content: string): Promise<number> {
  const [root, sas] = containerUrl.split('?');
  return (await fetch(`${root}/${encodedName}?${sas}`, { method: 'PUT', headers: { 'x-ms-blob-type': 'BlockBlob' }, body: content })).status;
}

async function stored(id: string) {
  return (await api.call('GET', `${base}/${id}`, t.researcher)).body.airlockRequest;
}

describe('names are data, never paths', () => {
  // Each test starts from an empty draft of the researcher's: these are made together up front.
  let drafts: Promise<{ id: string; link: string }>[] = [];
  const nextDraft = () => drafts.shift() ?? draft();
  beforeAll(() => {
    drafts = Array.from({ length: 9 }, () => {
      const made = draft();
      made.catch(() => undefined); // a failure is the failure of the test that takes this draft
      return made;
    });
  });

  test.each([
    ['%2e%2e%2fvictim.csv', /'\.' or '\.\.' folder/],
    ['x%2F.%2Fa.txt', /'\.' or '\.\.' folder/],
    ['sub%2F..%2Fa.txt', /'\.' or '\.\.' folder/],
    ['report%E2%80%AEtxt.exe', /direction-changing/],
    ['cafe%CC%81.txt', /NFC/],
    ['dir%2F', /ends with '\/'/],
  ])('a file named %s is refused at submit, naming it, and nothing changes', async (encodedName, reason) => {
    const { id, link } = await nextDraft();
    expect(await putRaw(link, 'fine.csv', 'a,b\n')).toBe(201);
    const put = await putRaw(link, encodedName, 'payload');
    if (put !== 201) return; // refused by the storage itself: as safe

    const submit = await api.call('POST', `${base}/${id}/submit`, t.researcher);
    expect(submit.status).toBe(400);
    expect(submit.body.detail).toMatch(/file names are not accepted/);
    expect(submit.body.detail).toMatch(reason);
    expect(await stored(id)).toMatchObject({ status: 'draft', files: [] });
  });

  test("a '..' name cannot reach another request's draft: the other request's file stays its own", async () => {
    const victim = await draft(t.otherResearcher);
    expect(await uploadToContainer(victim.link, 'victim.csv', 'carl,secret\n')).toBe(201);
    const { id, link } = await nextDraft();
    // The draft containers are `<id>-1` side by side in one account.
    expect(await putRaw(link, `%2e%2e%2f${victim.id}-1%2fvictim.csv`, 'overwritten by alice')).toBeGreaterThanOrEqual(200);

    expect((await api.call('POST', `${base}/${id}/submit`, t.researcher)).status).toBe(400);
    expect((await downloadFromContainer(victim.link, 'victim.csv')).content.toString()).toBe('carl,secret\n');
  });

  test('a name with a control character is refused by the storage, as Azure refuses it, and the draft still submits', async () => {
    const { id, link } = await nextDraft();
    expect(await putRaw(link, 'fine.csv', 'a,b\n')).toBe(201);
    const [root, sas] = link.split('?');
    const refused = await fetch(`${root}/a%01b.txt?${sas}`, { method: 'PUT', headers: { 'x-ms-blob-type': 'BlockBlob' }, body: 'x' });
    expect(refused.status).toBe(400);
    expect(refused.headers.get('x-ms-error-code')).toBe('InvalidResourceName');

    expect((await listContainer(link)).names).toEqual(['fine.csv']);
    expect((await api.call('POST', `${base}/${id}/submit`, t.researcher)).status).toBe(200);
  });

  test('two files that differ only in Unicode form or case are refused together', async () => {
    const { id, link } = await nextDraft();
    expect(await putRaw(link, 'Data.csv', '1')).toBe(201);
    expect(await putRaw(link, 'data.csv', '2')).toBe(201);
    const submit = await api.call('POST', `${base}/${id}/submit`, t.researcher);
    expect(submit.status).toBe(400);
    expect(submit.body.detail).toMatch(/differ only in letter case or Unicode form/);
  });
});

describe('a link dies when its step ends', () => {
  test('the draft link stops working once the files are submitted; an upload after submit is not part of the request', async () => {
    const { id, link } = await draft();
    expect(await uploadToContainer(link, 'data.csv', 'a,b\n1,2\n')).toBe(201);
    expect((await api.call('POST', `${base}/${id}/submit`, t.researcher)).status).toBe(200);
    const late = await uploadToContainer(link, 'late.csv', 'after submit');
    const inReview = await api.waitForStatus(ws, id, t.researcher, 'in_review');

    expect(inReview.files.map((file: { name: string }) => file.name)).toEqual(['data.csv']);
    expect([201, 404]).toContain(late);
    expect(await uploadToContainer(link, 'later.csv', 'after review started')).toBe(404);
    expect((await listContainer(link)).status).toBe(404);
  }, 60_000);

  test("a reviewer's link to one submission does not open the next; changes are made in a new draft container", async () => {
    const { id, link } = await draft(t.researcher, 'export');
    expect(await uploadToContainer(link, 'table.csv', 'n\n3\n')).toBe(201);
    expect((await api.call('POST', `${base}/${id}/submit`, t.researcher)).status).toBe(200);
    await api.waitForStatus(ws, id, t.researcher, 'in_review');
    const firstReview = await api.waitForLink(ws, id, t.manager);
    expect((await downloadFromContainer(firstReview, 'table.csv')).status).toBe(200);

    expect((await api.call('POST', `${base}/${id}/review`, t.manager, { decision: 'changes_requested', decisionExplanation: 'suppress small counts' })).status).toBe(200);
    const secondDraft = await api.waitForLink(ws, id, t.researcher);
    expect(secondDraft).not.toBe(link);
    expect((await downloadFromContainer(firstReview, 'table.csv')).status).toBe(404);
    expect(await uploadToContainer(link, 'table.csv', 'into the old draft')).toBe(404);
    expect(await uploadToContainer(secondDraft, 'table.csv', 'n\n<10\n')).toBe(201);
    expect((await api.call('POST', `${base}/${id}/submit`, t.researcher)).status).toBe(200);
    await api.waitForStatus(ws, id, t.researcher, 'in_review');
    expect((await downloadFromContainer(firstReview, 'table.csv')).status).toBe(404);
    const secondReview = await api.waitForLink(ws, id, t.manager);
    expect((await downloadFromContainer(secondReview, 'table.csv')).content.toString()).toBe('n\n<10\n');
  }, 60_000);

  test('revoke answers once the approved files are gone: the link to them is dead from that moment', async () => {
    const { id, link } = await draft();
    const content = 'x'.repeat(4 * 1024 * 1024);
    expect(await uploadToContainer(link, 'big.txt', content)).toBe(201);
    expect((await api.call('POST', `${base}/${id}/submit`, t.researcher)).status).toBe(200);
    await api.waitForStatus(ws, id, t.researcher, 'in_review');
    expect((await api.call('POST', `${base}/${id}/review`, t.manager, { approval: true, decisionExplanation: 'fine' })).status).toBe(200);
    await api.waitForStatus(ws, id, t.researcher, 'approved');
    const approvedLink = await api.waitForLink(ws, id, t.researcher);
    expect(sha256((await downloadFromContainer(approvedLink, 'big.txt')).content)).toBe(sha256(content));

    const revoke = await api.call('POST', `${base}/${id}/revoke`, t.manager, { reason: 'contains identifiers' });

    expect(revoke.status).toBe(200);
    expect(revoke.body.airlockRequest).toMatchObject({ status: 'revoked', filesAt: { stage: 'rejected', cycle: 1 } });
    expect((await downloadFromContainer(approvedLink, 'big.txt')).status).toBe(404);
  }, 60_000);
});

describeLocalOnly('an action on a request whose workflow is not running', "the local host's Durable system key, to terminate a workflow", () => {
  test('is refused with the reason and changes nothing; a TRE admin restarts the workflow and the request carries on', async () => {
    const host = localHostOf(airlock);
    const { id, link } = await draft();
    expect(await uploadToContainer(link, 'data.csv', 'a\n1\n')).toBe(201);
    expect((await api.call('POST', `${base}/${id}/submit`, t.researcher)).status).toBe(200);
    await api.waitForStatus(ws, id, t.researcher, 'in_review');
    const management = `${host.apiUrl.replace(/\/api$/, '')}/runtime/webhooks/durabletask`;
    const systemKey: string = JSON.parse(readFileSync(join(host.dataDir, 'local-host.json'), 'utf8')).systemKey;
    expect((await fetch(`${management}/instances/${id}/terminate?reason=operator`, { method: 'POST', headers: { 'x-functions-key': systemKey } })).status).toBe(202);

    const review = await api.call('POST', `${base}/${id}/review`, t.manager, { approval: true, decisionExplanation: 'fine' });
    expect(review.status).toBe(503);
    expect(review.body.detail).toMatch(/workflow for request .* is not running \(Terminated\), so nothing was changed/);
    expect(await stored(id)).toMatchObject({ status: 'in_review', reviews: [] });

    expect((await api.call('POST', `${base}/${id}/recover`, t.manager)).status).toBe(403);
    const recover = await api.call('POST', `${base}/${id}/recover`, t.admin);
    expect(recover.status).toBe(202);
    expect(recover.body.detail).toMatch(/was Terminated and has been started again from status 'in_review'/);
    expect((await api.call('POST', `${base}/${id}/recover`, t.admin)).body).toMatchObject({ restarted: false });

    expect((await api.call('POST', `${base}/${id}/review`, t.manager, { approval: true, decisionExplanation: 'fine' })).status).toBe(200);
    await api.waitForStatus(ws, id, t.researcher, 'approved');
    const audit = await api.call('GET', `${base}/${id}/audit`, t.manager);
    expect(audit.body.entries.map((entry: { action: string }) => entry.action)).toContain('workflow.restarted');
  }, 60_000);
});
