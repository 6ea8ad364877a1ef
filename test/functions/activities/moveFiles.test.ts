import { createHash, randomBytes } from 'node:crypto';
import { BlobClient } from '@azure/storage-blob';
import { ConflictError, IntegrityError } from '../../../src/domain/errors';
import { AirlockRequest, BlockDigests } from '../../../src/domain/request';
import { FilesLocation, Stage } from '../../../src/domain/stages';
import { HashedVersions, hashSubmittedFiles } from '../../../src/functions/activities/hashSubmittedFiles';
import { moveFiles } from '../../../src/functions/activities/moveFiles';
import { blockDigestsOf, containerFor, reviewedCopyFor } from '../../../src/infra/stageStorage';
import { deleteStageData } from '../../../src/functions/activities/deleteStageData';
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

function sha256(bytes: Buffer | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Every stage of the first submission. */
const at = (stage: Stage): FilesLocation => ({ stage, cycle: 1 });

function move(request: AirlockRequest, from: Stage, to: Stage, versions?: HashedVersions): Promise<{ moved: number }> {
  return moveFiles({ request: lifecycleInputOf(request), from: at(from), to: at(to), versions }, activityContext('moveFiles'));
}

async function namesIn(request: AirlockRequest, stage: Stage): Promise<string[]> {
  return (await env.deps.storage.listFiles(containerFor(request, at(stage)))).map((file) => file.name).sort();
}

const researcherFiles = (): Record<string, Buffer> => ({
  'cohort.csv': Buffer.from('patient,age\n1,42\n2,57\n'),
  'empty.txt': Buffer.alloc(0),
  'imaging.bin': randomBytes(256 * 1024),
});

/** The MD5 of each `blockBytes` block of `bytes`, as hashFile records them for a file copied block by block. */
function digestsOf(bytes: Buffer, blockBytes: number): BlockDigests {
  const md5s: Buffer[] = [];
  for (let offset = 0; offset < bytes.length || md5s.length === 0; offset += blockBytes) {
    md5s.push(createHash('md5').update(bytes.subarray(offset, offset + blockBytes)).digest());
  }
  return blockDigestsOf(blockBytes, md5s);
}

/**
 * A submitted request whose files are recorded as hashSubmittedFiles records them, with the block
 * digests given here for the named files (their own whole-file MD5 otherwise).
 */
async function recordedWith(files: Record<string, Buffer>, blocks: Record<string, BlockDigests>): Promise<{ request: AirlockRequest }> {
  const created = await createStoredRequest(env.deps, { status: 'submitted' });
  for (const [name, bytes] of Object.entries(files)) await env.upload(containerFor(created, at('draft')), name, bytes);
  const listed = await env.deps.storage.listFiles(containerFor(created, at('draft')));
  const recorded = listed.map(({ name, size, etag }) => ({
    name,
    size,
    etag,
    sha256: sha256(files[name]),
    blocks: blocks[name] ?? digestsOf(files[name], Math.max(size, 1)),
  }));
  return { request: await env.deps.store.replace({ ...created, reviewCycle: 1, files: recorded }) };
}

/** A request submitted as the lifecycle does it: files uploaded to the draft, then hashed. */
async function submittedWith(files: Record<string, Buffer>): Promise<{ request: AirlockRequest; versions: HashedVersions }> {
  const created = await createStoredRequest(env.deps, { status: 'submitted' });
  for (const [name, bytes] of Object.entries(files)) await env.upload(containerFor(created, at('draft')), name, bytes);
  const request = await recordSubmission(env.deps, created);
  const versions: HashedVersions = await hashSubmittedFiles(lifecycleInputOf(request), activityContext('hashSubmittedFiles'));
  return { request, versions };
}

describe('moveFiles', () => {
  test('moves every submitted file from the draft to the in-progress stage, byte for byte, and removes the draft container', async () => {
    const files = researcherFiles();
    const { request, versions } = await submittedWith(files);

    await expect(move(request, 'draft', 'in_progress', versions)).resolves.toEqual({ moved: 3 });

    for (const [name, bytes] of Object.entries(files)) {
      expect((await env.download(containerFor(request, at('in_progress')), name)).equals(bytes)).toBe(true);
    }
    expect(await env.containerExists(containerFor(request, at('draft')))).toBe(false);
  });

  test('a file uploaded to the draft after submit is not part of the request: not moved, and gone with the draft, named in the audit log', async () => {
    const { request, versions } = await submittedWith({ 'cohort.csv': Buffer.from('a,b\n') });
    await env.upload(containerFor(request, at('draft')), 'late.csv', Buffer.from('uploaded after submit'));

    await expect(move(request, 'draft', 'in_progress', versions)).resolves.toEqual({ moved: 1 });

    expect(await namesIn(request, 'in_progress')).toEqual(['cohort.csv']);
    expect(await env.containerExists(containerFor(request, at('draft')))).toBe(false);
    const moved = (await env.deps.store.listAudit(request.workspaceId, request.id)).filter((entry) => entry.action === 'data.moved');
    expect(moved).toEqual([expect.objectContaining({ detail: expect.objectContaining({ from: 'draft', to: 'in_progress', discardedNotPartOfRequest: ['late.csv'] }) })]);
    expect(await env.deps.store.get(request.workspaceId, request.id)).toMatchObject({ filesAt: at('in_progress') });
  });

  test('a request that records no files moves nothing and deletes nothing', async () => {
    const request = await createStoredRequest(env.deps, { status: 'submitted' });
    await env.upload(containerFor(request, at('draft')), 'data.csv', Buffer.from('x'));
    await expect(move(request, 'draft', 'in_progress')).rejects.toThrow(IntegrityError);
    expect(await namesIn(request, 'draft')).toEqual(['data.csv']);
  });

  test('running the same move again after it completed succeeds by verifying what is at the destination', async () => {
    const files = researcherFiles();
    const { request, versions } = await submittedWith(files);
    await move(request, 'draft', 'in_progress', versions);

    await expect(move(request, 'draft', 'in_progress', versions)).resolves.toEqual({ moved: 3 });

    expect(await namesIn(request, 'in_progress')).toEqual(Object.keys(files).sort());
    expect((await env.download(containerFor(request, at('in_progress')), 'imaging.bin')).equals(files['imaging.bin'])).toBe(true);
  });

  test('a move killed after it was recorded, before its source was deleted, only finishes deleting the source when run again', async () => {
    const files = researcherFiles();
    const { request, versions } = await submittedWith(files);
    await move(request, 'draft', 'in_progress', versions);
    // As if the process died between recording the move and deleting the draft container.
    await env.upload(containerFor(request, at('draft')), 'cohort.csv', Buffer.from('left behind'));

    await expect(move(request, 'draft', 'in_progress', versions)).resolves.toEqual({ moved: 3 });

    expect(await env.containerExists(containerFor(request, at('draft')))).toBe(false);
    expect((await env.download(containerFor(request, at('in_progress')), 'cohort.csv')).equals(files['cohort.csv'])).toBe(true);
    expect((await env.deps.store.listAudit(request.workspaceId, request.id)).filter((entry) => entry.action === 'data.moved')).toHaveLength(1);
  });

  test('a move that does not start where the files are recorded is refused, and nothing is touched', async () => {
    const { request, versions } = await submittedWith(researcherFiles());

    await expect(move(request, 'in_progress', 'approved', versions)).rejects.toThrow(
      'the files are recorded at the draft stage (cycle 1), not at the in_progress stage (cycle 1) where this move starts',
    );
    expect(await namesIn(request, 'draft')).toEqual(['cohort.csv', 'empty.txt', 'imaging.bin']);
  });

  test('later moves (no versions) carry the files on to the approved stage in the workspace account', async () => {
    const files = researcherFiles();
    const { request, versions } = await submittedWith(files);
    await move(request, 'draft', 'in_progress', versions);

    await expect(move(request, 'in_progress', 'approved')).resolves.toEqual({ moved: 3 });

    // An approved import lands in the workspace's own account, not a core one.
    const approved = env.blobContainer('stalimappwsws01', `${request.id}-1`);
    expect((await approved.getBlobClient('cohort.csv').downloadToBuffer()).equals(files['cohort.csv'])).toBe(true);
    expect(await env.containerExists(containerFor(request, at('in_progress')))).toBe(false);
  });

  test('a file re-uploaded after it was hashed is not moved, and the draft is kept', async () => {
    const { request, versions } = await submittedWith(researcherFiles());
    const replaced = Buffer.from('patient,age\n1,42\n2,57\n3,99\n');
    await env.upload(containerFor(request, at('draft')), 'cohort.csv', replaced);

    const attempt = move(request, 'draft', 'in_progress', versions);

    await expect(attempt).rejects.toThrow(ConflictError);
    await expect(attempt).rejects.toThrow(/cohort\.csv in \S+ changed since it was checked/);
    expect(await namesIn(request, 'draft')).toEqual(['cohort.csv', 'empty.txt', 'imaging.bin']);
    expect((await env.download(containerFor(request, at('draft')), 'cohort.csv')).equals(replaced)).toBe(true);
    expect(await namesIn(request, 'in_progress')).not.toContain('cohort.csv');
  });

  test('a file changed after it was hashed is not moved even when the workflow names no versions: the recorded version binds the copy', async () => {
    const { request } = await submittedWith(researcherFiles());
    await env.upload(containerFor(request, at('draft')), 'cohort.csv', Buffer.from('not what was submitted\n'));

    const attempt = move(request, 'draft', 'in_progress');

    await expect(attempt).rejects.toThrow(ConflictError);
    await expect(attempt).rejects.toThrow(/cohort\.csv in \S+ changed since it was checked/);
    expect(await namesIn(request, 'draft')).toEqual(['cohort.csv', 'empty.txt', 'imaging.bin']);
    expect(await namesIn(request, 'in_progress')).not.toContain('cohort.csv');
  });

  test('a file changed in the in-progress stage is not carried on: the next move copies only the version the last one made', async () => {
    const { request, versions } = await submittedWith(researcherFiles());
    await move(request, 'draft', 'in_progress', versions);
    await env.upload(containerFor(request, at('in_progress')), 'imaging.bin', 'tampered');

    const attempt = move(request, 'in_progress', 'approved');

    await expect(attempt).rejects.toThrow(ConflictError);
    await expect(attempt).rejects.toThrow(/imaging\.bin in \S+ changed since it was checked; not copied/);
    expect(await namesIn(request, 'approved')).not.toContain('imaging.bin');
    expect(await env.deps.store.get(request.workspaceId, request.id)).toMatchObject({ filesAt: at('in_progress') });
  });

  test('no byte of any file is read by the airlock during a move, and the audit entry says the storage service verified the copies', async () => {
    const files = researcherFiles();
    const { request, versions } = await submittedWith(files);
    const downloads = jest.spyOn(BlobClient.prototype, 'download');

    await move(request, 'draft', 'in_progress', versions);
    await move(request, 'in_progress', 'approved');

    expect(downloads).not.toHaveBeenCalled();
    downloads.mockRestore();
    const moved = (await env.deps.store.listAudit(request.workspaceId, request.id)).filter((entry) => entry.action === 'data.moved');
    expect(moved.map((entry) => entry.detail)).toEqual([
      { from: 'draft', to: 'in_progress', cycle: 1, storageVerified: true, sha256Verified: false },
      { from: 'in_progress', to: 'approved', cycle: 1, storageVerified: true, sha256Verified: false },
    ]);
    for (const [name, bytes] of Object.entries(files)) {
      expect((await env.download(containerFor(request, at('approved')), name)).equals(bytes)).toBe(true);
    }
  });

  test('each move records the version it made of every file, in the same write as the new place', async () => {
    const { request, versions } = await submittedWith(researcherFiles());

    await move(request, 'draft', 'in_progress', versions);

    const stored = await env.deps.store.get(request.workspaceId, request.id);
    const listed = await env.deps.storage.listFiles(containerFor(request, at('in_progress')));
    expect(Object.fromEntries(stored!.files.map((file) => [file.name, file.etag]))).toEqual(Object.fromEntries(listed.map((file) => [file.name, file.etag])));
    expect(stored!.files.map((file) => file.etag)).not.toContain(versions['cohort.csv']);
  });

  test('a file above the single-call limit is copied block by block, each block checked, and arrives byte for byte', async () => {
    const bytes = randomBytes(700 * 1024);
    const { request } = await recordedWith({ 'scan.nii': bytes }, { 'scan.nii': digestsOf(bytes, 64 * 1024) });

    await expect(move(request, 'draft', 'in_progress')).resolves.toEqual({ moved: 1 });

    expect((await env.download(containerFor(request, at('in_progress')), 'scan.nii')).equals(bytes)).toBe(true);
    const blocks = await env.blobContainer('stalimiptest', `${request.id}-1`).getBlockBlobClient('scan.nii').getBlockList('committed');
    expect(blocks.committedBlocks).toHaveLength(11);
  });

  test('a source whose bytes are not the ones hashed under its version fails the move, naming the file, and nothing moves', async () => {
    const stored = randomBytes(700 * 1024);
    const hashed = Buffer.from(stored);
    hashed[300 * 1024] ^= 0xff;
    const { request } = await recordedWith({ 'scan.nii': stored, 'notes.txt': Buffer.from('fine') }, { 'scan.nii': digestsOf(hashed, 64 * 1024) });

    const attempt = move(request, 'draft', 'in_progress');

    await expect(attempt).rejects.toThrow(IntegrityError);
    await expect(attempt).rejects.toThrow(/^file 'scan\.nii' in \S+ is not what was hashed: the storage service found its bytes from 262144 \(65536 bytes\) differ from the MD5 recorded with its SHA-256; not copied to \S+$/);
    expect(await namesIn(request, 'in_progress')).not.toContain('scan.nii');
    expect(await namesIn(request, 'draft')).toEqual(['notes.txt', 'scan.nii']);
    expect(await env.deps.store.get(request.workspaceId, request.id)).toMatchObject({ filesAt: at('draft') });
  });

  describe("the workspace's rehashOnApproval", () => {
    async function rehashOnApproval(value: boolean): Promise<void> {
      const workspace = await env.deps.workspaces.get('ws01');
      await env.deps.workspaces.replace({ ...workspace!, airlock: { ...workspace!.airlock, rehashOnApproval: value } });
    }

    afterEach(() => rehashOnApproval(false));

    test('on, the move to approved also reads every copy back and compares its SHA-256; the other moves still read nothing', async () => {
      await rehashOnApproval(true);
      const files = researcherFiles();
      const { request, versions } = await submittedWith(files);
      const hashing = jest.spyOn(env.deps.storage, 'hashFile');

      await move(request, 'draft', 'in_progress', versions);
      expect(hashing).not.toHaveBeenCalled();
      await move(request, 'in_progress', 'approved');

      const approved = containerFor(request, at('approved'));
      const listed = new Map((await env.deps.storage.listFiles(approved)).map((file) => [file.name, file.etag]));
      expect(hashing.mock.calls.map(([ref, name, options]) => [ref, name, options])).toEqual(
        expect.arrayContaining(Object.keys(files).map((name) => [approved, name, { etag: listed.get(name) }])),
      );
      expect(hashing).toHaveBeenCalledTimes(3);
      hashing.mockRestore();
      const moved = (await env.deps.store.listAudit(request.workspaceId, request.id)).filter((entry) => entry.action === 'data.moved');
      expect(moved.map((entry) => entry.detail?.sha256Verified)).toEqual([false, true]);
    });

    test('on, a copy that does not hash to the recorded SHA-256 fails the move naming both digests, and the copy is removed', async () => {
      await rehashOnApproval(true);
      const files = researcherFiles();
      const { request, versions } = await submittedWith(files);
      await move(request, 'draft', 'in_progress', versions);
      const realHash = env.deps.storage.hashFile.bind(env.deps.storage);
      // As if the approved copy held other bytes than the ones hashed, which no version check could see.
      const hashing = jest.spyOn(env.deps.storage, 'hashFile').mockImplementation(async (ref, name, options) => {
        const hashed = await realHash(ref, name, options);
        return name === 'cohort.csv' ? { ...hashed, sha256: sha256('other bytes') } : hashed;
      });

      const attempt = move(request, 'in_progress', 'approved');

      await expect(attempt).rejects.toThrow(IntegrityError);
      await expect(attempt).rejects.toThrow(
        `file 'cohort.csv' changed while moving to the approved stage: SHA-256 ${sha256('other bytes')} instead of ${sha256(files['cohort.csv'])}`,
      );
      hashing.mockRestore();
      expect(await namesIn(request, 'approved')).not.toContain('cohort.csv');
      expect(await env.deps.store.get(request.workspaceId, request.id)).toMatchObject({ filesAt: at('in_progress') });
    });
  });

  describe('a request whose files were recorded before block digests existed', () => {
    /** As hashSubmittedFiles recorded files before: name, size, SHA-256 and the draft version, no block digests. */
    async function recordedBeforeDigests(files: Record<string, Buffer>): Promise<{ request: AirlockRequest; versions: HashedVersions }> {
      const { request, versions } = await submittedWith(files);
      const stored = await env.deps.store.get(request.workspaceId, request.id);
      const legacy = await env.deps.store.replace({ ...stored!, files: stored!.files.map(({ blocks: _blocks, ...file }) => file) });
      return { request: legacy, versions };
    }

    test('its files are still copied and then read back, their SHA-256 compared, and the audit entry says so', async () => {
      const files = researcherFiles();
      const { request, versions } = await recordedBeforeDigests(files);

      await move(request, 'draft', 'in_progress', versions);
      await move(request, 'in_progress', 'approved');

      const moved = (await env.deps.store.listAudit(request.workspaceId, request.id)).filter((entry) => entry.action === 'data.moved');
      expect(moved.map((entry) => entry.detail)).toEqual([
        { from: 'draft', to: 'in_progress', cycle: 1, storageVerified: false, sha256Verified: true },
        { from: 'in_progress', to: 'approved', cycle: 1, storageVerified: false, sha256Verified: true },
      ]);
      expect((await env.download(containerFor(request, at('approved')), 'imaging.bin')).equals(files['imaging.bin'])).toBe(true);
    });

    test('a file changed after it was hashed and moved without versions fails verification, naming both digests, and the draft is kept', async () => {
      const files = researcherFiles();
      const { request } = await recordedBeforeDigests(files);
      const replaced = Buffer.from('not what was submitted\n');
      await env.upload(containerFor(request, at('draft')), 'cohort.csv', replaced);

      const attempt = move(request, 'draft', 'in_progress');

      await expect(attempt).rejects.toThrow(IntegrityError);
      await expect(attempt).rejects.toThrow(
        `file 'cohort.csv' changed while moving to the in_progress stage: SHA-256 ${sha256(replaced)} instead of ${sha256(files['cohort.csv'])}`,
      );
      expect(await namesIn(request, 'draft')).toEqual(['cohort.csv', 'empty.txt', 'imaging.bin']);
    });
  });

  test('a recorded file that is in neither stage fails the move naming it, and the draft is kept', async () => {
    const present = Buffer.from('present\n');
    const request = await createStoredRequest(env.deps, {
      status: 'submitted',
      files: [
        { name: 'present.csv', size: present.length, sha256: sha256(present) },
        { name: 'ghost.csv', size: 6, sha256: sha256('ghost\n') },
      ],
    });
    await env.upload(containerFor(request, at('draft')), 'present.csv', present);

    const attempt = move(request, 'draft', 'in_progress');

    await expect(attempt).rejects.toThrow(IntegrityError);
    await expect(attempt).rejects.toThrow("file 'ghost.csv' is missing: it is neither in the draft nor the in_progress stage");
    expect(await namesIn(request, 'draft')).toEqual(['present.csv']);
  });

  test('a recorded file without a SHA-256 is refused, not moved unverified, and the draft is kept', async () => {
    const legacy = Buffer.from('recorded before hashing existed\n');
    const request = await createStoredRequest(env.deps, { status: 'submitted', files: [{ name: 'legacy.csv', size: legacy.length }] });
    await env.upload(containerFor(request, at('draft')), 'legacy.csv', legacy);

    const attempt = move(request, 'draft', 'in_progress');

    await expect(attempt).rejects.toThrow(IntegrityError);
    await expect(attempt).rejects.toThrow("file 'legacy.csv' has no recorded SHA-256; it cannot be moved unverified");
    expect(await namesIn(request, 'draft')).toEqual(['legacy.csv']);
    expect(await namesIn(request, 'in_progress')).toEqual([]);
  });

  describe('the reviewed copy of a submission returned for changes', () => {
    const cycle = (stage: Stage, n: number): FilesLocation => ({ stage, cycle: n });
    const moveAt = (request: AirlockRequest, from: FilesLocation, to: FilesLocation) =>
      moveFiles({ request: lifecycleInputOf(request), from, to }, activityContext('moveFiles'));
    const reviewedNames = async (request: AirlockRequest, n: number) => (await env.deps.storage.listFiles(reviewedCopyFor(request, n))).map((file) => file.name).sort();

    /** Submitted, moved to review (cycle 1), and returned for changes: the files now in the draft of cycle 2. */
    async function returnedForChanges(files: Record<string, Buffer>): Promise<AirlockRequest> {
      const { request, versions } = await submittedWith(files);
      await move(request, 'draft', 'in_progress', versions);
      const inReview = (await env.deps.store.get(request.workspaceId, request.id))!;
      await moveAt(inReview, cycle('in_progress', 1), cycle('draft', 2));
      return (await env.deps.store.get(request.workspaceId, request.id))!;
    }

    test('stays in the in-progress account byte for byte beside the new draft, and the move says so in the audit log', async () => {
      const files = researcherFiles();
      const request = await returnedForChanges(files);

      expect(request.filesAt).toEqual(cycle('draft', 2));
      expect(await reviewedNames(request, 1)).toEqual(Object.keys(files).sort());
      for (const [name, bytes] of Object.entries(files)) {
        expect((await env.download(reviewedCopyFor(request, 1), name)).equals(bytes)).toBe(true);
        expect((await env.download(containerFor(request, cycle('draft', 2)), name)).equals(bytes)).toBe(true);
      }
      expect(reviewedCopyFor(request, 1).account).toBe(containerFor(request, cycle('in_progress', 1)).account);
      expect(await env.containerExists(containerFor(request, cycle('in_progress', 1)))).toBe(false);
      const moved = (await env.deps.store.listAudit(request.workspaceId, request.id)).filter((entry) => entry.action === 'data.moved');
      expect(moved.at(-1)?.detail).toMatchObject({ from: 'in_progress', to: 'draft', cycle: 2, reviewedCopyKept: 1 });
    });

    test('is deleted when the next review ends (here: approved), with the deletion in the move\'s audit entry', async () => {
      const request = await returnedForChanges({ 'cohort.csv': Buffer.from('a,b\n1,2\n') });
      const draft2 = containerFor(request, cycle('draft', 2));
      await env.upload(draft2, 'cohort.csv', Buffer.from('a,b\n1,3\n'));
      const listed = await env.deps.storage.listFiles(draft2);
      const resubmitted = await env.deps.store.replace({ ...request, status: 'submitted', reviewCycle: 2, files: listed.map(({ name, size, etag }) => ({ name, size, etag })) });
      const versions = await hashSubmittedFiles(lifecycleInputOf(resubmitted), activityContext('hashSubmittedFiles'));
      await moveFiles({ request: lifecycleInputOf(resubmitted), from: cycle('draft', 2), to: cycle('in_progress', 2), versions }, activityContext('moveFiles'));
      expect(await reviewedNames(request, 1)).toEqual(['cohort.csv']);

      const inReview = (await env.deps.store.get(request.workspaceId, request.id))!;
      await moveAt(inReview, cycle('in_progress', 2), cycle('approved', 2));

      expect(await env.containerExists(reviewedCopyFor(request, 1))).toBe(false);
      const moved = (await env.deps.store.listAudit(request.workspaceId, request.id)).filter((entry) => entry.action === 'data.moved');
      expect(moved.at(-1)?.detail).toMatchObject({ from: 'in_progress', to: 'approved', reviewedCopyDeleted: 1 });
    });

    test('is deleted with the draft when the request is cancelled while its changes are being made', async () => {
      const request = await returnedForChanges({ 'cohort.csv': Buffer.from('a,b\n') });

      await deleteStageData({ request: lifecycleInputOf(request), at: cycle('draft', 2) }, activityContext('deleteStageData'));

      expect(await env.containerExists(reviewedCopyFor(request, 1))).toBe(false);
      expect(await env.containerExists(containerFor(request, cycle('draft', 2)))).toBe(false);
      const deleted = (await env.deps.store.listAudit(request.workspaceId, request.id)).filter((entry) => entry.action === 'data.deleted');
      expect(deleted.at(-1)?.detail).toEqual({ stage: 'draft', reviewedCopyDeleted: 1 });
    });

    test('a return for changes run again after a crash that followed its record finishes the move and keeps the reviewed copy', async () => {
      const files = { 'cohort.csv': Buffer.from('a,b\n') };
      const { request, versions } = await submittedWith(files);
      await move(request, 'draft', 'in_progress', versions);
      const inReview = (await env.deps.store.get(request.workspaceId, request.id))!;
      await moveAt(inReview, cycle('in_progress', 1), cycle('draft', 2));

      await moveAt(inReview, cycle('in_progress', 1), cycle('draft', 2));

      expect(await reviewedNames(request, 1)).toEqual(['cohort.csv']);
      expect((await env.download(containerFor(request, cycle('draft', 2)), 'cohort.csv')).equals(files['cohort.csv'])).toBe(true);
    });
  });
});
