/**
 * Moves are server-side copies of the version recorded at submit, checked by the storage service,
 * so a file that changed after submit, or whose stored bytes are no longer the ones hashed, never
 * reaches a reviewer or the approved stage: the request fails naming the file. Over real HTTP against
 * the airlock under test (the local host, or a deployment: see test/support/airlockUnderTest.ts).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { closeSync, openSync, readdirSync, readFileSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { AirlockClient, sha256, uploadToContainer } from '../support/airlockClient';
import { AirlockUnderTest, localHostOf, openAirlockUnderTest, stageContainerOf, testLocalOnly } from '../support/airlockUnderTest';

let airlock: AirlockUnderTest;
let api: AirlockClient;
let ws: string;
let base: string;
let tokens: Record<'researcher' | 'manager', string>;

beforeAll(async () => {
  // A failed move is retried with backoff before the request fails; locally the backoff may pass
  // faster: at 100 times real time its 14 s of waits take a few timer polls.
  airlock = await openAirlockUnderTest({ env: { AIRLOCK_LOCAL_DURABLE_CLOCK_RATE: '100' } });
  api = airlock.api;
  ws = airlock.workspaceId;
  base = `/workspaces/${ws}/requests`;
  tokens = await airlock.tokens('researcher', 'manager');
  await airlock.changeSettings({ scanningEnabled: false, requiredApprovals: 1, rehashOnApproval: false });
}, 90_000);

afterAll(() => airlock?.stop());

async function draftWith(files: Record<string, Buffer | string>): Promise<{ id: string; link: string }> {
  const created = await api.call('POST', base, tokens.researcher, { type: 'import', title: 'verified moves', businessJustification: 'for the e2e suite' });
  expect(created.status).toBe(201);
  const id: string = created.body.airlockRequest.id;
  const link: string = (await api.call('GET', `${base}/${id}/link`, tokens.researcher)).body.containerUrl;
  for (const [name, content] of Object.entries(files)) expect(await uploadToContainer(link, name, content)).toBe(201);
  return { id, link };
}

function statusesOf(request: { history?: { properties: { status: string } }[]; status: string }): string[] {
  return [...(request.history ?? []).map((item) => item.properties.status), request.status];
}

test('a file changed right after submit (before it is hashed, or before it is moved) fails the request, naming the file: it never reaches review, and no data is moved', async () => {
  // Large enough that hashing it outlasts the overwrite below, which lands before the move copies it.
  const { id, link } = await draftWith({ 'scan.bin': randomBytes(24 * 1024 * 1024), 'notes.txt': 'unchanged' });
  expect((await api.call('POST', `${base}/${id}/submit`, tokens.researcher)).status).toBe(200);

  expect(await uploadToContainer(link, 'scan.bin', 'a different file under the same name')).toBe(201);

  const failed = await api.waitForStatus(ws, id, tokens.researcher, 'failed', 90_000);
  expect(failed.statusMessage).toMatch(/scan\.bin/);
  expect(failed.statusMessage).toMatch(/changed/);
  expect(statusesOf(failed)).not.toContain('in_review');
  const audit = await api.call('GET', `${base}/${id}/audit`, tokens.manager);
  expect(audit.status).toBe(200);
  expect(audit.body.entries.map((entry: { action: string }) => entry.action)).not.toContain('data.moved');
}, 120_000);

testLocalOnly(
  'a file overwritten in the in-progress stage while in review is not carried to approved: the move copies only the version it recorded',
  "the local host's account keys, to write where only the airlock writes",
  async () => {
    const content = `patient,age\n${randomUUID()}\n`;
    const { id } = await draftWith({ 'cohort.csv': content });
    expect((await api.call('POST', `${base}/${id}/submit`, tokens.researcher)).status).toBe(200);
    await api.waitForStatus(ws, id, tokens.researcher, 'in_review', 60_000);
    const reviewLink = await api.waitForLink(ws, id, tokens.manager);

    await airlockOnlyWrite(reviewLink, 'cohort.csv', 'patient,age\n1,999\n');
    expect((await api.call('POST', `${base}/${id}/review`, tokens.manager, { approval: true, decisionExplanation: 'looks fine' })).status).toBe(200);

    const failed = await api.waitForStatus(ws, id, tokens.researcher, 'failed', 90_000);
    expect(failed.statusMessage).toMatch(/cohort\.csv in \S+ changed since it was checked; not copied to \S+/);
    expect(statusesOf(failed)).not.toContain('approved');
  },
  120_000,
);

testLocalOnly(
  "a file whose stored bytes change under the same version while in review never reaches approved (on Azurite, through the workspace's rehashOnApproval)",
  "the local host's storage files, to change bytes without a new version",
  async () => {
    const restore = await airlock.changeSettings({ rehashOnApproval: true });
    try {
      const marker = `cohort-${randomUUID()}`;
      const content = `${marker}\n${'patient,age\n'.repeat(4096)}`;
      const { id } = await draftWith({ 'cohort.csv': content });
      expect((await api.call('POST', `${base}/${id}/submit`, tokens.researcher)).status).toBe(200);
      await api.waitForStatus(ws, id, tokens.researcher, 'in_review', 60_000);

      // Bit rot, as far as the airlock can tell: the bytes Azurite keeps change, the version does not.
      expect(flipByteAfter(join(localHostOf(airlock).dataDir, 'azurite', 'blob-extents'), marker)).toBeGreaterThan(0);
      expect((await api.call('POST', `${base}/${id}/review`, tokens.manager, { approval: true, decisionExplanation: 'looks fine' })).status).toBe(200);

      const failed = await api.waitForStatus(ws, id, tokens.researcher, 'failed', 90_000);
      expect(failed.statusMessage).toContain(`file 'cohort.csv' changed while moving to the approved stage`);
      expect(failed.statusMessage).toContain(`instead of ${sha256(content)}`);
      expect(statusesOf(failed)).not.toContain('approved');
    } finally {
      await restore();
    }
  },
  180_000,
);

/** Overwrites a blob with the account key, as only the airlock (or someone holding its keys) could. */
async function airlockOnlyWrite(link: string, name: string, content: string): Promise<void> {
  const state = JSON.parse(readFileSync(join(localHostOf(airlock).dataDir, 'local-host.json'), 'utf8')) as { accountKeys: Record<string, string> };
  const { account, container } = stageContainerOf(link);
  const service = new BlobServiceClient(`${new URL(link).origin}/${account}`, new StorageSharedKeyCredential(account, state.accountKeys[account]));
  await service.getContainerClient(container).getBlockBlobClient(name).upload(content, Buffer.byteLength(content));
}

/** Flips the byte right after `marker` in every stored extent that holds it; returns how many it changed. */
function flipByteAfter(directory: string, marker: string): number {
  let flipped = 0;
  for (const name of readdirSync(directory)) {
    const path = join(directory, name);
    if (!statSync(path).isFile()) continue;
    const bytes = readFileSync(path);
    for (let at = bytes.indexOf(marker); at >= 0; at = bytes.indexOf(marker, at + 1)) {
      const position = at + marker.length + 1;
      const fd = openSync(path, 'r+');
      try {
        writeSync(fd, Buffer.from([bytes[position] ^ 0x01]), 0, 1, position);
      } finally {
        closeSync(fd);
      }
      flipped++;
    }
  }
  return flipped;
}
