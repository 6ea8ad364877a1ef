import { AuditHead } from './audit';
import { UserRef } from './roles';
import { FileScanResult } from './scan';
import { FIRST_DRAFT, FilesLocation } from './stages';
import { RequestStatus, RequestType } from './status';
import { assertTransition, TransitionTrigger } from './transitions';

export interface AirlockFile {
  name: string;
  /** bytes */
  size: number;
  /** hex SHA-256 of the content, computed at submit and verified after every move */
  sha256?: string;
  /** The version submitted (the storage ETag listed at submit): what is hashed and moved, nothing uploaded later. */
  etag?: string;
}

export type ReviewDecision = 'approved' | 'rejected' | 'revoked' | 'changes_requested';

export interface AirlockReview {
  id: string;
  /** The submission this review is about: 1 for the first, one more after each return for changes. */
  cycle?: number;
  reviewer: UserRef;
  /** epoch seconds */
  dateCreated: number;
  reviewDecision: ReviewDecision;
  decisionExplanation: string;
}

/** One past version of the request (Azure TRE keeps the previous status; we also keep the new one). */
export interface HistoryItem {
  resourceVersion: number;
  updatedWhen: number;
  updatedBy: UserRef;
  properties: { previousStatus: RequestStatus; status: RequestStatus; statusMessage?: string };
}

/** The request document, with Azure TRE's field names (camelCase) and our `files[].sha256`. */
export interface AirlockRequest {
  id: string;
  workspaceId: string;
  type: RequestType;
  title: string;
  businessJustification: string;
  status: RequestStatus;
  statusMessage?: string;
  files: AirlockFile[];
  /** Per-file verdicts of the content checks and the malware scanner (absent before submit). */
  scanReport?: FileScanResult[];
  reviews: AirlockReview[];
  /** How many times the request was submitted; reviews and approvals count per cycle. */
  reviewCycle?: number;
  /**
   * Where the files of record are (stage and cycle), written by the move that put them there in the
   * same transaction as its audit entry; null once they were deleted. Absent in documents written
   * before it existed: read it through `filesLocationOf`.
   */
  filesAt?: FilesLocation | null;
  createdBy: UserRef;
  /** epoch seconds */
  createdWhen: number;
  updatedBy: UserRef;
  /** epoch seconds */
  updatedWhen: number;
  history: HistoryItem[];
  resourceVersion: number;
  /** The newest entry of the request's audit log (number and hash); set by the store with the entries. */
  auditHead?: AuditHead;
  /** The store's concurrency token; set by the store, never by the domain. */
  etag?: string;
}

export interface NewRequest {
  id: string;
  workspaceId: string;
  type: RequestType;
  title: string;
  businessJustification: string;
  creator: UserRef;
  /** epoch seconds */
  now: number;
}

export function newDraftRequest(input: NewRequest): AirlockRequest {
  return {
    id: input.id,
    workspaceId: input.workspaceId,
    type: input.type,
    title: input.title,
    businessJustification: input.businessJustification,
    status: 'draft',
    files: [],
    filesAt: FIRST_DRAFT,
    reviews: [],
    createdBy: input.creator,
    createdWhen: input.now,
    updatedBy: input.creator,
    updatedWhen: input.now,
    history: [],
    resourceVersion: 0,
  };
}

export interface StatusChange {
  to: RequestStatus;
  actor: UserRef;
  /** epoch seconds */
  now: number;
  trigger?: TransitionTrigger;
  statusMessage?: string;
  /** Other fields that change in the same write (files, reviews). */
  changes?: Partial<Pick<AirlockRequest, 'files' | 'reviews' | 'scanReport' | 'reviewCycle' | 'filesAt'>>;
}

/**
 * The request after a status change, checked against the transition table. The previous version is
 * kept in `history`; `resourceVersion` counts every change.
 */
export function withStatus(request: AirlockRequest, change: StatusChange): AirlockRequest {
  assertTransition(request.status, change.to, change.trigger);
  const next: AirlockRequest = {
    ...request,
    ...change.changes,
    status: change.to,
    updatedBy: change.actor,
    updatedWhen: change.now,
    resourceVersion: request.resourceVersion + 1,
    history: [
      ...request.history,
      {
        resourceVersion: request.resourceVersion,
        updatedWhen: change.now,
        updatedBy: change.actor,
        properties: {
          previousStatus: request.status,
          status: change.to,
          ...(change.statusMessage ? { statusMessage: change.statusMessage } : {}),
        },
      },
    ],
  };
  if (change.statusMessage !== undefined) next.statusMessage = change.statusMessage;
  else delete next.statusMessage;
  return next;
}

/** The request with other fields changed and its status kept (e.g. files recorded at submit). */
export function withChanges(
  request: AirlockRequest,
  actor: UserRef,
  now: number,
  changes: Partial<Pick<AirlockRequest, 'files' | 'reviews' | 'statusMessage' | 'scanReport' | 'filesAt'>>,
): AirlockRequest {
  return { ...request, ...changes, updatedBy: actor, updatedWhen: now, resourceVersion: request.resourceVersion + 1 };
}

/** Where the request's files of record are now; null once deleted. */
export function filesLocationOf(request: Pick<AirlockRequest, 'filesAt'>): FilesLocation | null {
  return request.filesAt === undefined ? FIRST_DRAFT : request.filesAt;
}

export function isRequester(userId: string, request: AirlockRequest): boolean {
  return request.createdBy.id === userId;
}
