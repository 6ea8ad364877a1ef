import * as df from 'durable-functions';
import { ActivityHandler } from 'durable-functions';
import { IllegalTransitionError } from '../../domain/errors';
import { withStatus } from '../../domain/request';
import { AIRLOCK_SYSTEM } from '../../domain/roles';
import { RequestStatus } from '../../domain/status';
import { getDependencies } from '../../infra/dependencies';
import { ACTIVITIES, LifecycleInput } from '../lifecycleNames';
import { epochSeconds, updateStoredRequest } from '../storedRequest';

export interface StatusInput {
  request: LifecycleInput;
  from: RequestStatus;
  to: RequestStatus;
  statusMessage?: string;
}

/** A transition the airlock makes itself. Running it twice is harmless: the second finds it done. */
export const setRequestStatus: ActivityHandler = async (input: StatusInput): Promise<RequestStatus> => {
  const deps = await getDependencies();
  const stored = await updateStoredRequest(deps, input.request, (request) => {
    if (request.status === input.to) return undefined;
    if (request.status !== input.from) {
      throw new IllegalTransitionError(`expected the request to be '${input.from}' before '${input.to}', but it is '${request.status}'`);
    }
    // Finishing a move keeps the reason the person gave (a rejection's explanation) unless there is a new one.
    const statusMessage = input.statusMessage ?? request.statusMessage;
    return withStatus(request, { to: input.to, trigger: 'system', actor: AIRLOCK_SYSTEM, now: epochSeconds(deps), statusMessage });
  });
  return stored.status;
};

df.app.activity(ACTIVITIES.setRequestStatus, { handler: setRequestStatus });
