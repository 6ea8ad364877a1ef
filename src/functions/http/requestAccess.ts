import { HttpRequest } from '@azure/functions';
import { NotFoundError } from '../../domain/errors';
import { canView } from '../../domain/permissions';
import { AirlockRequest } from '../../domain/request';
import { Caller } from '../../domain/roles';
import { AirlockSettings } from '../../domain/workspace';
import { Dependencies } from '../../infra/dependencies';
import { airlockSettingsOf } from '../airlockSettings';

export function authenticate(request: HttpRequest, deps: Dependencies, workspaceId?: string): Promise<Caller> {
  return deps.identity.authenticate(request.headers.get('authorization'), { workspaceId });
}

/** The request if it exists and the caller may see it; otherwise 404 (a hidden request is not confirmed to exist). */
export async function loadVisibleRequest(deps: Dependencies, caller: Caller, workspaceId: string, requestId: string): Promise<AirlockRequest> {
  return (await loadVisibleRequestWithSettings(deps, caller, workspaceId, requestId)).request;
}

/** `loadVisibleRequest`, with the workspace settings its visibility was judged by (read once). */
export async function loadVisibleRequestWithSettings(
  deps: Dependencies,
  caller: Caller,
  workspaceId: string,
  requestId: string,
): Promise<{ request: AirlockRequest; settings: AirlockSettings }> {
  const request = await deps.store.get(workspaceId, requestId);
  const settings = request ? await airlockSettingsOf(deps, workspaceId) : undefined;
  if (!request || !settings || !canView(caller, request, settings.requestVisibility)) {
    throw new NotFoundError(`Airlock request '${requestId}' does not exist in workspace '${workspaceId}'`);
  }
  return { request, settings };
}
