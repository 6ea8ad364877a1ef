/**
 * ClamAV over clamd, one read per file: a verdict given by the read that hashed a file at submit
 * stands for its in-progress copy of the same SHA-256; anything else is read and scanned again, and a
 * scan cut short alongside the hashing read leaves the file to be scanned on its own.
 */
import { createHash } from 'node:crypto';
import { ClamdScanner, StreamScanResult } from '../../../src/infra/scanning/clamdScanner';
import { ClamavFileScanner } from '../../../src/infra/scanning/clamavFileScanner';
import { ContainerRef } from '../../../src/infra/stageStorage';
import { FileScanResult } from '../../../src/domain/scan';
import { InMemoryStageStorage } from '../../support/inMemoryDependencies';

const sha256 = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');
const NOW = new Date('2026-12-07T10:00:00Z');
const inProgress: ContainerRef = { account: 'stalimip', workspaceId: 'ws01', container: '11111111-1111-4111-8111-111111111111-1' };

/** clamd as the scanner sees it: reads the whole stream, finds EICAR by its name in the bytes, or fails when told to. */
function fakeClamd(behaviour: { fail?: boolean } = {}) {
  const scanned: string[] = [];
  const clamd = {
    async scan(source: NodeJS.ReadableStream): Promise<StreamScanResult> {
      const chunks: Buffer[] = [];
      for await (const chunk of source) chunks.push(Buffer.from(chunk as Buffer));
      if (behaviour.fail) throw new Error('clamd went away');
      const bytes = Buffer.concat(chunks);
      scanned.push(bytes.toString());
      const infected = bytes.includes('EICAR');
      return { infected, signatures: infected ? ['Win.Test.EICAR_HDB-1'] : [], sha256: sha256(bytes), size: bytes.length, reply: '' };
    },
    async ping() {},
  };
  return { clamd: clamd as unknown as ClamdScanner, scanned };
}

async function feed(scanner: ClamavFileScanner, name: string, content: string, etag = '"0x1"'): Promise<FileScanResult | undefined> {
  const alongside = scanner.scanWhileReading(name);
  const bytes = Buffer.from(content);
  for (let offset = 0; offset < bytes.length; offset += 3) await alongside.tee(bytes.subarray(offset, offset + 3));
  return alongside.verdict({ sha256: sha256(bytes), etag });
}

test('a scan fed by the hashing read gives the verdict about exactly the bytes hashed', async () => {
  const { clamd, scanned } = fakeClamd();
  const scanner = new ClamavFileScanner(clamd, new InMemoryStageStorage('test'), () => NOW, 'tcp://clamd');

  const clean = await feed(scanner, 'table.csv', 'a,b\n1,2\n');
  const infected = await feed(scanner, 'eicar.txt', 'X5O!P%@AP EICAR test\n');

  expect(scanned).toEqual(['a,b\n1,2\n', 'X5O!P%@AP EICAR test\n']);
  expect(clean).toMatchObject({ name: 'table.csv', sha256: sha256('a,b\n1,2\n'), verdict: 'clean', engine: 'clamav', etag: '"0x1"' });
  expect(infected).toMatchObject({ name: 'eicar.txt', verdict: 'malicious', details: 'Malicious: Win.Test.EICAR_HDB-1' });
});

test('a scan alongside that clamd cut short gives no verdict, and does not fail the read', async () => {
  const { clamd } = fakeClamd({ fail: true });
  const scanner = new ClamavFileScanner(clamd, new InMemoryStageStorage('test'), () => NOW, 'tcp://clamd');

  await expect(feed(scanner, 'table.csv', 'a,b\n1,2\n')).resolves.toBeUndefined();
});

test("the in-progress copy is not read again when the submit read's verdict is about its SHA-256; any other file is", async () => {
  const storage = new InMemoryStageStorage('test');
  storage.upload(inProgress, 'kept.csv', 'a,b\n');
  storage.upload(inProgress, 'changed.csv', 'c,d\n');
  storage.upload(inProgress, 'unscanned.csv', 'e,f\n');
  const { clamd, scanned } = fakeClamd();
  const scanner = new ClamavFileScanner(clamd, storage, () => NOW, 'tcp://clamd');
  const given = (name: string, content: string): FileScanResult => ({ name, sha256: sha256(content), verdict: 'clean', engine: 'clamav', details: 'No threats found', etag: '"draft"' });

  const results = await scanner.scanFiles(
    inProgress,
    [
      { name: 'kept.csv', size: 4, sha256: sha256('a,b\n') },
      { name: 'changed.csv', size: 4, sha256: sha256('c,d\n') },
      { name: 'unscanned.csv', size: 4, sha256: sha256('e,f\n') },
    ],
    [given('kept.csv', 'a,b\n'), given('changed.csv', 'something else\n'), { ...given('unscanned.csv', 'e,f\n'), verdict: 'pending' }],
  );

  expect(scanned).toEqual(['c,d\n', 'e,f\n']);
  expect(results.map(({ name, verdict, etag }) => ({ name, verdict, etag }))).toEqual([
    { name: 'kept.csv', verdict: 'clean', etag: '"draft"' },
    { name: 'changed.csv', verdict: 'clean', etag: expect.not.stringMatching(/draft/) },
    { name: 'unscanned.csv', verdict: 'clean', etag: expect.not.stringMatching(/draft/) },
  ]);
});
