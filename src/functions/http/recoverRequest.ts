import { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { NotFoundError } from '../../domain/errors';
import { userRefOf } from '../../domain/roles';
import { requireTreAdmin } from '../../domain/permissions';
import { getDependencies } from '../../infra/dependencies';
import { restartStoppedWorkflow, workflowStateOf } from '../lifecycleWorkflow';
import { answering, json, requestIdParam, workspaceIdParam } from './httpMapping';
import { authenticate } from './requestAccess';

/**
 * For TRE administrators: starts a request's workflow again when it stopped without finishing
 * (terminated by hand, failed, lost in a crash). It carries on from the request's stored status.
 * The reconciler does the same on its schedule; this is for not having to wait.
 */
export const recoverRequest = answering(async (request: HttpRequest, client: df.DurableClient, _context: InvocationContext): Promise<HttpResponseInit> => {
  const deps = await getDependencies();
  const caller = await authenticate(request, deps);
  requireTreAdmin(caller, "restart a request's workflow");
  const workspaceId = workspaceIdParam(request);
  const requestId = requestIdParam(request);
  const stored = await deps.store.get(workspaceId, requestId);
  if (!stored) throw new NotFoundError(`Airlock request '${requestId}' does not exist in workspace '${workspaceId.slice(0, 64)}'`);
  const replaced = await restartStoppedWorkflow(deps, client, stored, userRefOf(caller), 'restarted by a TRE administrator');
  if (replaced === undefined) {
    const state = await workflowStateOf(client, requestId);
    return json(200, { restarted: false, detail: state.running ? 'The workflow is running; nothing to do' : `The workflow finished (${state.runtimeStatus}); nothing to do` });
  }
  return json(202, { restarted: true, detail: `The workflow was ${replaced} and has been started again from status '${stored.status}'` });
});

df.app.client.http('recoverRequest', {
  methods: ['POST'],
  authLevel: 'anonymous',
  route: 'workspaces/{workspaceId}/requests/{requestId}/recover',
  handler: recoverRequest,
});
