/**
 * `GET .../requests/{requestId}/preview` on in-memory adapters: who may see which file in which
 * status (exactly who may get a read link), that every answer is in the audit log before it leaves,
 * that only the request's own files in the version of record are shown, and what a reviewer sees of
 * tables, text, archives, images and binaries, page by page.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { HttpResponseInit } from '@azure/functions';
import { AirlockFile, AirlockRequest } from '../../../src/domain/request';
import { RequestStatus } from '../../../src/domain/status';
import { MAX_RAW_PREVIEW_BYTES, previewFile } from '../../../src/functions/http/previewFile';
import { auditOfChange } from '../../../src/domain/auditOfChange';
import { REQUEST_UPDATED_EVENT } from '../../../src/functions/lifecycleNames';
import { containerFor, reviewedCopyFor } from '../../../src/infra/stageStorage';
import {
  httpRequest,
  inMemoryAirlockForEachTest,
  invocationContext,
  Person,
  storedRequest,
  TEST_TIME,
  TEST_WORKSPACE,
} from '../../support/inMemoryDependencies';
import { buildZip } from '../../support/zipFixture';

const REQUEST_ID = '11111111-1111-4111-8111-111111111111';
const COHORT = 'id,age\n1,40\n2,51\n';
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64, 7)]);

const session = inMemoryAirlockForEachTest();

const sha256 = (content: string | Buffer) => createHash('sha256').update(content).digest('hex');

/**
 * A request in `status` with `files` uploaded where its files are; outside the draft stage they are
 * also its files of record, with their hashes and the versions uploaded.
 */
async function requestWith(status: RequestStatus, files: Record<string, string | Buffer>): Promise<AirlockRequest> {
  const request = await storedRequest(session.airlock.store, { status, id: REQUEST_ID });
  const ref = containerFor(request, request.filesAt!);
  const recorded: AirlockFile[] = Object.entries(files).map(([name, content]) => {
    const etag = session.airlock.storage.upload(ref, name, content);
    return { name, size: Buffer.byteLength(content), sha256: sha256(content), etag };
  });
  if (request.filesAt!.stage === 'draft') return request;
  return session.airlock.store.changeBehindTheHandler(TEST_WORKSPACE, REQUEST_ID, (stored) => ({ ...stored, files: recorded }));
}

function preview(person: Person, query: string): Promise<HttpResponseInit> {
  return previewFile(
    httpRequest({
      path: `workspaces/${TEST_WORKSPACE}/requests/${REQUEST_ID}/preview?${query}`,
      params: { workspaceId: TEST_WORKSPACE, requestId: REQUEST_ID },
      authorization: session.tokens[person],
    }),
    session.airlock.durable.asClient(),
    invocationContext('previewFile'),
  );
}

const file = (name: string) => `file=${encodeURIComponent(name)}`;
/** The JSON answer, read as a client reads it: every kind's part may be there. */
interface Answer {
  file: unknown;
  kind: string;
  table: { header: string[]; rows: string[][]; nextCursor: number | null };
  text: { text: string; format: string; nextCursor: number | null };
  archive: { entries: { name: string }[]; truncated: boolean };
}
const bodyOf = (response: HttpResponseInit) => response.jsonBody as Answer;
const detailOf = (response: HttpResponseInit) => (response.jsonBody as { detail: string }).detail;
const audit = () => session.airlock.store.listAudit(TEST_WORKSPACE, REQUEST_ID);
const previewsAudited = async () => (await audit()).filter((entry) => entry.action === 'file.previewed');

async function bytesOf(body: unknown): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body as AsyncIterable<Buffer>) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

