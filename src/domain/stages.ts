import { RequestStatus, RequestType } from './status';

/** Where a request's files live: one stage account per stage, one container per request and submission cycle. */
export type Stage = 'draft' | 'in_progress' | 'approved' | 'rejected' | 'blocked';

/**
 * Where a request's files of record are: the stage and the submission cycle whose container holds
 * them. Cycle 1 is the first submission; a request returned for changes prepares cycle 2 in a new
 * draft container, and so on.
 */
export interface FilesLocation {
  stage: Stage;
  cycle: number;
}

/** Where a new request's files go: the draft container of its first submission. */
export const FIRST_DRAFT: FilesLocation = { stage: 'draft', cycle: 1 };

/**
 * The container of one request's files in one stage for one submission cycle. A container per cycle
 * is what makes a link die with its step: a user-delegation SAS cannot be revoked one by one, but
 * it reaches nothing once its container is deleted, and the next cycle's container has another name.
 */
export function stageContainerName(requestId: string, cycle: number): string {
  if (!Number.isInteger(cycle) || cycle < 1) throw new RangeError(`a submission cycle is a whole number from 1; got ${cycle}`);
  return `${requestId}-${cycle}`;
}

/**
 * The copy of a submission as its reviewers saw it, kept in the in-progress account when the request
 * is returned for changes, so the next review can see what changed. It is not a stage container (no
 * link is ever issued to it, and its name does not parse as one), and it goes when the next review
 * ends or the request does.
 */
export function reviewedCopyContainerName(requestId: string, cycle: number): string {
  return `${stageContainerName(requestId, cycle)}-reviewed`;
}

/** The request and cycle a stage container belongs to (e.g. from a Defender event's blob URL). */
export function parseStageContainerName(name: string): { requestId: string; cycle: number } | undefined {
  const match = /^(.+)-([1-9][0-9]{0,5})$/.exec(name);
  return match ? { requestId: match[1], cycle: Number(match[2]) } : undefined;
}

/** The stage accounts of the seed design, by their role names. */
export type StageAccount =
  | 'stalimex'
  | 'stalimip'
  | 'stalimapp'
  | 'stalimrej'
  | 'stalimblocked'
  | 'stalexint'
  | 'stalexip'
  | 'stalexapp'
  | 'stalexrej'
  | 'stalexblocked';

const STAGE_ACCOUNTS: Record<RequestType, Record<Stage, StageAccount>> = {
  import: { draft: 'stalimex', in_progress: 'stalimip', approved: 'stalimapp', rejected: 'stalimrej', blocked: 'stalimblocked' },
  export: { draft: 'stalexint', in_progress: 'stalexip', approved: 'stalexapp', rejected: 'stalexrej', blocked: 'stalexblocked' },
};

/** Accounts of the TRE core; the others belong to a workspace (seed: "TRE" and "Workspace" lists). */
export const CORE_ACCOUNTS: readonly StageAccount[] = ['stalimex', 'stalimip', 'stalimrej', 'stalimblocked', 'stalexapp'];
export const WORKSPACE_ACCOUNTS: readonly StageAccount[] = ['stalimapp', 'stalexint', 'stalexip', 'stalexrej', 'stalexblocked'];

export function stageAccountFor(type: RequestType, stage: Stage): StageAccount {
  return STAGE_ACCOUNTS[type][stage];
}

export function isCoreAccount(account: StageAccount): boolean {
  return CORE_ACCOUNTS.includes(account);
}

/**
 * The real storage account name: core accounts carry the TRE id, workspace accounts `ws` and the
 * last four characters of the workspace id (as Azure TRE names them). Lower-case letters and digits only.
 */
export function storageAccountName(account: StageAccount, ids: { treId: string; workspaceId: string }): string {
  const suffix = isCoreAccount(account) ? ids.treId : `ws${ids.workspaceId.slice(-4)}`;
  return `${account}${suffix}`.toLowerCase().replace(/[^a-z0-9]/g, '').slice(0, 24);
}

/** Where the files of a request in `status` rest once the airlock has finished moving them. */
export function stageOfStatus(status: RequestStatus): Stage | undefined {
  switch (status) {
    case 'draft':
    case 'changes_requested':
      return 'draft';
    case 'in_review':
    case 'submitted':
    case 'approval_in_progress':
    case 'rejection_in_progress':
    case 'blocking_in_progress':
      return 'in_progress';
    case 'approved':
      return 'approved';
    case 'rejected':
    case 'revoked':
      return 'rejected';
    case 'blocked_by_scan':
      return 'blocked';
    case 'cancelled':
    case 'failed':
      return undefined;
  }
}
