import { FilesLocation } from '../../domain/stages';
import { getDependencies } from '../../infra/dependencies';
import { containerFor } from '../../infra/stageStorage';
import { ACTIVITIES, ActivityHandlerOf, registerActivity } from './contract';
import { LifecycleInput } from '../lifecycleNames';
import { requestOf } from './requestOf';

/** An activity about the request's container in one stage and cycle. */
export interface StageInput {
  request: LifecycleInput;
  at: FilesLocation;
}

/** Creates the request's container in a stage account; creating one that exists is fine. */
export const provisionContainer: ActivityHandlerOf<typeof ACTIVITIES.provisionContainer> = async (input: StageInput): Promise<void> => {
  const deps = await getDependencies();
  await deps.storage.ensureContainer(containerFor(requestOf(input.request), input.at));
};

registerActivity(ACTIVITIES.provisionContainer, provisionContainer);