describe('who may preview: exactly who may get a read link for the status', () => {
  test.each<[RequestStatus, Person, string]>([
    ['draft', 'rita', 'draft'],
    ['in_review', 'mia', 'in_progress'],
    ['in_review', 'olga', 'in_progress'],
    ['approved', 'rita', 'approved'],
    ['approved', 'olga', 'approved'],
  ])('a %s request: %s sees the file from the %s stage', async (status, person, stage) => {
    await requestWith(status, { 'cohort.csv': COHORT });

    const response = await preview(person, file('cohort.csv'));

    expect(response.status).toBe(200);
    expect(bodyOf(response)).toMatchObject({ stage, cycle: 1, kind: 'table', table: { header: ['id', 'age'], rows: [['1', '40'], ['2', '51']] } });
    expect(await previewsAudited()).toHaveLength(1);
  });

  test.each<[RequestStatus, Person, number, RegExp]>([
    ['draft', 'mia', 403, /Only the requester/],
    ['draft', 'olga', 403, /Only the requester/],
    ['draft', 'sam', 404, /does not exist/],
    ['in_review', 'rita', 403, /Only an Airlock Manager or a Workspace Owner/],
    ['in_review', 'nobody', 404, /does not exist/],
    ['approved', 'mia', 403, /Only the requester or a Workspace Owner/],
    ['submitted', 'rita', 400, /being processed/],
    ['cancelled', 'rita', 400, /cancelled/],
    ['blocked_by_scan', 'olga', 400, /blocked_by_scan/],
  ])('a %s request: %s is refused (%i) and nothing is audited', async (status, person, code, says) => {
    await requestWith(status, { 'cohort.csv': COHORT });

    const response = await preview(person, file('cohort.csv'));

    expect(response.status).toBe(code);
    expect(detailOf(response)).toMatch(says);
    expect(await previewsAudited()).toEqual([]);
  });

  test('another workspace\'s token is not let in', async () => {
    await requestWith('in_review', { 'cohort.csv': COHORT });
    session.tokens.mia = session.airlock.identity.signIn('mia-elsewhere', { id: 'user-mia', name: 'Mia Manager', roles: ['AirlockManager'], workspaceId: 'ws02' });

    expect((await preview('mia', file('cohort.csv'))).status).toBe(401);
    expect(await previewsAudited()).toEqual([]);
  });
});

describe('the audit log', () => {
  test('says who saw which file, which version, from where and which page, and the workflow hears of it', async () => {
    await requestWith('in_review', { 'cohort.csv': COHORT });

    const response = await preview('mia', `${file('cohort.csv')}&rows=1`);
    await preview('mia', `${file('cohort.csv')}&cursor=${bodyOf(response).table.nextCursor}`);

    expect(await previewsAudited()).toEqual([
      expect.objectContaining({
        action: 'file.previewed',
        actor: { id: 'user-mia', name: 'Mia Manager' },
        time: TEST_TIME.getTime() / 1000,
        files: [{ name: 'cohort.csv', sha256: sha256(COHORT) }],
        detail: { cycle: 1, stage: 'in_progress', view: 'auto', cursor: 0 },
      }),
      expect.objectContaining({ detail: { cycle: 1, stage: 'in_progress', view: 'auto', cursor: 12 } }),
    ]);
    const stored = await session.airlock.store.get(TEST_WORKSPACE, REQUEST_ID);
    expect(stored?.auditHead?.seq).toBe((await audit()).length);
    expect(session.airlock.durable.raised).toEqual([
      { instanceId: REQUEST_ID, eventName: REQUEST_UPDATED_EVENT, eventData: { filePreviewed: true } },
      { instanceId: REQUEST_ID, eventName: REQUEST_UPDATED_EVENT, eventData: { filePreviewed: true } },
    ]);
  });

  test('the answer names the file with its recorded hash, as the entry does', async () => {
    await requestWith('approved', { 'cohort.csv': COHORT });

    const response = await preview('rita', file('cohort.csv'));

    expect(bodyOf(response).file).toEqual({ name: 'cohort.csv', size: COHORT.length, sha256: sha256(COHORT) });
  });

  test('a draft file is not hashed yet: the answer and the entry name it without a hash', async () => {
    await requestWith('draft', { 'cohort.csv': COHORT });

    const response = await preview('rita', file('cohort.csv'));

    expect(bodyOf(response).file).toEqual({ name: 'cohort.csv', size: COHORT.length });
    expect((await previewsAudited())[0].files).toEqual([{ name: 'cohort.csv' }]);
  });

  test('no entry, no answer: when the entry cannot be written, nothing is shown', async () => {
    await requestWith('in_review', { 'plot.png': PNG });
    // Another writer gets in between every read and write of the handler, so its write never lands.
    session.airlock.store.afterGet = (workspaceId, id) => session.airlock.store.changeBehindTheHandler(workspaceId, id, (request) => request);

    const response = await preview('mia', `${file('plot.png')}&view=raw`);

    expect(response.status).toBe(409);
    expect(response.body).toBeUndefined();
    session.airlock.store.afterGet = undefined;
    expect(await previewsAudited()).toEqual([]);
  });

  /** After the handler's first read of the request: its review ends and its files move to the approved stage. */
  function approvedBehindTheHandler(): void {
    let moved = false;
    session.airlock.store.afterGet = (workspaceId, id) => {
      if (moved) return;
      moved = true;
      session.airlock.store.changeBehindTheHandler(workspaceId, id, (request) => ({ ...request, status: 'approved', filesAt: { stage: 'approved', cycle: 1 } }));
    };
  }

  test('the status changing between the read and the entry: judged again, refused, nothing recorded', async () => {
    await requestWith('in_review', { 'cohort.csv': COHORT });
    approvedBehindTheHandler();

    const response = await preview('mia', file('cohort.csv'));

    expect(response.status).toBe(403);
    expect(detailOf(response)).toMatch(/Only the requester or a Workspace Owner/);
    expect(await previewsAudited()).toEqual([]);
  });

  test('the files moving on between the read and the entry: refused even to someone who may read them there, nothing recorded', async () => {
    await requestWith('in_review', { 'cohort.csv': COHORT });
    approvedBehindTheHandler();

    const response = await preview('olga', file('cohort.csv'));

    expect(response.status).toBe(400);
    expect(detailOf(response)).toBe("Airlock request's files moved to the approved stage while 'cohort.csv' was being read, please try again");
    expect(await previewsAudited()).toEqual([]);
  });
});

