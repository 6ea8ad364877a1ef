import { epochSeconds } from '../../domain/epochSeconds';
import { InvariantError } from '../../domain/errors';
import { withStatus } from '../../domain/request';
import { AIRLOCK_SYSTEM } from '../../domain/roles';
import { RequestStatus } from '../../domain/status';
import { getDependencies } from '../../infra/dependencies';
import { ACTIVITIES, ActivityHandlerOf, registerActivity } from './contract';
import { LifecycleInput } from '../lifecycleNames';
import { updateStoredRequest } from '../storedRequest';

export interface StatusInput {
  request: LifecycleInput;
  from: RequestStatus;
  to: RequestStatus;
  statusMessage?: string;
}

/** A transition the airlock makes itself. Running it twice is harmless: the second finds it done. */
export const setRequestStatus: ActivityHandlerOf<typeof ACTIVITIES.setRequestStatus> = async (input: StatusInput): Promise<RequestStatus> => {
  const deps = await getDependencies();
  const stored = await updateStoredRequest(deps, input.request, (request) => {
    if (request.status === input.to) return undefined;
    if (request.status !== input.from) {
      throw new InvariantError(`expected the request to be '${input.from}' before '${input.to}', but it is '${request.status}'`);
    }
    // Finishing a move keeps the reason the person gave (a rejection's explanation) unless there is a new one.
    const statusMessage = input.statusMessage ?? request.statusMessage;
    return withStatus(request, { to: input.to, trigger: 'system', actor: AIRLOCK_SYSTEM, now: epochSeconds(deps.now()), statusMessage });
  });
  return stored.status;
};

registerActivity(ACTIVITIES.setRequestStatus, setRequestStatus);
