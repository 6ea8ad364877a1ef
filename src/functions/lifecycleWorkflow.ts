/**
 * The state of a request's workflow (its orchestration instance), and starting it again. An action
 * recorded on a request whose workflow is not running would never be carried out, so actions are
 * refused then; the workflow can be restarted, and carries on from the request's stored status.
 */
import * as df from 'durable-functions';
import { epochSeconds } from '../domain/epochSeconds';
import { DependencyError } from '../domain/errors';
import { AirlockRequest } from '../domain/request';
import { UserRef } from '../domain/roles';
import { isFinalStatus } from '../domain/transitions';
import { Dependencies } from '../infra/dependencies';
import { LIFECYCLE_ORCHESTRATOR, lifecycleInputOf } from './lifecycleNames';
import { appendAudit } from './storedRequest';
import { errorText } from '../domain/errorText';

export type WorkflowState = { running: true } | { running: false; runtimeStatus: string };

const RUNNING = new Set(['Running', 'Pending', 'ContinuedAsNew', 'Suspended']);
/** Instances that ended without the lifecycle finishing its story. */
const STOPPED = new Set(['Terminated', 'Failed', 'Canceled', 'missing']);

export async function workflowStateOf(client: df.DurableClient, requestId: string): Promise<WorkflowState> {
  let status: df.DurableOrchestrationStatus;
  try {
    status = await client.getStatus(requestId);
  } catch (error) {
    // The client reports an unknown instance as an error whose text names the 404.
    if (/\b404\b/.test(errorText(error))) return { running: false, runtimeStatus: 'missing' };
    throw new DependencyError(`the airlock's workflow service did not answer (${errorText(error).split('\n')[0]}); try again shortly`);
  }
  const runtimeStatus = String(status.runtimeStatus);
  return RUNNING.has(runtimeStatus) ? { running: true } : { running: false, runtimeStatus };
}

/** Refuses an action before anything is stored, when nothing would carry it out. */
export async function requireRunningWorkflow(client: df.DurableClient, requestId: string): Promise<void> {
  const state = await workflowStateOf(client, requestId);
  if (state.running) return;
  throw new DependencyError(
    `The airlock's workflow for request ${requestId} is not running (${state.runtimeStatus}), so nothing was changed. ` +
      `It is restarted automatically within minutes; a TRE administrator can restart it now with POST .../requests/${requestId}/recover`,
  );
}

/**
 * Starts the workflow again when it stopped without finishing (terminated, failed, or never
 * started), with an audit entry saying who did it and why. Returns the runtime status it replaced,
 * or undefined when the workflow is running or finished its story (nothing to do).
 */
export async function restartStoppedWorkflow(
  deps: Dependencies,
  client: df.DurableClient,
  request: AirlockRequest,
  actor: UserRef,
  reason: string,
): Promise<string | undefined> {
  const state = await workflowStateOf(client, request.id);
  if (state.running) return undefined;
  // A completed workflow told its story to the end, unless the request still waits for a step.
  const stalled = STOPPED.has(state.runtimeStatus) || (state.runtimeStatus === 'Completed' && !isFinalStatus(request.status));
  if (!stalled) return undefined;
  const input = lifecycleInputOf(request);
  // Recorded first: a restart is a change to how the request is handled, and must be in its log.
  await appendAudit(deps, input, {
    action: 'workflow.restarted',
    actor,
    time: epochSeconds(deps.now()),
    detail: { reason, previousRuntimeStatus: state.runtimeStatus, status: request.status },
  });
  await client.startNew(LIFECYCLE_ORCHESTRATOR, { instanceId: request.id, input });
  return state.runtimeStatus;
}
