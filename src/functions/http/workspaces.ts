/**
 * The registry's workspaces as Azure TRE's API serves them, for the TRE portal and the `tre` CLI:
 * the list on the portal's home page, one workspace (the portal's workspace page, the CLI's scope
 * lookup before every airlock command) and its scope id (tre-facts §1.3, §1.4, §2.2, §3.5). Who sees
 * which workspace is `WORKSPACE_ACCESS` in domain/permissions.ts.
 */
import { app, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { NotFoundError } from '../../domain/errors';
import { DirectoryRoles, needsRoleDirectory, requireTreUser, requireWorkspaceVisible, visibleWorkspaces } from '../../domain/permissions';
import { Caller } from '../../domain/roles';
import { scopeIdOf, treWorkspaceOf } from '../../domain/treWorkspace';
import { isWorkspaceId, Workspace } from '../../domain/workspace';
import { Dependencies, getDependencies } from '../../infra/dependencies';
import { answering, json, workspaceIdParam } from './httpMapping';
import { authenticate } from './requestAccess';

/** The caller's workspace roles from the role directory, asked only for a TRE user's core token that does not see everything anyway. */
function directoryRolesOf(deps: Dependencies, caller: Caller, workspaces: readonly Workspace[]): Promise<DirectoryRoles> {
  return needsRoleDirectory(caller) ? deps.roleDirectory.rolesOf(caller.id, workspaces) : Promise.resolve(new Map());
}

function configuredScopeOf(deps: Dependencies, workspaceId: string): string | undefined {
  return deps.config.workspaceScopes?.[workspaceId];
}

/**
 * A workspace the registry holds and the configuration still serves. One dropped from
 * AIRLOCK_WORKSPACE_AUDIENCES keeps its registry entry, but no token for it is accepted any more, so
 * it is shown nowhere, as the request routes treat it.
 */
function isServed(deps: Dependencies, workspaceId: string): boolean {
  return isWorkspaceId(workspaceId) && Object.hasOwn(deps.config.workspaceAudiences, workspaceId);
}

async function registeredWorkspace(deps: Dependencies, workspaceId: string): Promise<Workspace | undefined> {
  return isServed(deps, workspaceId) ? deps.workspaces.get(workspaceId) : undefined;
}

/** The workspace the route names, if the caller may read it; shared with its workspace services. */
export async function loadVisibleWorkspace(request: HttpRequest, deps: Dependencies): Promise<Workspace> {
  const caller = await authenticate(request, deps);
  const workspaceId = workspaceIdParam(request);
  const workspace = await registeredWorkspace(deps, workspaceId);
  const directory = workspace ? await directoryRolesOf(deps, caller, [workspace]) : new Map();
  requireWorkspaceVisible(caller, workspaceId, workspace, directory);
  return workspace;
}

export const listWorkspaces = answering(async (request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> => {
  const deps = await getDependencies();
  const caller = await authenticate(request, deps);
  // A workspace token speaks for its own workspace; a core token must be a TRE user's.
  if (caller.workspaceId === undefined) requireTreUser(caller, 'list workspaces');
  const registered = (await deps.workspaces.list()).filter((workspace) => isServed(deps, workspace.id)).sort((a, b) => a.id.localeCompare(b.id));
  const visible = visibleWorkspaces(caller, registered, await directoryRolesOf(deps, caller, registered));
  return json(200, { workspaces: visible.map((workspace) => treWorkspaceOf(workspace, { scopeId: configuredScopeOf(deps, workspace.id) })) });
});

export const getWorkspace = answering(async (request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> => {
  const deps = await getDependencies();
  const workspace = await loadVisibleWorkspace(request, deps);
  return json(200, { workspace: treWorkspaceOf(workspace, { scopeId: configuredScopeOf(deps, workspace.id) }) });
});

/**
 * Any TRE user may ask any workspace's scope id, as in Azure TRE: the portal asks it with the core
 * token before it knows the caller's workspace roles, which only the workspace token then shows.
 */
export const getWorkspaceScopeId = answering(async (request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> => {
  const deps = await getDependencies();
  const caller = await authenticate(request, deps);
  requireTreUser(caller, "ask a workspace's scope id");
  const workspaceId = workspaceIdParam(request);
  const workspace = await registeredWorkspace(deps, workspaceId);
  if (!workspace) throw new NotFoundError(`Workspace '${workspaceId.slice(0, 64)}' does not exist`);
  return json(200, { workspaceAuth: { scopeId: scopeIdOf(workspace.audience, configuredScopeOf(deps, workspace.id)) } });
});

app.http('listWorkspaces', { methods: ['GET'], authLevel: 'anonymous', route: 'workspaces', handler: listWorkspaces });
app.http('getWorkspace', { methods: ['GET'], authLevel: 'anonymous', route: 'workspaces/{workspaceId}', handler: getWorkspace });
app.http('getWorkspaceScopeId', { methods: ['GET'], authLevel: 'anonymous', route: 'workspaces/{workspaceId}/scopeid', handler: getWorkspaceScopeId });