describe('which files', () => {
  test('a file that is not there is 404, and nothing is audited', async () => {
    await requestWith('in_review', { 'cohort.csv': COHORT });

    const response = await preview('mia', file('missing.csv'));

    expect(response.status).toBe(404);
    expect(detailOf(response)).toBe(`'missing.csv' is not among the files of airlock request '${REQUEST_ID}' in its in_progress stage`);
    expect(await previewsAudited()).toEqual([]);
  });

  test('in review, a blob in the container that is not one of the files of record is not shown', async () => {
    const request = await requestWith('in_review', { 'cohort.csv': COHORT });
    session.airlock.storage.upload(containerFor(request, request.filesAt!), 'extra.csv', 'x\n1\n');

    const response = await preview('mia', file('extra.csv'));

    expect(response.status).toBe(404);
    expect(detailOf(response)).toMatch(/'extra\.csv' is not one of the files recorded/);
  });

  test('a file of record replaced in storage is not shown as if it were the recorded one (409)', async () => {
    const request = await requestWith('in_review', { 'cohort.csv': COHORT });
    session.airlock.storage.upload(containerFor(request, request.filesAt!), 'cohort.csv', 'id,age\n9,99\n');

    const response = await preview('mia', file('cohort.csv'));

    expect(response.status).toBe(409);
    expect(detailOf(response)).toMatch(/not the version recorded/);
    expect(await previewsAudited()).toEqual([]);
  });

  test('a draft shows what the requester uploaded last', async () => {
    const request = await requestWith('draft', { 'cohort.csv': COHORT });
    session.airlock.storage.upload(containerFor(request, request.filesAt!), 'cohort.csv', 'id,age\n9,99\n');

    expect(bodyOf(await preview('rita', file('cohort.csv'))).table.rows).toEqual([['9', '99']]);
  });

  test.each(['../x', '../00000000-0000-4000-8000-000000000000-1/cohort.csv', 'a/./b', '/cohort.csv'])(
    "the name '%s' is refused as a name no file has (422), nothing read or audited",
    async (name) => {
      await requestWith('in_review', { 'cohort.csv': COHORT });

      const response = await preview('mia', file(name));

      expect(response.status).toBe(422);
      expect(detailOf(response)).toMatch(/^query\.file names no file of a request/);
      expect(await previewsAudited()).toEqual([]);
    },
  );

  test('a name is matched exactly: neither letter case nor a folder prefix finds another file', async () => {
    await requestWith('in_review', { 'out/Cohort.csv': COHORT });

    expect((await preview('mia', file('out/cohort.csv'))).status).toBe(404);
    expect((await preview('mia', file('Cohort.csv'))).status).toBe(404);
    expect((await preview('mia', file('out/Cohort.csv'))).status).toBe(200);
  });

  test('cycle: the current one is accepted; another has no reviewed copy here (404)', async () => {
    await requestWith('in_review', { 'cohort.csv': COHORT });

    expect((await preview('mia', `${file('cohort.csv')}&cycle=1`)).status).toBe(200);
    const other = await preview('mia', `${file('cohort.csv')}&cycle=2`);
    expect(other.status).toBe(404);
    expect(detailOf(other)).toMatch(/no reviewed copy of cycle 2/);
  });

  describe('the submission last returned for changes (its reviewed copy)', () => {
    const EARLIER = 'id,age\n1,40\n';

    /** In review at cycle 2, after cycle 1 (cohort.csv = EARLIER) was returned for changes, as the review's audit entry records. */
    async function resubmitted(): Promise<AirlockRequest> {
      const first = await requestWith('in_review', { 'cohort.csv': EARLIER });
      const reviewed = {
        ...first,
        status: 'changes_requested' as const,
        reviews: [{ id: 'r1', cycle: 1, reviewer: { id: 'user-mia', name: 'Mia Manager' }, dateCreated: first.updatedWhen + 1, reviewDecision: 'changes_requested' as const, decisionExplanation: 'round ages' }],
      };
      await session.airlock.store.replace(reviewed, auditOfChange(first, reviewed));
      session.airlock.storage.upload(reviewedCopyFor(first, 1), 'cohort.csv', EARLIER);
      const now = (await session.airlock.store.get(TEST_WORKSPACE, REQUEST_ID))!;
      const etag = session.airlock.storage.upload(containerFor(now, { stage: 'in_progress', cycle: 2 }), 'cohort.csv', COHORT);
      return session.airlock.store.changeBehindTheHandler(TEST_WORKSPACE, REQUEST_ID, (stored) => ({
        ...stored,
        status: 'in_review',
        reviewCycle: 2,
        filesAt: { stage: 'in_progress', cycle: 2 },
        files: [{ name: 'cohort.csv', size: COHORT.length, sha256: sha256(COHORT), etag }],
      }));
    }

    test('a manager reviewing the next submission previews the earlier one, and the audit entry names the reviewed copy', async () => {
      await resubmitted();

      const earlier = await preview('mia', `${file('cohort.csv')}&cycle=1`);
      const now = await preview('mia', file('cohort.csv'));

      expect(earlier.status).toBe(200);
      expect(earlier.jsonBody).toMatchObject({ cycle: 1, stage: 'reviewed copy', file: { sha256: sha256(EARLIER) }, table: { rows: [['1', '40']] } });
      expect(now.jsonBody).toMatchObject({ cycle: 2, stage: 'in_progress', table: { rows: [['1', '40'], ['2', '51']] } });
      expect((await previewsAudited()).map((entry) => entry.detail)).toEqual([
        { cycle: 1, stage: 'reviewed copy', view: 'auto', cursor: 0 },
        { cycle: 2, stage: 'in_progress', view: 'auto', cursor: 0 },
      ]);
    });

    test('once the copy is gone, or for a file that review did not see, the answer is 404', async () => {
      const request = await resubmitted();
      session.airlock.storage.upload(reviewedCopyFor(request, 1), 'extra.csv', 'a\n');

      expect((await preview('mia', `${file('extra.csv')}&cycle=1`)).status).toBe(404);
      await session.airlock.storage.deleteContainer(reviewedCopyFor(request, 1));
      expect((await preview('mia', `${file('cohort.csv')}&cycle=1`)).status).toBe(404);
      expect(await previewsAudited()).toEqual([]);
    });
  });

  test('raw: an image larger than the host can hold in one answer is refused with the limit, and nothing is audited', async () => {
    const huge = Buffer.concat([PNG, Buffer.alloc(MAX_RAW_PREVIEW_BYTES)]);
    await requestWith('in_review', { 'scan.png': huge });

    const response = await preview('mia', `${file('scan.png')}&view=raw`);

    expect(response.status).toBe(400);
    expect(detailOf(response)).toMatch(/up to 64 MiB/);
    expect(await previewsAudited()).toEqual([]);
  });
});

