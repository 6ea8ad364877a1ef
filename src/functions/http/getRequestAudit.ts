import { app, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { requirePermission } from '../../domain/permissions';
import { verifyChain } from '../../infra/auditChain';
import { getDependencies } from '../../infra/dependencies';
import { answering, json, requestIdParam, workspaceIdParam } from './httpMapping';
import { authenticate, loadVisibleRequest } from './requestAccess';

/** The request's audit log, and whether its hash chain verifies: for those who govern the workspace. */
export const getRequestAudit = answering(async (request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> => {
  const deps = await getDependencies();
  const workspaceId = workspaceIdParam(request);
  const caller = await authenticate(request, deps, workspaceId);
  requirePermission(caller, 'readAudit');
  const airlockRequest = await loadVisibleRequest(deps, caller, workspaceId, requestIdParam(request));
  const entries = await deps.store.listAudit(workspaceId, airlockRequest.id);
  return json(200, { requestId: airlockRequest.id, entries, verification: verifyChain(entries, airlockRequest.auditHead) });
});

app.http('getRequestAudit', {
  methods: ['GET'],
  authLevel: 'anonymous',
  route: 'workspaces/{workspaceId}/requests/{requestId}/audit',
  handler: getRequestAudit,
});
