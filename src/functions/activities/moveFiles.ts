import { InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { ActivityHandler } from 'durable-functions';
import { NotFoundError } from '../../domain/errors';
import { AIRLOCK_SYSTEM } from '../../domain/roles';
import { Stage } from '../../domain/stages';
import { getDependencies } from '../../infra/dependencies';
import { containerFor } from '../../infra/stageStorage';
import { ACTIVITIES, LifecycleInput } from '../lifecycleNames';
import { HashedVersions } from './hashSubmittedFiles';
import { requestOf } from './requestOf';
import { appendAudit, epochSeconds, readStoredRequest } from '../storedRequest';

export interface MoveInput {
  request: LifecycleInput;
  from: Stage;
  to: Stage;
  /** When moving out of the draft stage: copy only the versions that were hashed. */
  versions?: HashedVersions;
}

export class IntegrityError extends Error {}

/**
 * Moves every file of the request from one stage account to another: server-side copy, SHA-256 of
 * the copy checked against the digest recorded at submit, and only then the source deleted. Safe to
 * run again after a partial run: a file already moved is verified at its destination instead.
 */
export const moveFiles: ActivityHandler = async (input: MoveInput, context: InvocationContext): Promise<{ moved: number }> => {
  const deps = await getDependencies();
  const request = await readStoredRequest(deps, input.request);
  const source = containerFor(requestOf(input.request), input.from);
  const destination = containerFor(requestOf(input.request), input.to);
  const present = new Map((await deps.storage.listFiles(source)).map((file) => [file.name, file]));
  await deps.storage.ensureContainer(destination);

  if (request.files.length === 0) throw new IntegrityError('the request records no files, so there is nothing to move');
  for (const file of request.files) {
    if (!file.sha256) throw new IntegrityError(`file '${file.name}' has no recorded SHA-256; it cannot be moved unverified`);
    if (present.has(file.name)) {
      await deps.storage.copyFile(source, destination, file.name, {
        sourceEtag: input.versions?.[file.name],
        metadata: { airlock_request_id: request.id, airlock_sha256: file.sha256, airlock_stage: input.to },
      });
    }
    const copy = await deps.storage.hashFile(destination, file.name).catch((error) => {
      if (error instanceof NotFoundError) return undefined;
      throw error;
    });
    if (!copy) throw new IntegrityError(`file '${file.name}' is missing: it is neither in the ${input.from} nor the ${input.to} stage`);
    if (copy.sha256 !== file.sha256) {
      throw new IntegrityError(
        `file '${file.name}' changed while moving to the ${input.to} stage: SHA-256 ${copy.sha256} instead of ${file.sha256}`,
      );
    }
  }
  await appendAudit(deps, input.request, {
    action: 'data.moved',
    actor: AIRLOCK_SYSTEM,
    time: epochSeconds(deps),
    files: request.files.map(({ name, sha256 }) => ({ name, sha256 })),
    detail: { from: input.from, to: input.to, sha256Verified: true },
  });
  // Only once every copy is verified does the source go; until then the source is the copy of record.
  for (const file of request.files) await deps.storage.deleteFile(source, file.name);
  // A file that was never part of the request (uploaded after submit) is not ours to delete.
  const strays = await deps.storage.listFiles(source);
  if (strays.length === 0) await deps.storage.deleteContainer(source);
  else context.warn(`request ${request.id}: ${strays.length} file(s) not part of the request stay in the ${input.from} stage: ${strays.map((f) => f.name).join(', ')}`);
  return { moved: request.files.length };
};

df.app.activity(ACTIVITIES.moveFiles, { handler: moveFiles });
