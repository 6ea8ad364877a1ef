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

