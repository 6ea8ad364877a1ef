import { app, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { requirePermission } from '../../domain/permissions';
import { getDependencies } from '../../infra/dependencies';
import { answering, json, requestIdParam, workspaceIdParam } from './httpMapping';
import { authenticate, loadVisibleRequest } from './requestAccess';

/**
 * `POST .../requests/{requestId}/review-user-resource`: Azure TRE's portal calls it to deploy a
 * review VM. This airlock has none, so the route exists only to say so, in words, to whoever could
 * have used it: the caller is checked as for a review (401, 404 for a request they cannot see, 403
 * without the Airlock Manager role), and then told how a reviewer reaches the files here (501).
 */
export const reviewUserResource = answering(async (request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> => {
  const deps = await getDependencies();
  const workspaceId = workspaceIdParam(request);
  const caller = await authenticate(request, deps, workspaceId);
  const airlockRequest = await loadVisibleRequest(deps, caller, workspaceId, requestIdParam(request));
  requirePermission(caller, 'review');
  const requestPath = `/api/workspaces/${workspaceId}/requests/${airlockRequest.id}`;
  return json(501, {
    detail:
      'Review VMs are not part of this airlock: it deploys no review user resource. To judge the files, ' +
      `while the request is in review get a read-only link to them with GET ${requestPath}/link, ` +
      `download and inspect them, then approve or reject with POST ${requestPath}/review.`,
  });
});

app.http('reviewUserResource', {
  methods: ['POST'],
  authLevel: 'anonymous',
  route: 'workspaces/{workspaceId}/requests/{requestId}/review-user-resource',
  handler: reviewUserResource,
});
