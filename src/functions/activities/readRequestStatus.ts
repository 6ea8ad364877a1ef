import { filesLocationOf } from '../../domain/request';
import { FilesLocation } from '../../domain/stages';
import { RequestStatus } from '../../domain/status';
import { getDependencies } from '../../infra/dependencies';
import { ACTIVITIES, ActivityHandlerOf, registerActivity } from './contract';
import { LifecycleInput } from '../lifecycleNames';
import { readStoredRequest } from '../storedRequest';

export interface StoredStatus {
  status: RequestStatus;
  resourceVersion: number;
  /** The submission cycle last submitted (0 before the first submit). */
  cycle: number;
  /** Where the files of record are; null once deleted. */
  filesAt: FilesLocation | null;
}

/** The orchestrator acts on the stored request, never on an event's word alone. */
export const readRequestStatus: ActivityHandlerOf<typeof ACTIVITIES.readRequestStatus> = async (input: LifecycleInput): Promise<StoredStatus> => {
  const request = await readStoredRequest(await getDependencies(), input);
  return { status: request.status, resourceVersion: request.resourceVersion, cycle: request.reviewCycle ?? 0, filesAt: filesLocationOf(request) };
};

registerActivity(ACTIVITIES.readRequestStatus, readRequestStatus);
