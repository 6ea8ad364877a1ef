import { app, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { linkGrantFor } from '../../domain/permissions';
import { getDependencies } from '../../infra/dependencies';
import { containerFor } from '../../infra/stageStorage';
import { answering, json, requestIdParam, workspaceIdParam } from './httpMapping';
import { authenticate, loadVisibleRequest } from './requestAccess';

/** A SAS URL scoped to the request's one container in its current stage, with the least permission the status needs. */
export const getRequestLink = answering(async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
  const deps = await getDependencies();
  const workspaceId = workspaceIdParam(request);
  const caller = await authenticate(request, deps, workspaceId);
  const airlockRequest = await loadVisibleRequest(deps, caller, workspaceId, requestIdParam(request));
  const grant = linkGrantFor(caller, airlockRequest);
  const container = containerFor(airlockRequest, grant.stage);
  // The draft container is provisioned by the workflow right after create; making sure here lets a
  // researcher upload the moment the request exists.
  if (grant.stage === 'draft') await deps.storage.ensureContainer(container);
  const expiresOn = new Date(deps.now().getTime() + deps.config.sasExpiryMinutes * 60_000);
  const containerUrl = await deps.storage.containerUrl(container, grant.permissions, expiresOn);
  context.log(
    `link issued: request=${airlockRequest.id} workspace=${workspaceId} to=${caller.id} stage=${grant.stage} permissions=${grant.permissions} expires=${expiresOn.toISOString()}`,
  );
  return json(200, { containerUrl });
});

app.http('getRequestLink', {
  methods: ['GET', 'POST'],
  authLevel: 'anonymous',
  route: 'workspaces/{workspaceId}/requests/{requestId}/link',
  handler: getRequestLink,
});
