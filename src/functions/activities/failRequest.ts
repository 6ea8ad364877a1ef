import * as df from 'durable-functions';
import { InvocationContext } from '@azure/functions';
import { ActivityHandler } from 'durable-functions';
import { withStatus } from '../../domain/request';
import { AIRLOCK_SYSTEM } from '../../domain/roles';
import { canTransition } from '../../domain/transitions';
import { getDependencies } from '../../infra/dependencies';
import { ACTIVITIES, LifecycleInput } from '../lifecycleNames';
import { epochSeconds, updateStoredRequest } from '../storedRequest';

export interface FailInput {
  request: LifecycleInput;
  statusMessage: string;
}

/** Marks the request failed with a message a person can act on, if its status allows it. */
export const failRequest: ActivityHandler = async (input: FailInput, context: InvocationContext): Promise<string> => {
  const deps = await getDependencies();
  const stored = await updateStoredRequest(deps, input.request, (request) => {
    if (!canTransition(request.status, 'failed')) {
      context.warn(`request ${request.id} could not be marked failed from '${request.status}': ${input.statusMessage}`);
      return undefined;
    }
    return withStatus(request, { to: 'failed', trigger: 'system', actor: AIRLOCK_SYSTEM, now: epochSeconds(deps), statusMessage: input.statusMessage });
  });
  return stored.status;
};

df.app.activity(ACTIVITIES.failRequest, { handler: failRequest });
