import { auditOfDeletion } from '../../domain/auditOfChange';
import { epochSeconds } from '../../domain/epochSeconds';
import { withChanges } from '../../domain/request';
import { AIRLOCK_SYSTEM } from '../../domain/roles';
import { getDependencies } from '../../infra/dependencies';
import { containerFor, reviewedCopyFor } from '../../infra/stageStorage';
import { ACTIVITIES, ActivityHandlerOf, registerActivity } from './contract';
import { StageInput } from './provisionContainer';
import { updateStoredRequest } from '../storedRequest';
import { requestOf } from './requestOf';

/**
 * Deletes a request's container in one stage (a cancelled request's data is no longer needed), and
 * the reviewed copy of the submission before, kept for a review that will now never happen.
 */
export const deleteStageData: ActivityHandlerOf<typeof ACTIVITIES.deleteStageData> = async (input: StageInput): Promise<void> => {
  const deps = await getDependencies();
  const container = containerFor(requestOf(input.request), input.at);
  const files = await deps.storage.listFiles(container);
  const reviewedCycle = input.at.cycle > 1 ? input.at.cycle - 1 : undefined;
  // Recorded first, with the request's new state (no files anywhere): if the deletion then fails,
  // the retry deletes what the log already announced.
  await updateStoredRequest(
    deps,
    input.request,
    (current) => (current.filesAt === null ? undefined : withChanges(current, AIRLOCK_SYSTEM, epochSeconds(deps.now()), { filesAt: null })),
    {
      audit: () => [
        auditOfDeletion(AIRLOCK_SYSTEM, epochSeconds(deps.now()), input.at.stage, files.map(({ name }) => ({ name })), reviewedCycle ? { reviewedCopyDeleted: reviewedCycle } : {}),
      ],
    },
  );
  await deps.storage.deleteContainer(container);
  if (reviewedCycle) await deps.storage.deleteContainer(reviewedCopyFor(requestOf(input.request), reviewedCycle));
};

registerActivity(ACTIVITIES.deleteStageData, deleteStageData);
