import { createHash, randomBytes } from 'node:crypto';
import { IllegalTransitionError, ValidationError } from '../../../src/domain/errors';
import { AirlockFile, AirlockRequest } from '../../../src/domain/request';
import { AIRLOCK_SYSTEM } from '../../../src/domain/roles';
import { HashedVersions, hashSubmittedFiles } from '../../../src/functions/activities/hashSubmittedFiles';
import { containerFor } from '../../../src/infra/stageStorage';
import {
  activityContext,
  createStoredRequest,
  lifecycleInputOf,
  startTestDependencies,
  TestDependencies,
} from '../../support/azuriteDependencies';

/** The workspace allows three files per request, so the limit is reachable with few uploads. */
const MAX_FILES = 3;

let env: TestDependencies;

beforeAll(async () => {
  env = await startTestDependencies({ maxFiles: MAX_FILES });
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
  for (const [name, bytes] of Object.entries(files)) etags[name] = await env.upload(containerFor(request, 'draft'), name, bytes);
  return etags;
}

const submittedFiles = (): Record<string, Buffer> => ({
  'cohort.csv': Buffer.from('patient,age\n1,42\n2,57\n'),
  'empty.txt': Buffer.alloc(0),
  'imaging.bin': randomBytes(5 * 1024 * 1024),
});

describe('hashSubmittedFiles', () => {
  test('records the name, size and SHA-256 of every draft file on the submitted request', async () => {
    const request = await createStoredRequest(env.deps, { status: 'submitted' });
    const files = submittedFiles();
    await uploadToDraft(request, files);

    await hashFiles(request);

    const after = await stored(request);
    expect(byName(after!.files)).toEqual(
      Object.entries(files).map(([name, bytes]) => ({ name, size: bytes.length, sha256: sha256(bytes) })),
    );
    expect(after).toMatchObject({ status: 'submitted', updatedBy: AIRLOCK_SYSTEM, resourceVersion: request.resourceVersion + 1 });
    expect(after!.history).toEqual(request.history);
  });

  test('returns the etag of each version it hashed, so the move can insist on exactly those bytes', async () => {
    const request = await createStoredRequest(env.deps, { status: 'submitted' });
    const etags = await uploadToDraft(request, submittedFiles());

    await expect(hashFiles(request)).resolves.toEqual(etags);
  });

  test('accepts a request with exactly as many files as the workspace allows', async () => {
    const request = await createStoredRequest(env.deps, { status: 'submitted' });
    const files = Object.fromEntries(Array.from({ length: MAX_FILES }, (_, i) => [`part-${i}.csv`, Buffer.from(`part ${i}\n`)]));
    await uploadToDraft(request, files);

    await hashFiles(request);

    expect((await stored(request))!.files.map((file) => file.name).sort()).toEqual(Object.keys(files).sort());
  });

  test('refuses to record files on a request that is no longer submitted, and leaves it as stored', async () => {
    const request = await createStoredRequest(env.deps, { status: 'in_review' });
    await uploadToDraft(request, { 'cohort.csv': Buffer.from('late upload\n') });

    const attempt = hashFiles(request);

    await expect(attempt).rejects.toThrow(IllegalTransitionError);
    await expect(attempt).rejects.toThrow(/submitted request; this one is 'in_review'/);
    expect(await stored(request)).toEqual(request);
  });

  test('a submitted request whose draft container is empty fails with "Request has no files"', async () => {
    const request = await createStoredRequest(env.deps, { status: 'submitted' });
    await env.deps.storage.ensureContainer(containerFor(request, 'draft'));

    const attempt = hashFiles(request);

    await expect(attempt).rejects.toThrow(ValidationError);
    await expect(attempt).rejects.toThrow(/^Request has no files/);
    expect(await stored(request)).toEqual(request);
  });

  test('more files than the workspace allows fails naming the limit, and records nothing', async () => {
    const request = await createStoredRequest(env.deps, { status: 'submitted' });
    const files = Object.fromEntries(Array.from({ length: MAX_FILES + 1 }, (_, i) => [`part-${i}.csv`, Buffer.from(`part ${i}\n`)]));
    await uploadToDraft(request, files);

    const attempt = hashFiles(request);

    await expect(attempt).rejects.toThrow(ValidationError);
    await expect(attempt).rejects.toThrow(`Request has ${MAX_FILES + 1} files; this workspace allows at most ${MAX_FILES} files per request`);
    expect(await stored(request)).toEqual(request);
  });
});
