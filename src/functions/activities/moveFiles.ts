import { InvocationContext } from '@azure/functions';
import { epochSeconds } from '../../domain/epochSeconds';
import { IntegrityError, NotFoundError } from '../../domain/errors';
import { filesLocationOf, withChanges } from '../../domain/request';
import { AIRLOCK_SYSTEM } from '../../domain/roles';
import { FilesLocation } from '../../domain/stages';
import { getDependencies } from '../../infra/dependencies';
import { containerFor } from '../../infra/stageStorage';
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

const sameLocation = (a: FilesLocation | null, b: FilesLocation) => a !== null && a.stage === b.stage && a.cycle === b.cycle;

/**
 * Moves every file of the request from one stage container to another: server-side copy, SHA-256
 * of the copy checked against the digest recorded at submit, then the new place recorded on the
 * request with the audit entry in one write, and only then the source container deleted, with
 * anything in it that was never part of the request (a draft upload after submit). Safe to run
 * again at any point: a recorded move only finishes deleting its source.
 */
export const moveFiles: ActivityHandlerOf<typeof ACTIVITIES.moveFiles> = async (input: MoveInput, context: InvocationContext): Promise<MoveResult> => {
  const deps = await getDependencies();
  const request = await readStoredRequest(deps, input.request);
  const source = containerFor(requestOf(input.request), input.from);
  const destination = containerFor(requestOf(input.request), input.to);
  const recorded = filesLocationOf(request);
  if (sameLocation(recorded, input.to)) {
    await deps.storage.deleteContainer(source);
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
    if (present.has(file.name)) {
      await deps.storage.copyFile(source, destination, file.name, {
        sourceEtag: input.versions?.[file.name] || undefined,
        metadata: { airlock_request_id: request.id, airlock_sha256: file.sha256, airlock_stage: input.to.stage },
      });
    }
    const copy = await deps.storage.hashFile(destination, file.name).catch((error) => {
      if (error instanceof NotFoundError) return undefined;
      throw error;
    });
    if (!copy) throw new IntegrityError(`file '${file.name}' is missing: it is neither in the ${input.from.stage} nor the ${input.to.stage} stage`);
    if (copy.sha256 !== file.sha256) {
      throw new IntegrityError(
        `file '${file.name}' changed while moving to the ${input.to.stage} stage: SHA-256 ${copy.sha256} instead of ${file.sha256}`,
      );
    }
  }
  const ours = new Set(request.files.map((file) => file.name));
  const notPartOfRequest = [...present.keys()].filter((name) => !ours.has(name));
  await updateStoredRequest(
    deps,
    input.request,
    (current) => (sameLocation(filesLocationOf(current), input.to) ? undefined : withChanges(current, AIRLOCK_SYSTEM, epochSeconds(deps.now()), { filesAt: input.to })),
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
            sha256Verified: true,
            ...(notPartOfRequest.length ? { discardedNotPartOfRequest: notPartOfRequest } : {}),
          },
        },
      ],
    },
  );
  // Only once every copy is verified and recorded does the source go; until then it is the copy of record.
  await deps.storage.deleteContainer(source);
  if (notPartOfRequest.length) context.warn(`request ${request.id}: discarded ${notPartOfRequest.length} file(s) uploaded to the ${input.from.stage} stage that were not part of the request`);
  return { moved: request.files.length };
};

function describe(location: FilesLocation | null): string {
  return location ? `the ${location.stage} stage (cycle ${location.cycle})` : 'nowhere (deleted)';
}

registerActivity(ACTIVITIES.moveFiles, moveFiles);
