/**
 * An upload from the browser that loses its connection part-way: the console shows the file as
 * interrupted, keeps what the storage service already holds, and on Resume sends only the blocks
 * that are missing; the committed blob is byte for byte the file on disk. The size is 20 MiB by
 * default: three blocks (8, 8 and a short last one of 4 MiB) sent side by side, the first two arriving
 * while the third is cut and tried again, so the file stops part-way with blocks held and one missing;
 * `AIRLOCK_UPLOAD_TEST_MIB=1024 npx jest test/browser/consoleUpload` runs the same test with 1 GiB
 * (docs/console.md has the figures of such a run).
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, mkdtempSync, openSync, rmSync, utimesSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { blockId, fileFingerprint } from '../../console/src/upload/blockPlan';
import { describeInBrowser } from './support/chromium';
import { ConsoleUnderTest, devSignIn, Person, signIn, startConsoleUnderTest } from './support/consoleUnderTest';

const MiB = 1024 * 1024;
const SIZE_MIB = Number(process.env.AIRLOCK_UPLOAD_TEST_MIB ?? 20);
const WS = 'demo';
const rita: Person = { user: 'rita', name: 'Rita Researcher', workspaces: { [WS]: ['WorkspaceResearcher'] } };

/** A file of `mib` MiB whose every MiB differs (one random MiB, each copy with its index in front). */
function writeLargeFile(path: string, mib: number): string {
  const hash = createHash('sha256');
  const chunk = randomBytes(MiB);
  const fd = openSync(path, 'w');
  try {
    for (let index = 0; index < mib; index++) {
      chunk.writeUInt32BE(index, 0);
      writeSync(fd, chunk);
      hash.update(chunk);
    }
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

async function sha256Of(stream: AsyncIterable<Uint8Array>): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of stream) hash.update(chunk);
  return hash.digest('hex');
}

