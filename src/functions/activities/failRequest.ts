import { InvocationContext } from '@azure/functions';
import { epochSeconds } from '../../domain/epochSeconds';
import { withStatus } from '../../domain/request';
import { AIRLOCK_SYSTEM } from '../../domain/roles';
import { RequestStatus } from '../../domain/status';
import { canTransition } from '../../domain/transitions';
import { getDependencies } from '../../infra/dependencies';
import { ACTIVITIES, ActivityHandlerOf, registerActivity } from './contract';
import { LifecycleInput } from '../lifecycleNames';
import { updateStoredRequest } from '../storedRequest';

export interface FailInput {
  request: LifecycleInput;
  statusMessage: string;
}

/** Marks the request failed with a message a person can act on, if its status allows it. */
export const failRequest: ActivityHandlerOf<typeof ACTIVITIES.failRequest> = async (input: FailInput, context: InvocationContext): Promise<RequestStatus> => {
  const deps = await getDependencies();
  const stored = await updateStoredRequest(deps, input.request, (request) => {
    if (!canTransition(request.status, 'failed')) {
      context.warn(`request ${request.id} could not be marked failed from '${request.status}': ${input.statusMessage}`);
      return undefined;
    }
    return withStatus(request, { to: 'failed', trigger: 'system', actor: AIRLOCK_SYSTEM, now: epochSeconds(deps.now()), message: input.statusMessage });
  });
  return stored.status;
};

registerActivity(ACTIVITIES.failRequest, failRequest);
