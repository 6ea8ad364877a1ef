/** The review queue: what it asks the API for and the order it shows. */
import type { AirlockRequest, RequestStatus, RequestType } from '../api/types';

export interface QueueFilter {
  /** only the requests the user may review now (`awaiting_my_review=true`, which means status in_review) */
  awaitingMyReview: boolean;
  /** a status filter for the "all" view; ignored while awaiting my review */
  status?: RequestStatus;
  type?: RequestType;
}

/**
 * `GET /api/requests?airlock_manager=true` with a core token lists every request of every workspace
 * the user manages (README, API). Oldest first from the server too, so a capped page holds the
 * requests that have waited longest.
 */
export function queuePath(filter: QueueFilter): string {
  const query = new URLSearchParams({ airlock_manager: 'true' });
  if (filter.awaitingMyReview) query.set('awaiting_my_review', 'true');
  else if (filter.status) query.set('status', filter.status);
  if (filter.type) query.set('type', filter.type);
  query.set('order_by', 'createdWhen');
  query.set('order_ascending', 'true');
  return `/api/requests?${query.toString()}`;
}

/** Oldest first: the request that has waited longest is at the top. Ties keep a stable order by id. */
export function oldestFirst(requests: readonly AirlockRequest[]): AirlockRequest[] {
  return [...requests].sort((a, b) => a.createdWhen - b.createdWhen || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** The console's own address of a request's review page. */
export function reviewPageHref(workspaceId: string, requestId: string): string {
  return `/api/console/review/${encodeURIComponent(workspaceId)}/${encodeURIComponent(requestId)}`;
}

export function auditPageHref(workspaceId: string, requestId: string): string {
  return `/api/console/audit/${encodeURIComponent(workspaceId)}/${encodeURIComponent(requestId)}`;
}

/** The API's address of a request, under which review, revoke, audit, changes and preview live. */
export function requestApiPath(workspaceId: string, requestId: string): string {
  return `/api/workspaces/${encodeURIComponent(workspaceId)}/requests/${encodeURIComponent(requestId)}`;
}
