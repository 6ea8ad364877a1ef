import { epochSeconds } from '../../domain/epochSeconds';
import { ConflictError, IntegrityError, InvariantError, NotFoundError, SubmissionChangedError } from '../../domain/errors';
import { filesLocationOf, withChanges } from '../../domain/request';
import { AIRLOCK_SYSTEM } from '../../domain/roles';
import { getDependencies } from '../../infra/dependencies';
import { containerFor, HashedFile } from '../../infra/stageStorage';
import { ACTIVITIES, ActivityHandlerOf, registerActivity } from './contract';
import { LifecycleInput } from '../lifecycleNames';
import { requestOf } from './requestOf';
import { readStoredRequest, updateStoredRequest } from '../storedRequest';
import { airlockSettingsOf, scannerOf } from '../airlockSettings';
import { FileScanResult } from '../../domain/scan';

/** name → etag of the hashed version, so the move copies exactly what was hashed. */
export type HashedVersions = Record<string, string>;

/**
 * Fixes what was submitted: the SHA-256 of every file recorded at submit, in the version recorded
 * at submit, with the MD5 of each of its blocks from the same read, which also feeds the malware
 * scanner where it reads bytes itself (clamd), so its verdict is recorded with the hash. A file uploaded after submit is
 * not part of the request; a recorded file changed or deleted after submit stops the request (fails
 * closed), since nobody could say which version was meant. Every later move copies that version
 * only, and the storage service checks each copy against the block digests, so no move reads a
 * file again. Running it again after it finished returns the recorded versions.
 */
export const hashSubmittedFiles: ActivityHandlerOf<typeof ACTIVITIES.hashSubmittedFiles> = async (input: LifecycleInput): Promise<HashedVersions> => {
  const deps = await getDependencies();
  const request = await readStoredRequest(deps, input);
  if (request.status !== 'submitted') {
    throw new InvariantError(`files can only be hashed on a submitted request; this one is '${request.status}'`);
  }
  if (request.files.every((file) => file.sha256)) return versionsOf(request.files);
  const location = filesLocationOf(request);
  if (location?.stage !== 'draft') throw new IntegrityError(`the submitted files are not in the draft stage (they are at ${JSON.stringify(location)})`);
  const draft = containerFor(requestOf(input), location);
  const scanner = scannerOf(deps, await airlockSettingsOf(deps, input.workspaceId));
  const hashed: HashedFile[] = [];
  const verdicts: FileScanResult[] = [];
  for (const file of request.files) {
    // The one read of the file: the hash, the block digests and (clamd) the malware scan.
    const alongside = scanner.scanWhileReading?.(file.name);
    const read = await deps.storage.hashFile(draft, file.name, { etag: file.etag, blockDigests: true, tee: alongside?.tee }).catch(async (error) => {
      await alongside?.verdict();
      // A version condition on a deleted blob fails as a changed one, so both are said together.
      if (error instanceof ConflictError || error instanceof NotFoundError) {
        throw new SubmissionChangedError(`file '${file.name}' was changed or deleted after the request was submitted`);
      }
      throw error;
    });
    hashed.push(read);
    const verdict = await alongside?.verdict(read);
    if (verdict) verdicts.push(verdict);
  }
  const stored = await updateStoredRequest(deps, input, (current) => {
    if (current.status !== 'submitted') {
      throw new InvariantError(`files can only be recorded on a submitted request; this one is '${current.status}'`);
    }
    // A resubmission is judged afresh: the previous cycle's scan report does not carry over; the
    // verdicts given by the read that hashed this submission do.
    return withChanges(current, AIRLOCK_SYSTEM, epochSeconds(deps.now()), {
      files: hashed.map(({ name, size, sha256, etag, blocks }) => ({ name, size, sha256, etag, blocks })),
      scanReport: verdicts,
    });
  });
  return versionsOf(stored.files);
};

function versionsOf(files: readonly { name: string; etag?: string }[]): HashedVersions {
  return Object.fromEntries(files.map((file) => [file.name, file.etag ?? '']));
}

registerActivity(ACTIVITIES.hashSubmittedFiles, hashSubmittedFiles);
