import { epochSeconds } from '../../domain/epochSeconds';
import { InvariantError } from '../../domain/errors';
import { messageOf, withStatus } from '../../domain/request';
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
  /** Why: the domain files it as the status message (failure, block) or the progress message (anything else). */
  message?: string;
  /** The name `message` had before progress got its own field, in inputs an older version scheduled. */
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
    // Finishing a move keeps the reason given (a rejection's explanation, a scan verdict) unless there is a new one.
    const message = input.message ?? input.statusMessage ?? messageOf(request);
    return withStatus(request, { to: input.to, trigger: 'system', actor: AIRLOCK_SYSTEM, now: epochSeconds(deps.now()), message });
  });
  return stored.status;
};

registerActivity(ACTIVITIES.setRequestStatus, setRequestStatus);