describe('bad input', () => {
  test.each([
    ['', 422, /query\.file is required/],
    [`${file('cohort.csv')}&rows=0`, 422, /query\.rows must be a whole number/],
    [`${file('cohort.csv')}&rows=501`, 422, /query\.rows/],
    [`${file('cohort.csv')}&cursor=-5`, 422, /query\.cursor must be a whole number/],
    [`${file('cohort.csv')}&cursor=${COHORT.length}`, 422, /beyond the end of 'cohort\.csv'/],
    [`${file('cohort.csv')}&cursor=3`, 422, /inside the header row/],
    [`${file('cohort.csv')}&view=html`, 422, /query\.view must be one of: auto, raw/],
    [`${file('cohort.csv')}&view=raw`, 400, /view=raw serves images and PDFs only; 'cohort\.csv' is shown as table/],
    [`${file('plot.png')}&view=raw&cursor=8`, 422, /view=raw serves the whole file/],
    [`${file('plot.png')}&cursor=8`, 422, /shown as image, whole/],
    [`${file('cohort.csv')}&compare=previous`, 422, /query\.compare is not a known parameter/],
  ])('%s → %i', async (query, code, says) => {
    await requestWith('in_review', { 'cohort.csv': COHORT, 'plot.png': PNG });

    const response = await preview('mia', query);

    expect(response.status).toBe(code);
    expect(detailOf(response)).toMatch(says);
    expect(await previewsAudited()).toEqual([]);
  });
});

