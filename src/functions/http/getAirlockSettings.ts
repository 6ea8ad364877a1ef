/**
 * A workspace's entry in the registry and its airlock settings, for TRE administrators. The PUT
 * handler shares how the caller and the workspace are checked, and the response's shape.
 */
import { app, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { NotFoundError } from '../../domain/errors';
import { Caller } from '../../domain/roles';
import { requireTreAdmin } from '../../domain/permissions';
import { completeAirlockSettings, isWorkspaceId, storageAccountsOf, Workspace } from '../../domain/workspace';
import { Dependencies, getDependencies } from '../../infra/dependencies';
import { answering, json, workspaceIdParam } from './httpMapping';
import { authenticate } from './requestAccess';

/**
 * A core token with TREAdmin, then the workspace (404 only after that, so nobody else learns which
 * workspaces exist).
 */
export async function loadWorkspaceAsAdmin(request: HttpRequest, deps: Dependencies, action: string): Promise<{ caller: Caller; workspace: Workspace }> {
  const caller = await authenticate(request, deps);
  requireTreAdmin(caller, action);
  const workspaceId = workspaceIdParam(request);
  const workspace = isWorkspaceId(workspaceId) ? await deps.workspaces.get(workspaceId) : undefined;
  if (!workspace) throw new NotFoundError(`workspace '${workspaceId.slice(0, 64)}' does not exist`);
  return { caller, workspace: { ...workspace, airlock: completeAirlockSettings(workspace.airlock) } };
}

/** The workspace with its stage accounts' real names; the etag both in the body and as the ETag header, for If-Match. */
export function airlockSettingsResponse(workspace: Workspace, treId: string): HttpResponseInit {
  const { id, displayName, audience, airlock, changes, etag } = workspace;
  const response = json(200, {
    workspace: { id, displayName, audience, storageAccounts: storageAccountsOf(id, treId), airlock, changes, etag },
  });
  const headers = new Headers(response.headers);
  if (etag) headers.set('etag', etag);
  return { ...response, headers };
}

export const getAirlockSettings = answering(async (request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> => {
  const deps = await getDependencies();
  const { workspace } = await loadWorkspaceAsAdmin(request, deps, "read a workspace's airlock settings");
  return airlockSettingsResponse(workspace, deps.config.treId);
});

app.http('getAirlockSettings', {
  methods: ['GET'],
  authLevel: 'anonymous',
  route: 'workspaces/{workspaceId}/airlock-settings',
  handler: getAirlockSettings,
});
