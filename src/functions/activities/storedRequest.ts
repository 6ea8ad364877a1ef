import { ConflictError, NotFoundError } from '../../domain/errors';
import { AirlockRequest } from '../../domain/request';
import { Dependencies } from '../../infra/dependencies';
import { LifecycleInput } from '../lifecycleNames';

export async function readStoredRequest(deps: Dependencies, ref: LifecycleInput): Promise<AirlockRequest> {
  const request = await deps.store.get(ref.workspaceId, ref.requestId);
  if (!request) throw new NotFoundError(`Airlock request '${ref.requestId}' is not in the store`);
  return request;
}

/**
 * Read, change, write with the etag; on a lost race read again and re-decide, because the other
 * writer may have made the change pointless (e.g. the request was cancelled meanwhile).
 * `change` returns undefined when nothing needs writing.
 */
export async function updateStoredRequest(
  deps: Dependencies,
  ref: LifecycleInput,
  change: (request: AirlockRequest) => AirlockRequest | undefined,
  attempts = 5,
): Promise<AirlockRequest> {
  for (let attempt = 1; ; attempt++) {
    const current = await readStoredRequest(deps, ref);
    const changed = change(current);
    if (!changed) return current;
    try {
      return await deps.store.replace(changed);
    } catch (error) {
      if (!(error instanceof ConflictError) || attempt >= attempts) throw error;
    }
  }
}

export function epochSeconds(deps: Dependencies): number {
  return Math.floor(deps.now().getTime() / 1000);
}