describe('what is shown', () => {
  test('a 2,500-row CSV paged through gives every row exactly once, each page with the header', async () => {
    const lines = Array.from({ length: 2500 }, (_, index) => `${index + 1},"note ${index + 1}, with a comma","line\nbreak ""${index + 1}"""`);
    const csv = `id,note,quoted\r\n${lines.join('\r\n')}\r\n`;
    await requestWith('in_review', { 'big.csv': csv });

    const seen: string[][] = [];
    const cursors: number[] = [];
    let cursor: number | null = 0;
    while (cursor !== null) {
      const response = await preview('mia', `${file('big.csv')}&rows=300&cursor=${cursor}`);
      expect(response.status).toBe(200);
      const { table } = bodyOf(response);
      expect(table.header).toEqual(['id', 'note', 'quoted']);
      expect(table.rows.length).toBeLessThanOrEqual(300);
      cursors.push(cursor);
      seen.push(...table.rows);
      cursor = table.nextCursor;
    }

    expect(seen.map((row) => row[0])).toEqual(Array.from({ length: 2500 }, (_, index) => String(index + 1)));
    expect(seen[41]).toEqual(['42', 'note 42, with a comma', 'line\nbreak "42"']);
    expect(cursors).toHaveLength(Math.ceil(2500 / 300));
    expect((await previewsAudited()).map((entry) => entry.detail?.cursor)).toEqual(cursors);
  });

  test('rows defaults to 100 per page', async () => {
    const csv = `n\n${Array.from({ length: 150 }, (_, index) => index).join('\n')}\n`;
    await requestWith('in_review', { 'n.csv': csv });

    const first = bodyOf(await preview('mia', file('n.csv')));
    expect(first.table.rows).toHaveLength(100);
    expect(first.table.nextCursor).toBe(Buffer.byteLength(`n\n${Array.from({ length: 100 }, (_, index) => index).join('\n')}\n`));
  });

  test('a TSV is a table delimited by tabs', async () => {
    await requestWith('in_review', { 'cohort.tsv': 'id\tnote\n1\ta, b\n' });

    expect(bodyOf(await preview('mia', file('cohort.tsv'))).table).toEqual({ delimiter: '\t', header: ['id', 'note'], rows: [['1', 'a, b']], cursor: 0, nextCursor: null });
  });

  test('JSON is text in JSON format, and long text comes in pages that join up', async () => {
    const json = JSON.stringify({ rows: Array.from({ length: 20_000 }, (_, index) => ({ index, city: 'Zürich' })) });
    await requestWith('in_review', { 'result.json': json });

    const texts: string[] = [];
    let cursor: number | null = 0;
    while (cursor !== null) {
      const { kind, text } = bodyOf(await preview('mia', `${file('result.json')}&cursor=${cursor}`));
      expect(kind).toBe('text');
      expect(text.format).toBe('json');
      texts.push(text.text);
      cursor = text.nextCursor;
    }
    expect(texts.length).toBeGreaterThan(1);
    expect(texts.join('')).toBe(json);
  });

  test('an SVG is text, never an image, and is never served raw', async () => {
    const svg = '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>';
    await requestWith('in_review', { 'chart.svg': svg });

    expect(bodyOf(await preview('mia', file('chart.svg')))).toMatchObject({ kind: 'text', text: { text: svg, format: 'text' } });
    expect((await preview('mia', `${file('chart.svg')}&view=raw`)).status).toBe(400);
  });

  test('an executable renamed .png is binary, says why, and is not served raw', async () => {
    const pe = Buffer.alloc(0x100);
    pe.write('MZ', 0, 'latin1');
    pe.writeUInt32LE(0x80, 0x3c);
    pe.write('PE\0\0', 0x80, 'latin1');
    await requestWith('draft', { 'holiday.png': pe });

    expect(bodyOf(await preview('rita', file('holiday.png')))).toMatchObject({ kind: 'binary', binary: { reason: expect.stringContaining('executable') } });
    expect((await preview('rita', `${file('holiday.png')}&view=raw`)).status).toBe(400);
  });

  test('an archive lists its entries with sizes and folders', async () => {
    const zip = buildZip([
      { name: 'results/', content: '', method: 'stored' },
      { name: 'results/table.csv', content: 'a,b\n'.repeat(100) },
      { name: 'README.txt', content: 'hello', method: 'stored' },
    ]);
    await requestWith('in_review', { 'results.zip': zip });

    expect(bodyOf(await preview('mia', file('results.zip')))).toMatchObject({
      kind: 'archive',
      archive: {
        entries: [
          { name: 'results/', size: 0, compressedSize: 0, directory: true },
          { name: 'results/table.csv', size: 400, compressedSize: expect.any(Number), directory: false },
          { name: 'README.txt', size: 5, compressedSize: 5, directory: false },
        ],
        truncated: false,
      },
    });
  });

  test('an archive of more than 1,000 entries lists the first 1,000 and says there are more', async () => {
    const zip = buildZip(Array.from({ length: 1005 }, (_, index) => ({ name: `f${index}.txt`, content: 'x', method: 'stored' as const })));
    await requestWith('in_review', { 'many.zip': zip });

    const { archive } = bodyOf(await preview('mia', file('many.zip')));
    expect(archive.entries).toHaveLength(1000);
    expect(archive.entries[999].name).toBe('f999.txt');
    expect(archive.truncated).toBe(true);
  });

  test('a file that starts like a zip but is not one is binary, with the reason', async () => {
    await requestWith('in_review', { 'broken.zip': Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(100)]) });

    expect(bodyOf(await preview('mia', file('broken.zip')))).toMatchObject({ kind: 'binary', binary: { reason: expect.stringMatching(/^the file starts as a zip but cannot be read as one: /) } });
  });

  test('an image in JSON names its type; raw serves its bytes with headers that keep the browser from running or sniffing anything', async () => {
    await requestWith('in_review', { 'plots/Zürich (1).png': PNG });

    expect(bodyOf(await preview('mia', file('plots/Zürich (1).png')))).toMatchObject({ kind: 'image', image: { contentType: 'image/png' } });
    const raw = await preview('mia', `${file('plots/Zürich (1).png')}&view=raw`);

    expect(raw.status).toBe(200);
    expect(raw.headers).toEqual({
      'content-type': 'image/png',
      'content-disposition': "inline; filename*=UTF-8''Z%C3%BCrich%20%281%29.png",
      'x-content-type-options': 'nosniff',
      'cache-control': 'no-store',
      'content-security-policy': "sandbox; default-src 'none'",
    });
    expect(raw.body).toBeInstanceOf(Readable); // streamed from storage, not buffered by the handler
    expect((await bytesOf(raw.body)).equals(PNG)).toBe(true);
    expect((await previewsAudited()).map((entry) => entry.detail)).toEqual([
      { cycle: 1, stage: 'in_progress', view: 'auto', cursor: 0 },
      { cycle: 1, stage: 'in_progress', view: 'raw', cursor: 0 },
    ]);
  });

  test('a PDF is served raw as application/pdf', async () => {
    const pdf = '%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\nstartxref\n9\n%%EOF\n';
    await requestWith('approved', { 'paper.pdf': pdf });

    expect(bodyOf(await preview('rita', file('paper.pdf')))).toMatchObject({ kind: 'pdf', pdf: { contentType: 'application/pdf' } });
    const raw = await preview('rita', `${file('paper.pdf')}&view=raw`);
    expect(raw.headers).toMatchObject({ 'content-type': 'application/pdf' });
    expect((await bytesOf(raw.body)).toString()).toBe(pdf);
  });
});