describeInBrowser(`an interrupted upload of ${SIZE_MIB} MiB from the browser`, () => {
  let airlock: ConsoleUnderTest;
  let folder: string;

  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), 'airlock-upload-'));
    airlock = await startConsoleUnderTest();
  }, 120_000);

  afterAll(async () => {
    await airlock?.close();
    rmSync(folder, { recursive: true, force: true });
  }, 60_000);

  test('shows its progress, stops as interrupted when a block cannot get through, and on Resume sends only the missing blocks', async () => {
    const path = join(folder, 'scans.csv');
    const expectedSha256 = writeLargeFile(path, SIZE_MIB);
    // A modification time of its own, so the test knows the ids the console gives the file's blocks (from its size and this time).
    const modified = new Date('2026-01-02T03:04:05Z');
    utimesSync(path, modified, modified);
    const page: Page = await airlock.newPage();
    const [session] = await Promise.all([devSignIn(airlock.origin, rita), signIn(page, rita)]);
    const created = await airlock.api.call('POST', `/workspaces/${WS}/requests`, session.workspaces[WS].accessToken, {
      type: 'import',
      title: 'Scanner output',
      businessJustification: 'Raw counts for the pipeline',
    });
    expect(created.status).toBe(201);
    const requestId: string = created.body.airlockRequest.id;

    // The connection drops for one block: every try of the third block (index 2) fails in the browser's
    // network stack before it leaves, as a dropped connection fails a fetch. Blocked by its URL (the
    // DevTools protocol's blocked URLs), the requests go on as they are, their bodies not copied out
    // to the test as a route's would be; every Put Block the page sends is seen as it starts.
    const cutBlock = blockId(fileFingerprint(SIZE_MIB * MiB, modified.getTime()), 2);
    const blocksSent: string[] = [];
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (request.method() === 'PUT' && url.searchParams.get('comp') === 'block' && url.searchParams.has('blockid')) blocksSent.push(url.searchParams.get('blockid')!);
    });
    const devtools = await page.context().newCDPSession(page);
    await devtools.send('Network.enable');
    await devtools.send('Network.setBlockedURLs', { urls: [`*blockid=${encodeURIComponent(cutBlock)}*`] });

    await page.goto(`${airlock.consoleUrl}requests/${WS}/${requestId}`);
    await page.getByLabel('Files to upload').setInputFiles(path);
    const progress = page.getByRole('progressbar', { name: 'Upload of scans.csv' });
    const resume = page.getByRole('button', { name: 'Resume upload of scans.csv' });
    await resume.waitFor({ timeout: 30_000 + SIZE_MIB * 300 });
    // The cut was tried, and it is what stopped the file.
    expect(blocksSent).toContain(cutBlock);
    const stoppedAt = Number(await progress.getAttribute('aria-valuenow'));
    expect(stoppedAt).toBeGreaterThan(0);
    expect(stoppedAt).toBeLessThan(100);

    // What the storage service holds at this moment, as the link shows it.
    const link = await airlock.api.call('GET', `/workspaces/${WS}/requests/${requestId}/link`, session.workspaces[WS].accessToken);
    const [containerUrl, sas] = (link.body.containerUrl as string).split('?');
    const listing = await (await fetch(`${containerUrl}/scans.csv?${sas}&comp=blocklist&blocklisttype=uncommitted`, { headers: { 'x-ms-version': '2025-01-05' } })).text();
    const held = new Set([...listing.matchAll(/<Name>([^<]+)<\/Name>/g)].map((match) => match[1]));
    expect(held.size).toBeGreaterThan(0);
    expect(held.has(cutBlock)).toBe(false);

    await devtools.send('Network.setBlockedURLs', { urls: [] });
    const sentBeforeResume = blocksSent.length;
    await resume.click();
    await page.getByRole('table', { name: 'Files in the draft' }).getByRole('cell', { name: 'scans.csv', exact: true }).waitFor({ timeout: 30_000 + SIZE_MIB * 300 });

    const sentOnResume = blocksSent.slice(sentBeforeResume);
    const totalBlocks = Math.ceil((SIZE_MIB * MiB) / (8 * MiB));
    expect(sentOnResume).toContain(cutBlock);
    expect(sentOnResume.filter((blockId) => held.has(blockId))).toEqual([]);
    expect(new Set(sentOnResume).size).toBe(totalBlocks - held.size);

    const blob = await fetch(`${containerUrl}/scans.csv?${sas}`);
    expect(blob.status).toBe(200);
    expect(Number(blob.headers.get('content-length'))).toBe(SIZE_MIB * MiB);
    expect(await sha256Of(blob.body as unknown as AsyncIterable<Uint8Array>)).toBe(expectedSha256);
    expect(await sha256Of(createReadStream(path))).toBe(expectedSha256);
  }, 120_000 + SIZE_MIB * 1_000);

  test('a cancelled upload leaves nothing in the draft, a dropped file is uploaded, and a removed file is gone from it', async () => {
    const page: Page = await airlock.newPage();
    const [session] = await Promise.all([devSignIn(airlock.origin, rita), signIn(page, rita)]);
    const created = await airlock.api.call('POST', `/workspaces/${WS}/requests`, session.workspaces[WS].accessToken, { type: 'import', title: 'Two files' });
    const requestId: string = created.body.airlockRequest.id;
    const small = join(folder, 'keep.csv');
    writeLargeFile(small, 1);
    const slow = join(folder, 'abandon.csv');
    // Two blocks (8 MiB and 1 MiB): every block of it after its first stalls until the researcher cancels, so the cancel lands mid-upload.
    writeLargeFile(slow, 9);
    // Held in the browser through the DevTools protocol, which pauses only this file's requests (a
    // route would pause every request of the page and copy each body out to the test). A block's
    // requests (its CORS preflight and its Put Block) go on only if it is the first block.
    const devtools = await page.context().newCDPSession(page);
    let firstBlock: string | undefined;
    devtools.on('Fetch.requestPaused', ({ requestId, request }) => {
      const url = new URL(request.url);
      const blockId = url.searchParams.get('comp') === 'block' ? url.searchParams.get('blockid') : null;
      if (blockId !== null) firstBlock ??= blockId;
      // A request held here ends when the page aborts it (the cancel); continuing one the page gave up on fails, harmlessly.
      if (blockId === null || blockId === firstBlock) devtools.send('Fetch.continueRequest', { requestId }).catch(() => undefined);
    });
    await devtools.send('Fetch.enable', { patterns: [{ urlPattern: '*/abandon.csv?*', requestStage: 'Request' }] });

    await page.goto(`${airlock.consoleUrl}requests/${WS}/${requestId}`);
    await page.getByLabel('Files to upload').setInputFiles([small, slow]);
    const draft = page.getByRole('table', { name: 'Files in the draft' });
    await draft.getByRole('cell', { name: 'keep.csv', exact: true }).waitFor({ timeout: 60_000 });
    await page.getByRole('button', { name: 'Cancel upload of abandon.csv' }).click();
    await page.getByRole('button', { name: 'Cancel upload of abandon.csv' }).waitFor({ state: 'detached' });

    await page.getByRole('button', { name: 'Remove keep.csv' }).click();
    await draft.getByRole('cell', { name: 'keep.csv', exact: true }).waitFor({ state: 'detached' });

    // Dropped on the zone, as a person drags a file from their desktop: uploaded like a chosen one.
    const dropped = await page.evaluateHandle(() => {
      // The page's own classes (this project compiles without the DOM's types).
      const page = globalThis as unknown as {
        DataTransfer: new () => { items: { add(file: unknown): void } };
        File: new (parts: string[], name: string, options: { type: string }) => unknown;
      };
      const transfer = new page.DataTransfer();
      transfer.items.add(new page.File(['region,count\nNorth,12\n'], 'dropped.csv', { type: 'text/csv' }));
      return transfer;
    });
    const zone = page.getByText('Drop files here, or').locator('..');
    await zone.dispatchEvent('dragenter', { dataTransfer: dropped });
    await zone.dispatchEvent('drop', { dataTransfer: dropped });
    await draft.getByRole('cell', { name: 'dropped.csv', exact: true }).waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: 'Remove dropped.csv' }).click();
    await draft.getByRole('cell', { name: 'dropped.csv', exact: true }).waitFor({ state: 'detached' });

    const link = await airlock.api.call('GET', `/workspaces/${WS}/requests/${requestId}/link`, session.workspaces[WS].accessToken);
    const [containerUrl, sas] = (link.body.containerUrl as string).split('?');
    const listing = await (await fetch(`${containerUrl}?${sas}&restype=container&comp=list`, { headers: { 'x-ms-version': '2025-01-05' } })).text();
    expect([...listing.matchAll(/<Name>([^<]+)<\/Name>/g)].map((match) => match[1])).toEqual([]);
  }, 120_000);
});
