import { ForbiddenError, ValidationError } from './errors';
import { AirlockRequest, isRequester } from './request';
import { Caller, hasRole } from './roles';
import { Stage, stageOfStatus } from './stages';
import { targetOf } from './transitions';

/** Actions offered to a caller on a request, with Azure TRE's names. */
export type UserAction = 'submit' | 'cancel' | 'review' | 'revoke';

export function canCreate(caller: Caller): boolean {
  return hasRole(caller, 'WorkspaceResearcher', 'WorkspaceOwner');
}

export function canView(caller: Caller, _request?: AirlockRequest): boolean {
  return hasRole(caller, 'WorkspaceResearcher', 'WorkspaceOwner', 'AirlockManager');
}

/** The requester, or a workspace owner, may act on the request's draft (DESIGN §8). */
function ownsOrOwnsWorkspace(caller: Caller, request: AirlockRequest): boolean {
  return (
    (isRequester(caller.id, request) && hasRole(caller, 'WorkspaceResearcher', 'WorkspaceOwner')) ||
    hasRole(caller, 'WorkspaceOwner')
  );
}

export function canSubmit(caller: Caller, request: AirlockRequest): boolean {
  return ownsOrOwnsWorkspace(caller, request) && targetOf(request.status, 'submit') !== undefined;
}

export function canCancel(caller: Caller, request: AirlockRequest): boolean {
  return ownsOrOwnsWorkspace(caller, request) && targetOf(request.status, 'cancel') !== undefined;
}

/** An Airlock Manager who is not the requester: nobody reviews their own request, whatever roles they hold. */
export function canReview(caller: Caller, request: AirlockRequest): boolean {
  return (
    hasRole(caller, 'AirlockManager') &&
    !isRequester(caller.id, request) &&
    targetOf(request.status, 'approve') !== undefined
  );
}

export function canRevoke(caller: Caller, request: AirlockRequest): boolean {
  return hasRole(caller, 'AirlockManager') && targetOf(request.status, 'revoke') !== undefined;
}

const ACTION_PREDICATES: ReadonlyArray<[UserAction, (caller: Caller, request: AirlockRequest) => boolean]> = [
  ['submit', canSubmit],
  ['cancel', canCancel],
  ['review', canReview],
  ['revoke', canRevoke],
];

/** Exactly the actions the API would accept from this caller now; computed from the same predicates. */
export function allowedUserActions(caller: Caller, request: AirlockRequest): UserAction[] {
  return ACTION_PREDICATES.filter(([, allowed]) => allowed(caller, request)).map(([action]) => action);
}

export interface LinkGrant {
  stage: Stage;
  /** SAS permission letters: r read, w write, d delete, l list */
  permissions: 'rwdl' | 'rl';
}

/**
 * Who may get a container link in which status (DESIGN §8). A refusal by status is a 400 that says
 * why; a refusal by role or ownership is a 403.
 */
export function linkGrantFor(caller: Caller, request: AirlockRequest): LinkGrant {
  switch (request.status) {
    case 'draft':
    case 'changes_requested':
      if (isRequester(caller.id, request) && hasRole(caller, 'WorkspaceResearcher', 'WorkspaceOwner')) {
        return { stage: 'draft', permissions: 'rwdl' };
      }
      throw new ForbiddenError('Only the requester can get a link to a draft request\'s files');
    case 'in_review':
      if (hasRole(caller, 'AirlockManager', 'WorkspaceOwner')) return { stage: 'in_progress', permissions: 'rl' };
      throw new ForbiddenError('Only an Airlock Manager or a Workspace Owner can get a link to a request in review');
    case 'approved':
      if ((isRequester(caller.id, request) && canView(caller)) || hasRole(caller, 'WorkspaceOwner')) {
        return { stage: stageOfStatus('approved')!, permissions: 'rl' };
      }
      throw new ForbiddenError('Only the requester or a Workspace Owner can get a link to an approved request\'s files');
    case 'submitted':
    case 'approval_in_progress':
    case 'rejection_in_progress':
    case 'blocking_in_progress':
      throw new ValidationError(`Airlock request is being processed (status '${request.status}'), please try again later`);
    case 'cancelled':
    case 'revoked':
      throw new ValidationError(`Airlock request was ${request.status}; its files are no longer available`);
    case 'rejected':
    case 'blocked_by_scan':
    case 'failed':
      throw new ValidationError(
        `Airlock request is in status '${request.status}'${request.statusMessage ? ` (${request.statusMessage})` : ''}; no link is issued`,
      );
  }
}
