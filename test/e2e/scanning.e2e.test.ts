/**
 * Scanning end to end over real HTTP on the local host: ClamAV (clamd started for the run) with the
 * content checks, and Defender for Storage, whose verdicts arrive as Event Grid events delivered to
 * the host's webhook exactly as Azure sends them. No unsafe file ever reaches in_review.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { AirlockClient, localCoreToken, localTokens, uploadToContainer } from '../support/airlockClient';
import { describeWithClamd, EICAR, RunningClamd, startClamd } from '../support/clamd';
import { publishToLocalHost } from '../support/eventGridPublisher';
import { LocalHostProcess, startLocalHostProcess } from '../support/localHostProcess';
import { buildZip, nestedZip } from '../support/zipFixture';

const WS = 'demo';
const base = `/workspaces/${WS}/requests`;

interface Session {
  host: LocalHostProcess;
  api: AirlockClient;
  alice: string;
  bob: string;
}

async function openSession(env: Record<string, string>): Promise<Session> {
  const host = await startLocalHostProcess({ env });
  const mint = await localTokens(host.dataDir);
  return { host, api: new AirlockClient(host.apiUrl), alice: await mint(WS, 'alice', 'WorkspaceResearcher'), bob: await mint(WS, 'bob', 'AirlockManager') };
}

/**
 * Starts `work` now, for a test further down to await: a host starts while earlier tests run. A
 * failure is reported where the promise is awaited, not as an unhandled rejection in between.
 */
function early<T>(work: () => Promise<T>): Promise<T> {
  const started = work();
  started.catch(() => undefined);
  return started;
}

async function submit(session: Session, files: Record<string, Buffer | string>): Promise<string> {
  const { api, alice } = session;
  const created = await api.call('POST', base, alice, { type: 'import', title: 'scan test', businessJustification: 'scanning' });
  const id: string = created.body.airlockRequest.id;
  const link = await api.call('GET', `${base}/${id}/link`, alice);
  for (const [name, content] of Object.entries(files)) {
    expect(await uploadToContainer(link.body.containerUrl, name, typeof content === 'string' ? Buffer.from(content) : content)).toBe(201);
  }
  expect((await api.call('POST', `${base}/${id}/submit`, alice)).status).toBe(200);
  return id;
}

/**
 * Waits until the request leaves `submitted`, and returns it. It reads every 250 ms: each read
 * costs the host about 10 ms of CPU, taken from the workflows being waited for, and up to five of
 * these tests wait side by side.
 */
