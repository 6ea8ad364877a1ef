import { InvocationContext } from '@azure/functions';
import { epochSeconds } from '../../domain/epochSeconds';
import { IntegrityError, NotFoundError } from '../../domain/errors';
import { AirlockFile, filesLocationOf, withChanges } from '../../domain/request';
import { AIRLOCK_SYSTEM } from '../../domain/roles';
import { FilesLocation } from '../../domain/stages';
import { Dependencies, getDependencies } from '../../infra/dependencies';
import { ContainerRef, containerFor, forEachBounded, reviewedCopyFor, StoredFile } from '../../infra/stageStorage';
import { airlockSettingsOf } from '../airlockSettings';
import { ACTIVITIES, ActivityHandlerOf, registerActivity } from './contract';
import { LifecycleInput } from '../lifecycleNames';
import { HashedVersions } from './hashSubmittedFiles';
import { requestOf } from './requestOf';
import { readStoredRequest, updateStoredRequest } from '../storedRequest';

export interface MoveInput {
  request: LifecycleInput;
  from: FilesLocation;
  to: FilesLocation;
  /** When moving out of the draft stage: copy only the versions that were hashed. */
  versions?: HashedVersions;
}

export interface MoveResult {
  moved: number;
}

/** Files copied at once; each large file's blocks are copied in parallel too (BlobStageStorage). */
const FILES_AT_ONCE = 4;

const sameLocation = (a: FilesLocation | null, b: FilesLocation) => a !== null && a.stage === b.stage && a.cycle === b.cycle;

/**
 * Moves every file of the request from one stage container to another without reading it: each is
 * a server-side copy of the version of record only (the storage ETag recorded at submit, then the
 * one each move recorded), which the storage service checks block by block against the MD5s
 * recorded with the file's SHA-256, so a changed or corrupted source fails the move and is never
 * copied. The new place and the copies' versions are recorded on the request with the audit entry
 * in one write, and only then is the source container deleted, with anything in it that was never
 * part of the request (a draft upload after submit). Files are read back and their SHA-256 compared
 * only at the move to approved when the workspace asks for it (`rehashOnApproval`), and for files
 * recorded before block digests existed. Safe to run again at any point: a copy already made of
 * the version of record is found, not made again, and a recorded move only finishes deleting its source.
 */
export const moveFiles: ActivityHandlerOf<typeof ACTIVITIES.moveFiles> = async (input: MoveInput, context: InvocationContext): Promise<MoveResult> => {
  const deps = await getDependencies();
  const request = await readStoredRequest(deps, input.request);
  const source = containerFor(requestOf(input.request), input.from);
  const destination = containerFor(requestOf(input.request), input.to);
  const recorded = filesLocationOf(request);
  if (sameLocation(recorded, input.to)) {
    await deps.storage.deleteContainer(source);
    await deleteEarlierReviewedCopies(deps, input);
    return { moved: request.files.length };
  }
  if (!sameLocation(recorded, input.from)) {
    throw new IntegrityError(`the files are recorded at ${describe(recorded)}, not at ${describe(input.from)} where this move starts`);
  }

  const present = new Map((await deps.storage.listFiles(source)).map((file) => [file.name, file]));
  await deps.storage.ensureContainer(destination);
  if (request.files.length === 0) throw new IntegrityError('the request records no files, so there is nothing to move');
  for (const file of request.files) {
    if (!file.sha256) throw new IntegrityError(`file '${file.name}' has no recorded SHA-256; it cannot be moved unverified`);
  }
  // Block digests are recorded for all of a submission's files at once, or (before they existed) for none.
  const storageVerified = request.files.every((file) => file.blocks && file.etag);
  const sha256Verified = !storageVerified || (input.to.stage === 'approved' && (await airlockSettingsOf(deps, request.workspaceId)).rehashOnApproval);

  const copies = new Map<string, StoredFile>();
  const move: FileMove = { deps, source, destination, input, storageVerified, sha256Verified, present };
  await forEachBounded(request.files, FILES_AT_ONCE, async (file) => {
    copies.set(file.name, await moveOne(move, file, request.id));
  });

  // A return for changes keeps the submission as its reviewers saw it, so the next review can see what changed.
  const keepsReviewedCopy = isReturnForChanges(input);
  if (keepsReviewedCopy) {
    const reviewed = reviewedCopyFor(requestOf(input.request), input.from.cycle);
    await forEachBounded(request.files, FILES_AT_ONCE, async (file) => {
      await moveOne({ ...move, destination: reviewed, sha256Verified: false, stageLabel: 'reviewed' }, file, request.id);
    });
  }
  const reviewedCopyDeleted = earlierReviewedCycle(input);

  const ours = new Set(request.files.map((file) => file.name));
  const notPartOfRequest = [...present.keys()].filter((name) => !ours.has(name));
  await updateStoredRequest(
    deps,
    input.request,
    (current) =>
      sameLocation(filesLocationOf(current), input.to)
        ? undefined
        : withChanges(current, AIRLOCK_SYSTEM, epochSeconds(deps.now()), {
            filesAt: input.to,
            // The copies are the versions of record now: the next move copies exactly them.
            files: current.files.map((file) => ({ ...file, etag: copies.get(file.name)?.etag ?? file.etag })),
          }),
    {
      audit: () => [
        {
          action: 'data.moved',
          actor: AIRLOCK_SYSTEM,
          time: epochSeconds(deps.now()),
          files: request.files.map(({ name, sha256 }) => ({ name, sha256 })),
          detail: {
            from: input.from.stage,
            to: input.to.stage,
            cycle: input.to.cycle,
            storageVerified,
            sha256Verified,
            ...(notPartOfRequest.length ? { discardedNotPartOfRequest: notPartOfRequest } : {}),
            ...(keepsReviewedCopy ? { reviewedCopyKept: input.from.cycle } : {}),
            ...(reviewedCopyDeleted ? { reviewedCopyDeleted } : {}),
          },
        },
      ],
    },
  );
  // Only once every copy is verified and recorded does the source go; until then it is the copy of record.
  await deps.storage.deleteContainer(source);
  await deleteEarlierReviewedCopies(deps, input);
  if (notPartOfRequest.length) context.warn(`request ${request.id}: discarded ${notPartOfRequest.length} file(s) uploaded to the ${input.from.stage} stage that were not part of the request`);
  return { moved: request.files.length };
};

