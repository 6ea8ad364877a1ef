/**
 * The airlock API's JSON as the console reads it. The request, review, scan and audit shapes are the
 * domain's own (the API sends the stored documents, src/functions/http/httpMapping.ts requestOnWire);
 * what only the wire has (the lists, the actions offered, the previews as a client reads them) is here.
 */

export { REQUEST_STATUSES } from '../../../src/domain/status';
export type { RequestStatus, RequestType } from '../../../src/domain/status';
export type { AuditEntry } from '../../../src/domain/audit';
export type { AirlockFile, AirlockRequest, AirlockReview, ReviewDecision } from '../../../src/domain/request';
export type { FileScanResult, FileVerdict, ScanEngine } from '../../../src/domain/scan';
export type { UserRef } from '../../../src/domain/roles';
export type { UserAction } from '../../../src/domain/permissions';
import type { AirlockFile, AirlockRequest } from '../../../src/domain/request';
import type { AuditEntry } from '../../../src/domain/audit';
import type { UserAction } from '../../../src/domain/permissions';

/** `GET .../requests/{id}` and each item of the lists. */
export interface RequestWithActions {
  airlockRequest: AirlockRequest;
  allowedUserActions: UserAction[];
  /** `GET .../requests/{id}` only: the approvals the workspace asks for now */
  requiredApprovals?: number;
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
