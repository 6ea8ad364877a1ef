/**
 * Events and notifications through the local host, as an organisation would plug in: an SMTP
 * server receives the notifier's mails, a webhook receives the CloudEvents (after Event Grid's
 * validation handshake), and the audit log behind both verifies.
 */
import http from 'node:http';
import { AddressInfo } from 'node:net';
import { AirlockClient, localCoreToken, localTokens, uploadToContainer } from '../support/airlockClient';
import { LocalHostProcess, startLocalHostProcess } from '../support/localHostProcess';
import { SmtpSink } from '../support/smtpSink';

const WS = 'demo';
const base = `/workspaces/${WS}/requests`;
const events: Array<{ id: string; type: string; data: any }> = [];
let smtp: SmtpSink;
let webhook: http.Server;
let host: LocalHostProcess;
let api: AirlockClient;
let t: Record<'alice' | 'bob' | 'admin', string>;

function listen(server: { listen: (port: number, host: string, cb: () => void) => unknown }, address: () => AddressInfo | string | null): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((address() as AddressInfo).port)));
}

beforeAll(async () => {
  smtp = new SmtpSink();
  const smtpPort = await smtp.listen();
  webhook = http.createServer((req, res) => {
    if (req.method === 'OPTIONS') {
      res.writeHead(200, { 'WebHook-Allowed-Origin': String(req.headers['webhook-request-origin'] ?? '*') }).end();
      return;
    }
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      const parsed = JSON.parse(body);
      for (const event of Array.isArray(parsed) ? parsed : [parsed]) events.push(event);
      res.writeHead(200).end();
    });
  });
  const webhookPort = await listen(webhook, () => webhook.address());
  host = await startLocalHostProcess({
    env: { AIRLOCK_SMTP_HOST: '127.0.0.1', AIRLOCK_SMTP_PORT: String(smtpPort), AIRLOCK_MAIL_FROM: 'airlock@tre.example', AIRLOCK_WEBHOOKS: `http://127.0.0.1:${webhookPort}/events` },
  });
  api = new AirlockClient(host.apiUrl);
  const mint = await localTokens(host.dataDir);
  t = {
    alice: await mint(WS, 'alice', 'WorkspaceResearcher'),
    bob: await mint(WS, 'bob', 'AirlockManager'),
    admin: await (await localCoreToken(host.dataDir))('root', 'TREAdmin'),
  };
  const settings = (await api.call('GET', `/workspaces/${WS}/airlock-settings`, t.admin)).body.workspace.airlock;
  expect((await api.call('PUT', `/workspaces/${WS}/airlock-settings`, t.admin, { ...settings, notificationAddresses: ['governance@tre.example'] })).status).toBe(200);
}, 90_000);

afterAll(async () => {
  await host?.stop();
  await smtp?.close();
  await new Promise((r) => webhook?.close(r));
});

async function eventually<T>(check: () => T | undefined, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function throughReview(type: 'import' | 'export', approval: boolean, why: string): Promise<string> {
  const id = (await api.call('POST', base, t.alice, { type, title: `${type} for mail`, businessJustification: 'notifications' })).body.airlockRequest.id;
  const link = (await api.call('GET', `${base}/${id}/link`, t.alice)).body.containerUrl;
  expect(await uploadToContainer(link, 'table.csv', 'n\n12\n')).toBe(201);
  await api.call('POST', `${base}/${id}/submit`, t.alice);
  await api.waitForStatus(WS, id, t.alice, 'in_review');
  await api.call('POST', `${base}/${id}/review`, t.bob, { approval, decisionExplanation: why });
  await api.waitForStatus(WS, id, t.alice, approval ? 'approved' : 'rejected');
  return id;
}

const mailsAbout = (id: string) => smtp.mails.filter((mail) => mail.text.includes(id));

test('an approved import: the requester hears of each step, the governors that review is needed', async () => {
  const id = await throughReview('import', true, 'aggregate only');
  const toAlice = await eventually(() => {
    const found = mailsAbout(id).filter((m) => m.envelopeTo.includes('alice@example.org'));
    return found.some((m) => /approved/i.test(m.subject) && !/progress/i.test(m.subject)) ? found : undefined;
  }, 'the approval mail');
  expect(toAlice.map((m) => m.subject).join(' | ')).toMatch(/submitted/i);
  const reviewNeeded = mailsAbout(id).filter((m) => m.envelopeTo.includes('governance@tre.example'));
  expect(reviewNeeded.length).toBeGreaterThanOrEqual(1);
  expect(reviewNeeded.some((m) => /review/i.test(m.subject))).toBe(true);
  expect(toAlice.find((m) => /approved/i.test(m.subject) && !/progress/i.test(m.subject))!.text).toContain(`/workspaces/${WS}/requests/${id}`);
});

test('a rejected export: the mail says why', async () => {
  const id = await throughReview('export', false, 'cell counts under ten');
  const rejected = await eventually(() => mailsAbout(id).find((m) => m.envelopeTo.includes('alice@example.org') && /rejected/i.test(m.subject) && !/progress/i.test(m.subject)), 'the rejection mail');
  expect(rejected.text).toContain('cell counts under ten');
});

test('the webhook receives every event of a request once (after de-duplication by id), in order, as the audit log lists them', async () => {
  const id = await throughReview('import', true, 'fine');
  const audit = (await api.call('GET', `${base}/${id}/audit`, (await (await localTokens(host.dataDir))(WS, 'olga', 'WorkspaceOwner')))).body;
  expect(audit.verification.verified).toBe(true);
  const expectedIds = audit.entries.map((e: any) => `${id}:${e.seq}`);
  const received = await eventually(() => {
    const ids = [...new Set(events.filter((e) => e.data?.requestId === id).map((e) => e.id))];
    return expectedIds.every((x: string) => ids.includes(x)) ? ids : undefined;
  }, 'all events at the webhook');
  expect(received.filter((x) => expectedIds.includes(x))).toEqual(expectedIds);
  const statusChanges = events.filter((e) => e.data?.requestId === id && e.type === 'Airlock.Request.StatusChanged');
  expect([...new Set(statusChanges.map((e) => `${e.data.previousStatus}>${e.data.status}`))]).toEqual([
    'draft>submitted', 'submitted>in_review', 'in_review>approval_in_progress', 'approval_in_progress>approved',
  ]);
  expect(statusChanges.every((e) => e.data.workspaceId === WS && e.data.actor && e.data.requestType === 'import')).toBe(true);
});
