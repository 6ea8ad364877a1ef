import { eventOfAuditEntry } from '../../domain/airlockEvents';
import { getDependencies } from '../../infra/dependencies';
import { ACTIVITIES, ActivityHandlerOf, registerActivity } from './contract';
import { LifecycleInput } from '../lifecycleNames';
import { readStoredRequest } from '../storedRequest';

export interface PublishAuditEventsInput {
  request: LifecycleInput;
  /** the highest audit seq already published; 0 publishes the whole log */
  afterSeq: number;
}

/**
 * Publishes one CloudEvent per audit entry written since `afterSeq` and returns the highest seq
 * published, which the orchestrator passes as `afterSeq` next time. An event's id is derived from
 * its entry, so a retry after a partial publish sends the same ids again and consumers drop the
 * duplicates; a failed publish throws for the orchestrator's retry policy.
 */
export const publishAuditEvents: ActivityHandlerOf<typeof ACTIVITIES.publishAuditEvents> = async (input: PublishAuditEventsInput): Promise<number> => {
  const deps = await getDependencies();
  const request = await readStoredRequest(deps, input.request);
  const log = await deps.store.listAudit(input.request.workspaceId, input.request.requestId);
  const entries = log.filter((entry) => entry.seq > input.afterSeq);
  if (entries.length === 0) return input.afterSeq;
  await deps.events.publish(entries.map((entry) => eventOfAuditEntry(entry, request, deps.config.deploymentId, log)));
  return Math.max(input.afterSeq, ...entries.map((entry) => entry.seq));
};

registerActivity(ACTIVITIES.publishAuditEvents, publishAuditEvents);