async function settled(session: Session, id: string, timeoutMs = 30_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const request = (await session.api.call('GET', `${base}/${id}`, session.alice)).body.airlockRequest;
    if (!['submitted', 'blocking_in_progress'].includes(request.status) || Date.now() > deadline) return request;
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Waits until the host has logged a line containing `text`, and returns that line. */
async function loggedLine(host: LocalHostProcess, text: string, timeoutMs = 10_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const line = host.output().split('\n').find((candidate) => candidate.includes(text));
    if (line) return line;
    if (Date.now() > deadline) throw new Error(`the host did not log "${text}" within ${timeoutMs} ms:\n${host.output()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The host's storage, read directly (the blocked stage has no link, by design). */
function stageBlobs(host: LocalHostProcess) {
  const state = JSON.parse(readFileSync(join(host.dataDir, 'local-host.json'), 'utf8'));
  const origin = /Azurite (http:\/\/\S+)/.exec(host.output())![1];
  return {
    origin,
    async names(account: string, container: string): Promise<string[]> {
      const service = new BlobServiceClient(`${origin}/${account}`, new StorageSharedKeyCredential(account, state.accountKeys[account]));
      const client = service.getContainerClient(container);
      if (!(await client.exists())) return [];
      const names: string[] = [];
      for await (const blob of client.listBlobsFlat()) names.push(blob.name);
      return names;
    },
  };
}

/** Small, so the archive member beyond it is quick to build; docs/clamav.md shows the same gap at 10M. */
const CLAMD_MAX_FILE_SIZE_MB = 8;
const MEMBER_BEYOND_CLAMD_MB = CLAMD_MAX_FILE_SIZE_MB + 2;
const PDF_HEADER_THEN_ELF = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00]), Buffer.alloc(4096)]);

/**
 * A zip of about 130 KB whose one member expands to 10 MiB (past clamd's MaxFileSize of 8M) and ends
 * in EICAR: clamd 1.4 skips the member and answers OK (Cisco-Talos/clamav#633). Random blocks keep
 * the compression under the 100:1 zip-bomb limit.
 */
function zipWithMemberBeyondClamd(): Buffer {
  const block = () => Buffer.concat([randomBytes(12 * 1024), Buffer.alloc(1024 * 1024 - 12 * 1024)]);
  const member = Buffer.concat([...Array.from({ length: MEMBER_BEYOND_CLAMD_MB }, block), EICAR]);
  return buildZip([{ name: 'measurements.bin', content: member }]);
}

interface DefenderTarget {
  id: string;
  name: string;
  etag: string;
  sha256: string;
}

/** Submits one file and waits until the airlock awaits Defender's verdict on its in-progress copy (reading as `settled` does). */
async function awaitingDefender(on: Session, name = 'data.csv', content = 'a,b\n1,2\n'): Promise<DefenderTarget> {
  const id = await submit(on, { [name]: content });
  const deadline = Date.now() + 20_000;
  for (;;) {
    const request = (await on.api.call('GET', `${base}/${id}`, on.alice)).body.airlockRequest;
    const entry = request.scanReport?.find((e: any) => e.engine === 'defender' && e.name === name);
    if (entry?.verdict === 'pending') return { id, name, etag: entry.etag as string, sha256: request.files[0].sha256 as string };
    if (Date.now() > deadline) throw new Error(`no pending Defender entry: ${JSON.stringify(request)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * The Defender host starts now and comes up while the ClamAV tests run; its tests await it. Its
 * Durable clock runs 30 times faster, so the scan timeout of 5 minutes passes in 10 seconds: ample
 * time for each verdict a test delivers (well under a second after the airlock awaits it), and
 * about the time the ClamAV tests take, so the request left without a verdict, submitted as soon as
 * the host is up, has timed out by the time its test looks.
 */
let defender: Promise<Session>;
let unanswered: Promise<DefenderTarget>;

beforeAll(() => {
  defender = early(() => openSession({ AIRLOCK_SCANNER: 'defender', AIRLOCK_SCAN_TIMEOUT: '5m', AIRLOCK_LOCAL_DURABLE_CLOCK_RATE: '30' }));
  unanswered = early(async () => awaitingDefender(await defender));
});
afterAll(async () => {
  await defender?.then((session) => session.host.stop(), () => undefined);
});

describeWithClamd('ClamAV and the content checks', () => {
  let clamd: RunningClamd;
  let session: Session;

  beforeAll(async () => {
    clamd = await startClamd({ maxFileSizeMb: CLAMD_MAX_FILE_SIZE_MB });
    session = await openSession({
      AIRLOCK_CLAMD: clamd.address,
      // Retries back off on the Durable clock; at 100 times real time, 'clamd gone' fails closed in a fraction of a second, not half a minute.
      AIRLOCK_LOCAL_DURABLE_CLOCK_RATE: '100',
      AIRLOCK_MAX_FILE_SIZE_MB: '1',
      // What startClamd writes into clamd.conf, stated as docs/clamav.md asks.
      AIRLOCK_CLAMD_MAX_FILE_SIZE_MB: String(CLAMD_MAX_FILE_SIZE_MB),
      AIRLOCK_CLAMD_STREAM_MAX_LENGTH_MB: String(CLAMD_MAX_FILE_SIZE_MB),
      AIRLOCK_CLAMD_MAX_SCAN_SIZE_MB: '4095',
    });
  }, 90_000);
  afterAll(async () => {
    await session?.host.stop();
    await clamd?.stop();
  });

  test('health and the banner say ClamAV scans', async () => {
    expect(session.host.output()).toContain('ClamAV (clamd at');
    const health = await session.api.call('GET', '/health');
    expect(health.body).toMatchObject({ status: 'ok', dependencies: { malwareScanner: 'ok' } });
    expect(health.body.scanning).toMatch(/clamav/i);
  });

  // The requests of these tests are independent of one another: they run at the same time on the one host.
  test.concurrent('clean files reach review with a scan report per file', async () => {
    const id = await submit(session, { 'results.csv': 'a,b\n1,2\n', 'figure.png': Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex') });
    const request = await settled(session, id);
    expect(request).toMatchObject({ status: 'in_review', progressMessage: 'no threats found in 2 files' });
    expect(request).not.toHaveProperty('statusMessage');
    expect(request.scanReport).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'results.csv', engine: 'clamav', verdict: 'clean', sha256: request.files.find((f: any) => f.name === 'results.csv').sha256 }),
        expect.objectContaining({ name: 'figure.png', engine: 'content-checks', verdict: 'clean' }),
      ]),
    );
  });

  const unsafe: Array<[string, Record<string, Buffer | string>, RegExp]> = [
    ['EICAR', { 'notes.txt': EICAR }, /notes\.txt: Malicious: .*eicar/i],
    ['EICAR in a zip', { 'bundle.zip': buildZip([{ name: 'inner.txt', content: EICAR }]) }, /bundle\.zip: Malicious/i],
    ['EICAR in a nested zip', { 'bundle.zip': nestedZip(2, { name: 'inner.txt', content: EICAR }) }, /bundle\.zip: Malicious/i],
    ['an encrypted zip', { 'secret.zip': buildZip([{ name: 'data.csv', content: 'a,b\n', encrypted: true }]) }, /secret\.zip: .*encrypt/i],
    ['a zip bomb', { 'bomb.zip': buildZip([{ name: 'zeros.csv', content: Buffer.alloc(50 * 1024 * 1024) }]) }, /bomb\.zip: .*(ratio|expand)/i],
    ['a too-deep archive', { 'deep.zip': nestedZip(5) }, /deep\.zip: .*(nest|deep)/i],
    ['an over-size file', { 'big.csv': Buffer.alloc(2 * 1024 * 1024, 'a') }, /big\.csv: .*(size|larger|limit)/i],
    ['a disallowed type', { 'anim.gif': Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00\x00;', 'latin1') }, /anim\.gif: .*(not allowed|allow)/i],
    ['a renamed executable', { 'data.csv': Buffer.concat([Buffer.from('MZ'), Buffer.alloc(200)]) }, /data\.csv: .*execut/i],
    ['a PDF header followed by an executable', { 'paper.pdf': PDF_HEADER_THEN_ELF }, /paper\.pdf: an executable program \(ELF\) is hidden inside this PDF/],
    ['an SVG with a script', { 'plot.svg': '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>' }, /plot\.svg: the SVG has a script element/],
    ['HTML saved as .txt', { 'notes.txt': '<!doctype html><html><body><script>alert(1)</script></body></html>' }, /notes\.txt: the content is HTML .*not plain text/],
  ];

  test.concurrent.each(unsafe)('%s is blocked by scan with the reason, never in review', async (_case, files, reason) => {
    const id = await submit(session, files);
    const request = await settled(session, id);
    expect(request.status).toBe('blocked_by_scan');
    expect(request.statusMessage).toMatch(reason);
    expect(request.history.map((h: any) => h.properties.status)).not.toContain('in_review');
    expect((await session.api.call('GET', `${base}/${id}/link`, session.bob)).status).toBe(400);
    expect(await stageBlobs(session.host).names('stalimblockedlocal', `${id}-1`)).toEqual(Object.keys(files));
  }, 60_000);

  test('settings the scanner cannot honour are refused, and an archive member clamd would skip is blocked even at the highest allowed limit', async () => {
    const admin = await (await localCoreToken(session.host.dataDir))('ada', 'TREAdmin');
    const settingsPath = `/workspaces/${WS}/airlock-settings`;
    const before = (await session.api.call('GET', settingsPath, admin)).body.workspace.airlock;

    const refused = await session.api.call('PUT', settingsPath, admin, { ...before, maxFileSizeMb: 51_200 });
    expect(refused.status).toBe(422);
    expect(refused.body.detail).toMatch(
      new RegExp(`^body\\.maxFileSizeMb is 51200, but the malware scanner, ClamAV \\(clamd MaxFileSize ${CLAMD_MAX_FILE_SIZE_MB}M.*can fully scan files of at most ${CLAMD_MAX_FILE_SIZE_MB} MiB`),
    );
    expect((await session.api.call('GET', settingsPath, admin)).body.workspace.airlock).toEqual(before);

    const raised = await session.api.call('PUT', settingsPath, admin, { ...before, maxFileSizeMb: CLAMD_MAX_FILE_SIZE_MB });
    expect(raised.status).toBe(200);
    try {
      const id = await submit(session, { 'bundle.zip': zipWithMemberBeyondClamd() });
      const request = await settled(session, id, 60_000);
      expect(request.status).toBe('blocked_by_scan');
      expect(request.statusMessage).toMatch(new RegExp(`bundle\\.zip: member measurements\\.bin cannot be fully scanned: it expands to ${MEMBER_BEYOND_CLAMD_MB} MiB, and ClamAV`));
    } finally {
      const current = (await session.api.call('GET', settingsPath, admin)).body.workspace.airlock;
      await session.api.call('PUT', settingsPath, admin, { ...current, maxFileSizeMb: before.maxFileSizeMb });
    }
  }, 90_000);

  // Last in this block: it stops the shared clamd.
  test('clamd gone: the scan is retried, then the request fails closed and its files stay in the in-progress stage', async () => {
    await clamd.stop();
    const health = await session.api.call('GET', '/health');
    expect(health.status).toBe(503);
    expect(health.body.dependencies.malwareScanner).toMatch(/^unavailable/);
    const id = await submit(session, { 'results.csv': 'a,b\n1,2\n' });
    const request = await settled(session, id, 60_000);
    expect(request.status).toBe('failed');
    expect(request.statusMessage).toMatch(/while scanning: .*clamd/i);
    expect(await stageBlobs(session.host).names('stalimiplocal', `${id}-1`)).toEqual(['results.csv']);
  }, 90_000);
});

describe('Defender for Storage verdicts through Event Grid', () => {
  let session: Session;
  let storage: ReturnType<typeof stageBlobs>;

  beforeAll(async () => {
    session = await defender;
    storage = stageBlobs(session.host);
  }, 90_000);

  function scanResult(target: DefenderTarget, result: { type: string; malware?: string[]; reason?: string; etag?: string }) {
    return {
      id: randomUUID(),
      subject: `storageAccounts/stalimiplocal/containers/${target.id}-1/blobs/${target.name}`,
      eventType: 'Microsoft.Security.MalwareScanningResult',
      eventTime: new Date().toISOString(),
      dataVersion: '1.0',
      data: {
        correlationId: randomUUID(),
        blobUri: `${storage.origin}/stalimiplocal/${target.id}-1/${target.name}`,
        eTag: result.etag ?? target.etag,
        scanFinishedTimeUtc: new Date().toISOString(),
        scanResultType: result.type,
        scanResultDetails: { malwareNamesFound: result.malware ?? null, sha256: target.sha256.toUpperCase(), ...(result.reason ? { notScannedReason: result.reason } : {}) },
      },
    };
  }

  const deliver = (...events: object[]) => publishToLocalHost(session.host.apiUrl.replace(/\/api$/, ''), 'defenderScanResult', events as any, 'EventGrid');

  // Each test has a request of its own on the one host: they run at the same time.
  test.concurrent('"No threats found" → in review', async () => {
    const target = await awaitingDefender(session);
    await deliver(scanResult(target, { type: 'No threats found' }));
    expect(await settled(session, target.id)).toMatchObject({ status: 'in_review', progressMessage: 'no threats found in 1 file' });
  });

  test.concurrent('Malicious → blocked by scan, naming the malware, data quarantined', async () => {
    const target = await awaitingDefender(session);
    await deliver(scanResult(target, { type: 'Malicious', malware: ['DOS/EICAR_Test_File'] }));
    const request = await settled(session, target.id);
    expect(request.status).toBe('blocked_by_scan');
    expect(request.statusMessage).toContain('DOS/EICAR_Test_File');
    expect(await storage.names('stalimblockedlocal', `${target.id}-1`)).toEqual(['data.csv']);
  });

  test.concurrent.each([
    ['SAM259210: Blob is password protected'],
    ['SAM259211: Max archive nesting depth exceeded'],
    ['SAM259206: Exceeded the maximum size of 50 GB'],
    ['SAM259212: Blob data is corrupt'],
  ])('Not Scanned (%s) → blocked with the reason', async (reason) => {
    const target = await awaitingDefender(session);
    await deliver(scanResult(target, { type: 'Not Scanned', reason }));
    const request = await settled(session, target.id);
    expect(request.status).toBe('blocked_by_scan');
    expect(request.statusMessage).toContain(reason.slice(0, 9));
  });

  test.concurrent('Error → blocked (fail closed)', async () => {
    const target = await awaitingDefender(session);
    await deliver(scanResult(target, { type: 'Error' }));
    expect((await settled(session, target.id)).status).toBe('blocked_by_scan');
  });

  test.concurrent('a verdict about another version of the blob (stale eTag) is ignored; a duplicate counts once', async () => {
    const target = await awaitingDefender(session);
    await deliver(scanResult(target, { type: 'Malicious', malware: ['Wrong/Version'], etag: '"0x8DEADBEEF"' }));
    // The webhook answers once the verdict is handled; the host says it ignored it.
    await loggedLine(session.host, `ignoring scan result for 'data.csv' of request ${target.id}: stale: the verdict is about eTag "0x8DEADBEEF"`);
    expect((await session.api.call('GET', `${base}/${target.id}`, session.alice)).body.airlockRequest.status).toBe('submitted');
    const clean = scanResult(target, { type: 'No threats found' });
    await deliver(clean, clean);
    const request = await settled(session, target.id);
    expect(request.status).toBe('in_review');
    expect(request.scanReport.filter((e: any) => e.engine === 'defender')).toHaveLength(1);
  });

  test.concurrent('delayed by the service (SAM259215) keeps waiting for the real verdict', async () => {
    const target = await awaitingDefender(session);
    await deliver(scanResult(target, { type: 'Not Scanned', reason: 'SAM259215: Scan delayed by the service' }));
    // The webhook answers once the verdict is handled; the host says it noted the delay and woke nothing.
    await loggedLine(session.host, `scan result for 'data.csv' of request ${target.id}: delayed by Defender; still pending`);
    const waiting = (await session.api.call('GET', `${base}/${target.id}`, session.alice)).body.airlockRequest;
    expect(waiting.status).toBe('submitted');
    expect(waiting.scanReport.find((e: any) => e.engine === 'defender')).toMatchObject({ verdict: 'pending', details: expect.stringMatching(/delayed/) });
    await deliver(scanResult(target, { type: 'No threats found' }));
    expect((await settled(session, target.id)).status).toBe('in_review');
  });

  test.concurrent('no verdict at all → failed when the scan timeout passes, and the data stays in quarantine', async () => {
    // Submitted as soon as the host was up; its 5 minutes pass in 10 seconds.
    const target = await unanswered;
    const request = await settled(session, target.id, 30_000);
    expect(request.status).toBe('failed');
    expect(request.statusMessage).toContain('no scan result within 5 min');
    expect(await storage.names('stalimiplocal', `${target.id}-1`)).toEqual(['data.csv']);
  }, 60_000);

  test('both Event Grid validation handshakes are answered', async () => {
    const webhook = `${session.host.apiUrl.replace(/\/api$/, '')}/runtime/webhooks/eventgrid?functionName=defenderScanResult`;
    const validation = await fetch(webhook, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'aeg-event-type': 'SubscriptionValidation' },
      body: JSON.stringify([
        { id: randomUUID(), topic: '/subscriptions/x/resourceGroups/y/providers/Microsoft.EventGrid/topics/scan-results', subject: '', eventType: 'Microsoft.EventGrid.SubscriptionValidationEvent', eventTime: new Date().toISOString(), data: { validationCode: 'code-123', validationUrl: 'https://example.invalid' }, dataVersion: '1', metadataVersion: '1' },
      ]),
    });
    expect(await validation.json()).toEqual({ validationResponse: 'code-123' });
    const options = await fetch(webhook, { method: 'OPTIONS', headers: { 'WebHook-Request-Origin': 'eventgrid.azure.net' } });
    expect(options.status).toBe(200);
    expect(options.headers.get('webhook-allowed-origin')).toBe('eventgrid.azure.net');
  });
});
