import { app, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { scanCapacityOf } from '../../config';
import { epochSeconds } from '../../domain/epochSeconds';
import { ConflictError } from '../../domain/errors';
import { userRefOf } from '../../domain/roles';
import { parseAirlockSettings } from '../../domain/schemas';
import { changedSettingFields, withSettings, Workspace } from '../../domain/workspace';
import { getDependencies } from '../../infra/dependencies';
import { airlockSettingsResponse, loadWorkspaceAsAdmin } from './getAirlockSettings';
import { answering, readJsonBody } from './httpMapping';

/**
 * Replaces a workspace's airlock settings whole. The write is conditional on the version read here
 * (and on If-Match, when the administrator sends the version they saw), so a concurrent change is
 * refused with 409, never overwritten. The change is kept on the workspace, who, when, from and to.
 */
export const putAirlockSettings = answering(async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
  const deps = await getDependencies();
  const { caller, workspace } = await loadWorkspaceAsAdmin(request, deps, "change a workspace's airlock settings");
  const settings = parseAirlockSettings(await readJsonBody(request), scanCapacityOf(deps.config.scanner));
  requireVersion(workspace, request.headers.get('if-match'));
  const changedFields = changedSettingFields(workspace.airlock, settings);
  // Writing the same settings again is not a change: nothing to record.
  if (changedFields.length === 0) return airlockSettingsResponse(workspace, deps.config.treId);

  const now = epochSeconds(deps.now());
  const changed = await deps.workspaces.replace(withSettings(workspace, settings, userRefOf(caller), now));
  context.log(`airlock settings changed: workspace=${workspace.id} by=${caller.id} fields=${changedFields.join(',')}`);
  return airlockSettingsResponse(changed, deps.config.treId);
});

/** An If-Match other than the current version means the administrator decided on settings that have since changed. */
function requireVersion(workspace: Workspace, ifMatch: string | null): void {
  const expected = ifMatch?.trim();
  if (!expected || expected === '*' || expected === workspace.etag) return;
  throw new ConflictError(`The airlock settings of workspace ${workspace.id} were changed by someone else; reload and try again`);
}

app.http('putAirlockSettings', {
  methods: ['PUT'],
  authLevel: 'anonymous',
  route: 'workspaces/{workspaceId}/airlock-settings',
  handler: putAirlockSettings,
});
