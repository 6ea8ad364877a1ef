import * as df from 'durable-functions';
import { ActivityHandler } from 'durable-functions';
import { getDependencies } from '../../infra/dependencies';
import { containerFor } from '../../infra/stageStorage';
import { ACTIVITIES } from '../lifecycleNames';
import { StageInput } from './provisionContainer';
import { requestOf } from './requestOf';

/** Deletes a request's container in one stage (a cancelled request's data is no longer needed). */
export const deleteStageData: ActivityHandler = async (input: StageInput): Promise<void> => {
  const deps = await getDependencies();
  await deps.storage.deleteContainer(containerFor(requestOf(input.request), input.stage));
};

df.app.activity(ACTIVITIES.deleteStageData, { handler: deleteStageData });
