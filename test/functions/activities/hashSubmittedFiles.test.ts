import { createHash, randomBytes } from 'node:crypto';
import { BlobClient } from '@azure/storage-blob';
import { InvariantError, SubmissionChangedError } from '../../../src/domain/errors';
import { AirlockFile, AirlockRequest } from '../../../src/domain/request';
import { AIRLOCK_SYSTEM } from '../../../src/domain/roles';
import { FIRST_DRAFT } from '../../../src/domain/stages';
import { HashedVersions, hashSubmittedFiles } from '../../../src/functions/activities/hashSubmittedFiles';
import { containerFor } from '../../../src/infra/stageStorage';
import { MalwareScanner } from '../../../src/infra/scanning/malwareScanner';
import {
  activityContext,
  createStoredRequest,
  lifecycleInputOf,
  recordSubmission,
  startTestDependencies,
  TestDependencies,
} from '../../support/azuriteDependencies';

let env: TestDependencies;

beforeAll(async () => {
  env = await startTestDependencies();
});

afterAll(async () => {
  await env?.close();
});

function hashFiles(request: AirlockRequest): Promise<HashedVersions> {
  return hashSubmittedFiles(lifecycleInputOf(request), activityContext('hashSubmittedFiles'));
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function byName(files: readonly AirlockFile[]): AirlockFile[] {
  return [...files].sort((a, b) => a.name.localeCompare(b.name));
}

async function stored(request: AirlockRequest): Promise<AirlockRequest | undefined> {
  return env.deps.store.get(request.workspaceId, request.id);
}

/** Uploads to the request's draft container; returns name → etag of what was uploaded. */
async function uploadToDraft(request: AirlockRequest, files: Record<string, Buffer>): Promise<Record<string, string>> {
  const etags: Record<string, string> = {};
  for (const [name, bytes] of Object.entries(files)) etags[name] = await env.upload(containerFor(request, FIRST_DRAFT), name, bytes);
  return etags;
}

const submittedFiles = (): Record<string, Buffer> => ({
  'cohort.csv': Buffer.from('patient,age\n1,42\n2,57\n'),
  'empty.txt': Buffer.alloc(0),
  'imaging.bin': randomBytes(5 * 1024 * 1024),
});

/** A request whose draft holds `files`, submitted (the submit handler recorded names and versions). */
async function submittedWith(files: Record<string, Buffer>): Promise<{ request: AirlockRequest; etags: Record<string, string> }> {
  const created = await createStoredRequest(env.deps, { status: 'submitted' });
  const etags = await uploadToDraft(created, files);
  return { request: await recordSubmission(env.deps, created), etags };
}

describe('hashSubmittedFiles', () => {
  test('records the name, size, SHA-256, version and block digests of every submitted file on the request, reading each file once', async () => {
    const files = submittedFiles();
    const { request, etags } = await submittedWith(files);
    const downloads = jest.spyOn(BlobClient.prototype, 'download');

    await hashFiles(request);

    expect(downloads).toHaveBeenCalledTimes(Object.keys(files).length);
    downloads.mockRestore();
    const after = await stored(request);
    expect(byName(after!.files)).toEqual(
      Object.entries(files).map(([name, bytes]) => ({
        name,
        size: bytes.length,
        sha256: sha256(bytes),
        etag: etags[name],
        // Files up to 256 MiB are copied in one call, checked against the MD5 of all of it.
        blocks: { blockBytes: Math.max(bytes.length, 1), md5: createHash('md5').update(bytes).digest('base64') },
      })),
    );
    expect(after).toMatchObject({ status: 'submitted', updatedBy: AIRLOCK_SYSTEM, resourceVersion: request.resourceVersion + 1 });
    expect(after!.history).toEqual(request.history);
  });

  test('returns the etag of each version it hashed, so the move can insist on exactly those bytes', async () => {
    const { request, etags } = await submittedWith(submittedFiles());

    await expect(hashFiles(request)).resolves.toEqual(etags);
  });

  test('a file uploaded after submit is not part of the request: not hashed, not recorded', async () => {
    const { request } = await submittedWith({ 'cohort.csv': Buffer.from('a,b\n') });
    await uploadToDraft(request, { 'late.csv': Buffer.from('uploaded after submit\n') });

    await expect(hashFiles(request)).resolves.toEqual({ 'cohort.csv': request.files[0].etag });

    expect((await stored(request))!.files.map((file) => file.name)).toEqual(['cohort.csv']);
  });

  test('a file replaced after submit stops the request: the submission is no longer what was submitted', async () => {
    const { request } = await submittedWith(submittedFiles());
    await uploadToDraft(request, { 'cohort.csv': Buffer.from('patient,age\n1,42\n2,57\n3,99\n') });

    const attempt = hashFiles(request);

    await expect(attempt).rejects.toThrow(SubmissionChangedError);
    await expect(attempt).rejects.toThrow("file 'cohort.csv' was changed or deleted after the request was submitted");
    expect(await stored(request)).toEqual(request);
  });

  test('a file deleted after submit stops the request, naming it', async () => {
    const { request } = await submittedWith(submittedFiles());
    await env.deps.storage.deleteFile(containerFor(request, FIRST_DRAFT), 'empty.txt');

    await expect(hashFiles(request)).rejects.toThrow("file 'empty.txt' was changed or deleted after the request was submitted");
  });

  test('running it again after it finished returns the recorded versions without reading the files', async () => {
    const { request, etags } = await submittedWith(submittedFiles());
    await hashFiles(request);
    await env.deps.storage.deleteContainer(containerFor(request, FIRST_DRAFT));

    await expect(hashFiles(request)).resolves.toEqual(etags);
  });

  test('refuses a request that is no longer submitted, and leaves it as stored', async () => {
    const request = await createStoredRequest(env.deps, { status: 'in_review' });

    const attempt = hashFiles(request);

    await expect(attempt).rejects.toThrow(InvariantError);
    await expect(attempt).rejects.toThrow(/submitted request; this one is 'in_review'/);
    expect(await stored(request)).toEqual(request);
  });

  describe('with a scanner that reads the bytes itself (clamd)', () => {
    /** A scanner fed by the read that hashes: it keeps what it was given and calls a file named virus.* malicious. */
    function feedScanner() {
      const fed = new Map<string, Buffer[]>();
      const scanner: MalwareScanner = {
        engine: 'clamav',
        description: 'a scanner fed by the hashing read',
        scanFiles: async () => {
          throw new Error('the files were scanned while they were hashed; no second read is due');
        },
        ping: async () => undefined,
        scanWhileReading: (name) => {
          fed.set(name, []);
          return {
            tee: async (bytes) => void fed.get(name)!.push(Buffer.from(bytes)),
            verdict: async (read) => ({
              name,
              sha256: read && createHash('sha256').update(Buffer.concat(fed.get(name)!)).digest('hex') === read.sha256 ? read.sha256 : 'not what was hashed',
              verdict: name.startsWith('virus') ? 'malicious' : 'clean',
              engine: 'clamav',
              details: name.startsWith('virus') ? 'Malicious: Test-Signature' : 'No threats found',
              etag: read?.etag,
            }),
          };
        },
      };
      return { scanner, fed };
    }

    test('the same read feeds the scanner every byte, and its verdicts are recorded with the hashes', async () => {
      const files = { ...submittedFiles(), 'virus.txt': Buffer.from('pretend this is EICAR\n') };
      const { request } = await submittedWith(files);
      const { scanner, fed } = feedScanner();
      const original = env.deps.scanner;
      env.deps.scanner = scanner;
      const downloads = jest.spyOn(BlobClient.prototype, 'download');
      try {
        await hashFiles(request);
      } finally {
        env.deps.scanner = original;
      }

      expect(downloads).toHaveBeenCalledTimes(Object.keys(files).length);
      downloads.mockRestore();
      for (const [name, bytes] of Object.entries(files)) expect(Buffer.concat(fed.get(name)!).equals(bytes)).toBe(true);
      const after = await stored(request);
      expect(after!.scanReport!.map(({ name, sha256, verdict }) => ({ name, sha256, verdict })).sort((a, b) => a.name.localeCompare(b.name))).toEqual(
        Object.entries(files)
          .map(([name, bytes]) => ({ name, sha256: sha256(bytes), verdict: name.startsWith('virus') ? 'malicious' : 'clean' }))
          .sort((a, b) => a.name.localeCompare(b.name)),
      );
    });
  });
});

