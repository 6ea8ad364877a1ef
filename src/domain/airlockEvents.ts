/**
 * The CloudEvents the airlock publishes: one per audit entry, so every status change, review, link
 * issuance and data movement or deletion is an event, and an event exists exactly when its change
 * was stored. The id is `<requestId>:<seq>`, the same at every retry, so consumers drop duplicates.
 * `data` is flat, so Event Grid subscriptions can filter on it (`data.status`, `data.workspaceId`).
 */
import { AuditEntry } from './audit';
import { AirlockRequest } from './request';
import { UserRef } from './roles';
import { RequestStatus, RequestType } from './status';

export const AIRLOCK_EVENT_TYPES = {
  'request.created': 'Airlock.Request.Created',
  'status.changed': 'Airlock.Request.StatusChanged',
  'review.recorded': 'Airlock.Request.Reviewed',
  'link.issued': 'Airlock.Request.LinkIssued',
  'file.previewed': 'Airlock.Request.FilePreviewed',
  'files.recorded': 'Airlock.Request.FilesRecorded',
  'scan.recorded': 'Airlock.Request.ScanRecorded',
  'data.moved': 'Airlock.Request.DataMoved',
  'data.deleted': 'Airlock.Request.DataDeleted',
  'status.message': 'Airlock.Request.StatusMessageChanged',
  'workflow.restarted': 'Airlock.Request.WorkflowRestarted',
} as const;

export type AirlockEventType = (typeof AIRLOCK_EVENT_TYPES)[keyof typeof AIRLOCK_EVENT_TYPES];

export interface AirlockEventData {
  requestId: string;
  workspaceId: string;
  requestType: RequestType;
  title: string;
  /** the request's status after this event */
  status: RequestStatus;
  previousStatus: RequestStatus | null;
  /** why: a reviewer's explanation, else the entry's status message (a failure or a block), else its progress message */
  reason: string | null;
  actor: UserRef;
  requester: UserRef;
  /** the audit entry this event publishes */
  auditSeq: number;
  files: { name: string; sha256?: string }[];
  detail: AuditEntry['detail'] | null;
}

/** CloudEvents 1.0 as @azure/eventgrid sends them (`SendCloudEventInput`). */
export interface AirlockCloudEvent {
  id: string;
  source: string;
  type: AirlockEventType;
  subject: string;
  time: string;
  datacontenttype: 'application/json';
  data: AirlockEventData;
}

export function eventSource(deploymentId: string): string {
  return `/airlock/${deploymentId}`;
}

export function eventSubject(workspaceId: string, requestId: string): string {
  return `workspaces/${workspaceId}/requests/${requestId}`;
}

/** The request's status right after an entry, read from the log itself (the entries before it). */
export function statusAsOf(entry: AuditEntry, log: readonly AuditEntry[]): RequestStatus | undefined {
  if (entry.toStatus) return entry.toStatus;
  const earlier = log.filter((other) => other.seq < entry.seq && other.toStatus).sort((a, b) => b.seq - a.seq)[0];
  return earlier?.toStatus;
}

/**
 * The event that publishes an audit entry. `status` is the status right after the entry when the
 * log is given, so an event says what was true when it happened, not when it was published.
 */
export function eventOfAuditEntry(entry: AuditEntry, request: AirlockRequest, deploymentId: string, log: readonly AuditEntry[] = []): AirlockCloudEvent {
  const type = AIRLOCK_EVENT_TYPES[entry.action as keyof typeof AIRLOCK_EVENT_TYPES] ?? 'Airlock.Request.StatusMessageChanged';
  const text = (key: string) => (typeof entry.detail?.[key] === 'string' ? entry.detail[key] : undefined);
  // Entries written before progress had its own field kept progress in `statusMessage`: still a reason.
  const reason = text('explanation') ?? text('statusMessage') ?? text('progressMessage') ?? null;
  return {
    id: `${entry.requestId}:${entry.seq}`,
    source: eventSource(deploymentId),
    type,
    subject: eventSubject(entry.workspaceId, entry.requestId),
    time: new Date(entry.time * 1000).toISOString(),
    datacontenttype: 'application/json',
    data: {
      requestId: entry.requestId,
      workspaceId: entry.workspaceId,
      requestType: request.type,
      title: request.title,
      status: statusAsOf(entry, log) ?? request.status,
      previousStatus: entry.fromStatus ?? null,
      // Never the request's messages: by publishing time they may tell of a later change.
      reason,
      actor: entry.actor,
      requester: request.createdBy,
      auditSeq: entry.seq,
      files: entry.files ?? [],
      detail: entry.detail ?? null,
    },
  };
}
