import { AuditHead } from './audit';
import { UserRef } from './roles';
import { FileScanResult } from './scan';
import { FIRST_DRAFT, FilesLocation } from './stages';
import { RequestStatus, RequestType } from './status';
import { messagesFor, STATUSES_WITH_STATUS_MESSAGE } from './statusMessages';
import { assertTransition, TransitionTrigger } from './transitions';

/**
 * The MD5 of each block of a file's content, computed in the same read as its SHA-256: the storage
 * service checks every server-side copy against them as the bytes arrive, so no move reads a file.
 */
export interface BlockDigests {
  /** bytes per block; the last block holds the rest */
  blockBytes: number;
  /** the 16-byte MD5 of each block in order (one for an empty file), concatenated, base64 */
  md5: string;
}

export interface AirlockFile {
  name: string;
  /** bytes */
  size: number;
  /** hex SHA-256 of the content, computed at submit; every move copies exactly this content */
  sha256?: string;
  /**
   * The version of record: the storage ETag listed at submit (what is hashed, nothing uploaded
   * later), then that of the copy each move made. Every move copies only this version.
   */
  etag?: string;
  /** Recorded with the SHA-256; absent on files recorded before moves were verified by the storage service. */
  blocks?: BlockDigests;
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
  properties: { previousStatus: RequestStatus; status: RequestStatus; statusMessage?: string; progressMessage?: string };
}

/** The request document, with Azure TRE's field names (camelCase) and our `files[].sha256`. */
export interface AirlockRequest {
  id: string;
  workspaceId: string;
  type: RequestType;
  title: string;
  businessJustification: string;
  status: RequestStatus;
  /** Why the request failed or was blocked; only then (see statusMessages.ts). TRE's portal shows it as an error. */
  statusMessage?: string;
  /** Anything else the airlock says about where the request is: scan passed, approvals so far, a reviewer's reason. */
  progressMessage?: string;
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
  /**
   * Why the request is where it is now. It becomes the statusMessage when `to` is a failure or a
   * block, the progressMessage otherwise; without one the request has neither.
   */
  message?: string;
  /** Other fields that change in the same write (files, reviews). */
  changes?: Partial<Pick<AirlockRequest, 'files' | 'reviews' | 'scanReport' | 'reviewCycle' | 'filesAt'>>;
}

/**
 * The request after a status change, checked against the transition table. The previous version is
 * kept in `history`; `resourceVersion` counts every change.
 */
export function withStatus(request: AirlockRequest, change: StatusChange): AirlockRequest {
  assertTransition(request.status, change.to, change.trigger);
  const messages = messagesFor(change.to, change.message);
  const { statusMessage: _statusMessage, progressMessage: _progressMessage, ...unchanged } = request;
  return {
    ...unchanged,
    ...change.changes,
    status: change.to,
    ...messages,
    updatedBy: change.actor,
    updatedWhen: change.now,
    resourceVersion: request.resourceVersion + 1,
    history: [
      ...request.history,
      {
        resourceVersion: request.resourceVersion,
        updatedWhen: change.now,
        updatedBy: change.actor,
        properties: { previousStatus: request.status, status: change.to, ...messages },
      },
    ],
  };
}

/** The request with other fields changed and its status kept (e.g. files recorded at submit). */
export function withChanges(
  request: AirlockRequest,
  actor: UserRef,
  now: number,
  changes: Partial<Pick<AirlockRequest, 'files' | 'reviews' | 'progressMessage' | 'scanReport' | 'filesAt'>>,
): AirlockRequest {
  return { ...request, ...changes, updatedBy: actor, updatedWhen: now, resourceVersion: request.resourceVersion + 1 };
}

/** What the airlock says about the request now, whichever field holds it. */
export function messageOf(request: Pick<AirlockRequest, 'statusMessage' | 'progressMessage'>): string | undefined {
  return request.statusMessage ?? request.progressMessage;
}

/**
 * A stored request document as this version reads it, whatever version wrote it. Documents written
 * before `progressMessage` existed kept progress text ("no threats found", "approved by 1 of 2
 * reviewers", "Rejected: ...") in `statusMessage`, which TRE's portal would show as an error: on a
 * status that is not a failure or a block it is read as the progress message. The stores apply this
 * to every document they read, so the next write stores the new shape; nothing is migrated in place.
 * `history` is left as it was written: it records the past, and TRE's clients never read it.
 */
export function upgradeStoredRequest(document: AirlockRequest): AirlockRequest {
  if (document.statusMessage === undefined || STATUSES_WITH_STATUS_MESSAGE.includes(document.status)) return document;
  const { statusMessage, ...upgraded } = document;
  return { ...upgraded, progressMessage: document.progressMessage ?? statusMessage };
}

/** Where the request's files of record are now; null once deleted. */
export function filesLocationOf(request: Pick<AirlockRequest, 'filesAt'>): FilesLocation | null {
  return request.filesAt === undefined ? FIRST_DRAFT : request.filesAt;
}

export function isRequester(userId: string, request: AirlockRequest): boolean {
  return request.createdBy.id === userId;
}
