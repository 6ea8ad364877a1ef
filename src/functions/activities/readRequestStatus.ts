import * as df from 'durable-functions';
import { ActivityHandler } from 'durable-functions';
import { RequestStatus } from '../../domain/status';
import { getDependencies } from '../../infra/dependencies';
import { ACTIVITIES, LifecycleInput } from '../lifecycleNames';
import { readStoredRequest } from '../storedRequest';

export interface StoredStatus {
  status: RequestStatus;
  resourceVersion: number;
}

/** The orchestrator acts on the stored request, never on an event's word alone. */
export const readRequestStatus: ActivityHandler = async (input: LifecycleInput): Promise<StoredStatus> => {
  const { status, resourceVersion } = await readStoredRequest(await getDependencies(), input);
  return { status, resourceVersion };
};

df.app.activity(ACTIVITIES.readRequestStatus, { handler: readRequestStatus });
