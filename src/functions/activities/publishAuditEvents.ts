import { AuditEntry } from '../../domain/audit';
import { eventOfAuditEntry } from '../../domain/airlockEvents';
import { getDependencies } from '../../infra/dependencies';
import { RequestStore } from '../../infra/requestStore';
import { ACTIVITIES, ActivityHandlerOf, registerActivity } from './contract';
import { LifecycleInput } from '../lifecycleNames';
import { readStoredRequest } from '../storedRequest';

export interface PublishAuditEventsInput {
  request: LifecycleInput;
  /** the highest audit seq already published; 0 publishes the whole log */
  afterSeq: number;
}

/** The first backward read when looking for the last status change; each further read doubles. */
const FIRST_LOOK_BACK = 8;

/**
 * Publishes one CloudEvent per audit entry written since `afterSeq` and returns the highest seq
 * published, which the orchestrator passes as `afterSeq` next time. An event's id is derived from
 * its entry, so a retry after a partial publish sends the same ids again and consumers drop the
 * duplicates; a failed publish throws for the orchestrator's retry policy.
 *
 * Only the new entries are read, plus, when the first of them does not set a status, the entries
 * back to the last one that did: an event's status is the status as of its entry, and that is where
 * it was last set. So a step costs what it publishes and the distance to the last status change,
 * never the length of the log.
 */
export const publishAuditEvents: ActivityHandlerOf<typeof ACTIVITIES.publishAuditEvents> = async (input: PublishAuditEventsInput): Promise<number> => {
  const deps = await getDependencies();
  const { workspaceId, requestId } = input.request;
  const request = await readStoredRequest(deps, input.request);
  const entries = await deps.store.listAudit(workspaceId, requestId, { afterSeq: input.afterSeq });
  if (entries.length === 0) return input.afterSeq;
  const statusSetBefore = entries[0].toStatus ? [] : await lastStatusChanges(deps.store, workspaceId, requestId, input.afterSeq);
  const log = [...statusSetBefore, ...entries];
  await deps.events.publish(entries.map((entry) => eventOfAuditEntry(entry, request, deps.config.deploymentId, log)));
  return Math.max(input.afterSeq, ...entries.map((entry) => entry.seq));
};

/**
 * The entries through `throughSeq` that set a status, from the newest window of the log that holds
 * any (the newest of them is the one `statusAsOf` looks for). Read backwards in windows that double,
 * so the search costs about the distance to that entry, however long the log before it.
 */
async function lastStatusChanges(store: RequestStore, workspaceId: string, requestId: string, throughSeq: number): Promise<AuditEntry[]> {
  let window = FIRST_LOOK_BACK;
  for (let upper = throughSeq; upper > 0; upper -= window, window *= 2) {
    const earlier = await store.listAudit(workspaceId, requestId, { afterSeq: Math.max(0, upper - window), throughSeq: upper });
    const changes = earlier.filter((entry) => entry.toStatus);
    if (changes.length > 0) return changes;
  }
  return [];
}

registerActivity(ACTIVITIES.publishAuditEvents, publishAuditEvents);
