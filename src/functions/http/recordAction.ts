import { HttpRequest, HttpResponseInit } from '@azure/functions';
import * as df from 'durable-functions';
import { auditOfChange } from '../../domain/auditOfChange';
import { epochSeconds } from '../../domain/epochSeconds';
import { ConflictError } from '../../domain/errors';
import { authorize, UserAction } from '../../domain/permissions';
import { AirlockRequest } from '../../domain/request';
import { Caller } from '../../domain/roles';
import { Dependencies, getDependencies } from '../../infra/dependencies';
import { REQUEST_UPDATED_EVENT } from '../lifecycleNames';
import { requireRunningWorkflow } from '../lifecycleWorkflow';
import { json, notifyLifecycle, readJsonBody, requestIdParam, withActions, workspaceIdParam } from './httpMapping';
import { authenticate, loadVisibleRequest } from './requestAccess';

export interface ActionContext {
  request: AirlockRequest;
  caller: Caller;
  deps: Dependencies;
  /** epoch seconds */
  now: number;
  /** The JSON body, read only by actions that take one (after the caller is known to be allowed). */
  body(): Promise<unknown>;
}

/**
 * The shape of every action a person takes on a request: authenticate, load, authorize, compute the
 * changed request, store it with an etag check (losing a race is a 409 and changes nothing), then
 * tell the request's orchestration to look at the stored request. Nothing is stored while the
 * orchestration is not running, since nothing would carry the action out.
 */
export async function recordAction(
  httpRequest: HttpRequest,
  client: df.DurableClient,
  action: UserAction,
  change: (context: ActionContext) => Promise<AirlockRequest> | AirlockRequest,
): Promise<HttpResponseInit> {
  const { caller, stored } = await storeAction(httpRequest, client, action, change);
  return json(200, withActions(caller, stored));
}

/** `recordAction` without the answer: who acted, and the request as stored, for handlers that answer later. */
export async function storeAction(
  httpRequest: HttpRequest,
  client: df.DurableClient,
  action: UserAction,
  change: (context: ActionContext) => Promise<AirlockRequest> | AirlockRequest,
): Promise<{ caller: Caller; stored: AirlockRequest }> {
  const deps = await getDependencies();
  const workspaceId = workspaceIdParam(httpRequest);
  const caller = await authenticate(httpRequest, deps, workspaceId);
  const requestId = requestIdParam(httpRequest);
  const bodyText = once(() => readJsonBody(httpRequest));
  let stored: AirlockRequest;
  for (let attempt = 1; ; attempt++) {
    const request = await loadVisibleRequest(deps, caller, workspaceId, requestId);
    authorize(action, caller, request);
    if (attempt === 1) await requireRunningWorkflow(client, requestId);
    const now = epochSeconds(deps.now());
    const changed = await change({ request, caller, deps, now, body: bodyText });
    try {
      stored = await deps.store.replace(changed, auditOfChange(request, changed));
      break;
    } catch (error) {
      // A write that only appended to the audit log (a link was issued) changed nothing the action
      // was decided on: decide again on the fresh version. Any other concurrent change is a 409.
      if (!(error instanceof ConflictError) || attempt >= 3 || !(await onlyAudited(deps, request))) throw error;
    }
  }
  await notifyLifecycle(
    () => client.raiseEvent(requestId, REQUEST_UPDATED_EVENT, { status: stored.status, resourceVersion: stored.resourceVersion }),
    `The ${action}`,
  );
  return { caller, stored };
}

async function onlyAudited(deps: Dependencies, read: AirlockRequest): Promise<boolean> {
  const now = await deps.store.get(read.workspaceId, read.id);
  return now !== undefined && now.resourceVersion === read.resourceVersion;
}

function once<T>(read: () => Promise<T>): () => Promise<T> {
  let result: Promise<T> | undefined;
  return () => (result ??= read());
}