/** The files go back from review to a new draft: the request was returned for changes. */
function isReturnForChanges(input: MoveInput): boolean {
  return input.from.stage === 'in_progress' && input.to.stage === 'draft';
}

/**
 * The reviewed copy that this move makes obsolete: leaving review ends the comparison with the cycle
 * before (the reviewers of this cycle have seen it), whatever the review decided.
 */
function earlierReviewedCycle(input: MoveInput): number | undefined {
  return input.from.stage === 'in_progress' && input.from.cycle > 1 ? input.from.cycle - 1 : undefined;
}

async function deleteEarlierReviewedCopies(deps: Dependencies, input: MoveInput): Promise<void> {
  const cycle = earlierReviewedCycle(input);
  if (cycle) await deps.storage.deleteContainer(reviewedCopyFor(requestOf(input.request), cycle));
}

interface FileMove {
  /** what the destination is called in messages and blob metadata; its stage by default */
  stageLabel?: string;
  deps: Dependencies;
  source: ContainerRef;
  destination: ContainerRef;
  input: MoveInput;
  storageVerified: boolean;
  sha256Verified: boolean;
  present: Map<string, StoredFile>;
}

/** The verified copy of one file at the destination, made now or by an earlier try. */
async function moveOne(move: FileMove, file: AirlockFile, requestId: string): Promise<StoredFile> {
  const { deps, source, destination, input } = move;
  const missing = () =>
    new IntegrityError(`file '${file.name}' is missing: it is neither in the ${input.from.stage} nor the ${input.to.stage} stage`);
  let copy: StoredFile | undefined;
  // Without a version of record (files recorded before block digests existed) only a copy from the source can be checked.
  if (move.storageVerified || move.present.has(file.name)) {
    copy = await deps.storage
      .copyFile(source, destination, file.name, {
        sourceEtag: move.storageVerified ? file.etag : input.versions?.[file.name] || undefined,
        blocks: move.storageVerified ? file.blocks : undefined,
        metadata: { airlock_request_id: requestId, airlock_sha256: file.sha256!, airlock_stage: move.stageLabel ?? input.to.stage },
      })
      .catch(undefinedWhenNotFound);
  }
  if (move.sha256Verified) {
    const reread = await deps.storage.hashFile(destination, file.name, copy ? { etag: copy.etag } : {}).catch(undefinedWhenNotFound);
    if (!reread) throw missing();
    if (reread.sha256 !== file.sha256) {
      // A copy that is not what was submitted must not wait in the destination stage for anyone.
      await deps.storage.deleteFile(destination, file.name, { etag: reread.etag });
      throw new IntegrityError(
        `file '${file.name}' changed while moving to the ${input.to.stage} stage: SHA-256 ${reread.sha256} instead of ${file.sha256}`,
      );
    }
    copy = reread;
  }
  if (!copy) throw missing();
  return { name: copy.name, size: copy.size, etag: copy.etag };
}

function undefinedWhenNotFound(error: unknown): undefined {
  if (error instanceof NotFoundError) return undefined;
  throw error;
}

function describe(location: FilesLocation | null): string {
  return location ? `the ${location.stage} stage (cycle ${location.cycle})` : 'nowhere (deleted)';
}

registerActivity(ACTIVITIES.moveFiles, moveFiles);
