import * as df from 'durable-functions';
import { ActivityHandler } from 'durable-functions';
import { IllegalTransitionError } from '../../domain/errors';
import { checkSubmittable } from '../../domain/policies';
import { withChanges } from '../../domain/request';
import { AIRLOCK_SYSTEM } from '../../domain/roles';
import { getDependencies } from '../../infra/dependencies';
import { containerFor, HashedFile } from '../../infra/stageStorage';
import { ACTIVITIES, LifecycleInput } from '../lifecycleNames';
import { airlockSettingsOf } from '../airlockSettings';
import { requestOf } from './requestOf';
import { epochSeconds, updateStoredRequest } from '../storedRequest';

/** name → etag of the hashed version, so the move copies exactly what was hashed. */
export type HashedVersions = Record<string, string>;

/**
 * Fixes what was submitted: the SHA-256 of every file in the draft container, recorded on the
 * request. Every later move is verified against these digests.
 */
export const hashSubmittedFiles: ActivityHandler = async (input: LifecycleInput): Promise<HashedVersions> => {
  const deps = await getDependencies();
  const draft = containerFor(requestOf(input), 'draft');
  const listed = await deps.storage.listFiles(draft);
  checkSubmittable(listed, { maxFiles: (await airlockSettingsOf(deps, input.workspaceId)).maxFiles });
  const hashed: HashedFile[] = [];
  for (const file of listed) hashed.push(await deps.storage.hashFile(draft, file.name));
  await updateStoredRequest(deps, input, (request) => {
    if (request.status !== 'submitted') {
      throw new IllegalTransitionError(`files can only be recorded on a submitted request; this one is '${request.status}'`);
    }
    // A resubmission is judged afresh: the previous cycle's scan report does not carry over.
    return withChanges(request, AIRLOCK_SYSTEM, epochSeconds(deps), {
      files: hashed.map(({ name, size, sha256 }) => ({ name, size, sha256 })),
      scanReport: [],
    });
  });
  return Object.fromEntries(hashed.map((file) => [file.name, file.etag]));
};

df.app.activity(ACTIVITIES.hashSubmittedFiles, { handler: hashSubmittedFiles });
