import { app, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { getDependencies } from '../../infra/dependencies';
import { answering, json, requestIdParam, withActions, workspaceIdParam } from './httpMapping';
import { authenticate, loadVisibleRequestWithSettings } from './requestAccess';

export const getRequest = answering(async (request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> => {
  const deps = await getDependencies();
  const workspaceId = workspaceIdParam(request);
  const caller = await authenticate(request, deps, workspaceId);
  const { request: airlockRequest, settings } = await loadVisibleRequestWithSettings(deps, caller, workspaceId, requestIdParam(request));
  // How many approvals the next one is judged against, so a reviewer sees how many remain before the first.
  return json(200, { ...withActions(caller, airlockRequest), requiredApprovals: settings.requiredApprovals });
});

app.http('getRequest', {
  methods: ['GET'],
  authLevel: 'anonymous',
  route: 'workspaces/{workspaceId}/requests/{requestId}',
  handler: getRequest,
});
