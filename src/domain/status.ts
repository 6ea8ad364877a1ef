/** Wire values of a request's status: Azure TRE's twelve, plus our `changes_requested`. */
export const REQUEST_STATUSES = [
  'draft',
  'submitted',
  'in_review',
  'approval_in_progress',
  'approved',
  'rejection_in_progress',
  'rejected',
  'cancelled',
  'blocking_in_progress',
  'blocked_by_scan',
  'failed',
  'revoked',
  'changes_requested',
] as const;
export type RequestStatus = (typeof REQUEST_STATUSES)[number];

export const REQUEST_TYPES = ['import', 'export'] as const;
export type RequestType = (typeof REQUEST_TYPES)[number];

export function isRequestStatus(value: unknown): value is RequestStatus {
  return typeof value === 'string' && (REQUEST_STATUSES as readonly string[]).includes(value);
}

export function isRequestType(value: unknown): value is RequestType {
  return typeof value === 'string' && (REQUEST_TYPES as readonly string[]).includes(value);
}

/** Statuses in which the airlock is moving data; a person cannot act on the request meanwhile. */
export const IN_PROGRESS_STATUSES: readonly RequestStatus[] = [
  'submitted',
  'approval_in_progress',
  'rejection_in_progress',
  'blocking_in_progress',
];

/** Statuses that no transition leaves (revoked is reached only from approved). */
export const TERMINAL_STATUSES: readonly RequestStatus[] = ['rejected', 'cancelled', 'blocked_by_scan', 'failed', 'revoked'];
