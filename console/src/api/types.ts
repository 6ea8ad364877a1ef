/**
 * The airlock API's JSON as the console reads it: the wire shapes of the public API (the TRE
 * portal's), written here rather than imported from src/domain so the console is checked against the
 * API's contract, not against the server's internals.
 */

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
export type RequestType = 'import' | 'export';

export type UserAction = 'submit' | 'cancel' | 'review' | 'revoke';
export type ReviewDecision = 'approved' | 'rejected' | 'revoked' | 'changes_requested';
export type FileVerdict = 'pending' | 'clean' | 'malicious' | 'not_scanned' | 'error' | 'policy_violation' | 'skipped';
export type ScanEngine = 'defender' | 'clamav' | 'content-checks' | 'none';

export interface UserRef {
  id: string;
  name: string;
  email?: string;
}

export interface AirlockFile {
  name: string;
  size: number;
  sha256?: string;
}

export interface FileScanResult {
  name: string;
  sha256?: string;
  verdict: FileVerdict;
  engine: ScanEngine;
  /** what was found, or why it was not scanned */
  details: string;
  /** epoch seconds */
  scannedAt?: number;
}

export interface AirlockReview {
  id: string;
  cycle?: number;
  reviewer: UserRef;
  /** epoch seconds */
  dateCreated: number;
  reviewDecision: ReviewDecision;
  decisionExplanation: string;
}

export interface AirlockRequest {
  id: string;
  workspaceId: string;
  type: RequestType;
  title: string;
  businessJustification: string;
  status: RequestStatus;
  /** why a request failed or was blocked */
  statusMessage?: string | null;
  /** what the airlock is doing or did last (scan results, approvals so far) */
  progressMessage?: string | null;
  files: AirlockFile[];
  scanReport?: FileScanResult[];
  reviews: AirlockReview[];
  reviewCycle?: number;
  createdBy: UserRef;
  /** epoch seconds */
  createdWhen: number;
  updatedBy: UserRef;
  updatedWhen: number;
  etag?: string;
}

/** `GET .../requests/{id}` and each item of the lists. */
export interface RequestWithActions {
  airlockRequest: AirlockRequest;
  allowedUserActions: UserAction[];
}

export interface RequestList {
  airlockRequests: RequestWithActions[];
  continuationToken?: string;
}

export interface Workspace {
  id: string;
  properties: { display_name?: string; scope_id?: string; enable_airlock?: boolean; [key: string]: unknown };
  [key: string]: unknown;
}

export interface AuditEntry {
  id: string;
  seq: number;
  action: string;
  actor: UserRef;
  /** epoch seconds */
  time: number;
  fromStatus?: RequestStatus;
  toStatus?: RequestStatus;
  files?: { name: string; sha256?: string }[];
  detail?: Record<string, string | number | boolean | string[] | null>;
  prevHash: string;
  hash: string;
}

export interface AuditLog {
  requestId: string;
  entries: AuditEntry[];
  verification: { verified: boolean; entries: number; problems: string[] };
}

export type PreviewKind = 'table' | 'text' | 'image' | 'pdf' | 'archive' | 'binary';

export interface FilePreview {
  file: AirlockFile;
  cycle: number;
  stage: string;
  kind: PreviewKind;
  table?: { delimiter: ',' | '\t'; header: string[]; rows: string[][]; cursor: number; nextCursor: number | null };
  text?: { text: string; format: 'json' | 'text'; cursor: number; nextCursor: number | null };
  archive?: { entries: { name: string; size: number; compressedSize: number; directory: boolean }[]; truncated: boolean };
  image?: { contentType: string };
  pdf?: { contentType: string };
  binary?: { reason: string };
}

export type FileChange = 'added' | 'removed' | 'changed' | 'unchanged';

export interface RequestChanges {
  fromCycle: number | null;
  toCycle: number;
  files: { name: string; change: FileChange; before?: { size: number; sha256?: string }; after?: { size: number; sha256?: string } }[];
}
