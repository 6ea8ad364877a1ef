import { AirlockError, ForbiddenError, NotFoundError, ValidationError } from './errors';
import { AirlockRequest, filesLocationOf, isRequester } from './request';
import { hasReviewedThisCycle } from './review';
import { RequestVisibility } from './workspace';
import { Caller, CoreRole, hasRole, WORKSPACE_ROLES, WorkspaceRole } from './roles';
import { FilesLocation, Stage, stageOfStatus } from './stages';
import { targetOf, triggerRefusal } from './transitions';

/** Actions offered to a caller on a request, with Azure TRE's names. */
export type UserAction = 'submit' | 'cancel' | 'review' | 'revoke';

/**
 * What a caller may do whatever the request: the workspace roles that grant it, and what a caller
 * without one of them is told (403).
 */
export const ROLE_PERMISSIONS = {
  create: {
    roles: ['WorkspaceResearcher', 'WorkspaceOwner'],
    refusal: 'Only a Workspace Researcher or Workspace Owner can create an airlock request',
  },
  /** The audit log is for those who govern the workspace; a researcher follows their request through its status. */
  readAudit: {
    roles: ['WorkspaceOwner', 'AirlockManager'],
    refusal: 'Only a Workspace Owner or an Airlock Manager can read the audit log of a request',
  },
  /** Holding the role is not enough to review a given request: see `canReview`. */
  review: {
    roles: ['AirlockManager'],
    refusal: 'Only an Airlock Manager can review a request',
  },
  revoke: {
    roles: ['AirlockManager'],
    refusal: 'Only an Airlock Manager can revoke a request',
  },
} as const satisfies Record<string, { roles: readonly WorkspaceRole[]; refusal: string }>;

export type RolePermission = keyof typeof ROLE_PERMISSIONS;

export function hasPermission(caller: Caller, permission: RolePermission): boolean {
  return hasRole(caller, ...ROLE_PERMISSIONS[permission].roles);
}

/** Throws the 403 a caller without the permission's roles gets. */
export function requirePermission(caller: Caller, permission: RolePermission): void {
  if (!hasPermission(caller, permission)) throw new ForbiddenError(ROLE_PERMISSIONS[permission].refusal);
}

/**
 * Airlock settings and workflows belong to the TRE, not to a workspace: only a TRE administrator,
 * signed in for the core (a workspace token never carries TREAdmin), may read or change them.
 */
export function canAdministerAirlock(caller: Caller): boolean {
  return caller.workspaceId === undefined && hasRole(caller, 'TREAdmin');
}

/** Throws a 403 naming `action` unless the caller is a TRE administrator with a core token. */
export function requireTreAdmin(caller: Caller, action: string): void {
  if (!canAdministerAirlock(caller)) throw new ForbiddenError(`Only a TRE administrator can ${action}`);
}

/**
 * Who sees which workspace as Azure TRE shows it (`GET /api/workspaces`, `/workspaces/{id}`, its
 * workspace services): a member, who holds a workspace role there, and a TRE administrator, who sees
 * every workspace. A workspace token shows its holder's roles in its own workspace only; a core token
 * carries none, so a member signed in to the TRE is known by the role directory (the workspace app's
 * role assignments, as Azure TRE reads them from Microsoft Graph). The TRE-wide routes want a core
 * token with a TRE role, as Azure TRE's do: an Entra sign-in without one is nobody in this TRE.
 */
export const WORKSPACE_ACCESS = {
  /** Any one of these makes its holder a member who sees the workspace. */
  memberRoles: WORKSPACE_ROLES,
  /** With a core token: sees every workspace of the registry, with or without a role in it. */
  seesEveryWorkspace: ['TREAdmin'],
  /**
   * With a core token: a TRE user, who may use the TRE-wide routes (scope ids, shared services,
   * operations). Scope ids are answered for every workspace, as in Azure TRE, so a TRE user learns
   * which workspaces exist; nobody else is told whether a workspace exists.
   */
  treUserRoles: ['TREUser', 'TREAdmin'],
} as const satisfies { memberRoles: readonly WorkspaceRole[]; seesEveryWorkspace: readonly CoreRole[]; treUserRoles: readonly CoreRole[] };

/** A workspace's roles, by workspace id, as the role directory gives them to a core token's caller. */
export type DirectoryRoles = ReadonlyMap<string, readonly WorkspaceRole[]>;

const isCoreToken = (caller: Caller): boolean => caller.workspaceId === undefined;

/** A core token with TREUser or TREAdmin. */
export function isTreUser(caller: Caller): boolean {
  return isCoreToken(caller) && hasRole(caller, ...WORKSPACE_ACCESS.treUserRoles);
}

/** Throws a 403 naming `action` unless the caller presents a core token with a TRE role. */
export function requireTreUser(caller: Caller, action: string): void {
  if (isTreUser(caller)) return;
  throw new ForbiddenError(
    isCoreToken(caller)
      ? `Only a TRE user (TREUser or TREAdmin) can ${action}`
      : `Only a TRE user can ${action}, with a token for the TRE API rather than for workspace '${caller.workspaceId}'`,
  );
}

/** Whether the role directory must be asked for the caller's workspace roles: a TRE user's core token, unless it already sees everything. */
export function needsRoleDirectory(caller: Caller): boolean {
  return isTreUser(caller) && !hasRole(caller, ...WORKSPACE_ACCESS.seesEveryWorkspace);
}

/** The caller's roles in the workspace: their workspace token's for its own workspace, the role directory's for a TRE user's core token. */
export function rolesInWorkspace(caller: Caller, workspaceId: string, directory: DirectoryRoles = new Map()): WorkspaceRole[] {
  const held: readonly string[] = isCoreToken(caller)
    ? isTreUser(caller) ? directory.get(workspaceId) ?? [] : []
    : caller.workspaceId === workspaceId ? caller.roles : [];
  return WORKSPACE_ACCESS.memberRoles.filter((role) => held.includes(role));
}

export function canSeeWorkspace(caller: Caller, workspaceId: string, directory: DirectoryRoles = new Map()): boolean {
  if (isCoreToken(caller) && hasRole(caller, ...WORKSPACE_ACCESS.seesEveryWorkspace)) return true;
  return rolesInWorkspace(caller, workspaceId, directory).length > 0;
}

/** The workspaces of `workspaces` the caller sees, in their order. */
export function visibleWorkspaces<W extends { id: string }>(caller: Caller, workspaces: readonly W[], directory: DirectoryRoles = new Map()): W[] {
  return workspaces.filter((workspace) => canSeeWorkspace(caller, workspace.id, directory));
}

/**
 * Why the caller may not read the workspace, or undefined when they may. `exists`: whether the
 * registry knows it. A workspace that does not exist is a 404 only to a TRE user, who could learn
 * that from its scope id anyway; anyone else gets the same 403 whether it exists or not.
 */
export function workspaceReadRefusal(caller: Caller, workspaceId: string, exists: boolean, directory: DirectoryRoles = new Map()): AirlockError | undefined {
  if (exists && canSeeWorkspace(caller, workspaceId, directory)) return undefined;
  const named = workspaceId.slice(0, 64);
  if (!exists && isTreUser(caller)) return new NotFoundError(`Workspace '${named}' does not exist`);
  if (!isCoreToken(caller) && caller.workspaceId !== workspaceId) {
    return new ForbiddenError(`This token is for workspace '${caller.workspaceId}'; workspace '${named}' needs its own token, or a token for the TRE API`);
  }
  if (isCoreToken(caller) && !isTreUser(caller)) {
    return new ForbiddenError(`Only a TRE user (TREUser or TREAdmin) with a role in workspace '${named}' can read it`);
  }
  return new ForbiddenError(
    `You hold no role in workspace '${named}' (Workspace Owner, Workspace Researcher or Airlock Manager) and are not a TRE administrator`,
  );
}

/** Throws the reason the caller may not read the workspace (see `workspaceReadRefusal`); `workspace` is the registry's, if any. */
export function requireWorkspaceVisible<W>(caller: Caller, workspaceId: string, workspace: W | undefined, directory: DirectoryRoles = new Map()): asserts workspace is W {
  const refusal = workspaceReadRefusal(caller, workspaceId, workspace !== undefined, directory);
  if (refusal) throw refusal;
}


/**
 * Owners and Airlock Managers see every request of the workspace; a researcher sees their own, and
 * others' only where the workspace says so.
 */
export function canView(caller: Caller, request?: AirlockRequest, visibility: RequestVisibility = 'own'): boolean {
  if (hasRole(caller, 'WorkspaceOwner', 'AirlockManager')) return true;
  if (!hasRole(caller, 'WorkspaceResearcher')) return false;
  return request === undefined || visibility === 'workspace' || isRequester(caller.id, request);
}

/** Whether the caller's list must be narrowed to their own requests. */
export function seesOnlyOwnRequests(caller: Caller, visibility: RequestVisibility): boolean {
  return visibility === 'own' && !hasRole(caller, 'WorkspaceOwner', 'AirlockManager');
}

// ---- the cross-workspace list, `GET /api/requests` ----

/**
 * Who may list across workspaces, and what each view shows. Anyone allowed sees their own requests;
 * the manager view shows every request, of every status, of each workspace where the caller holds
 * one of `managerRoles` (Azure TRE: the AirlockManager app role, tre-facts §3.4, §1.11).
 */
export const CROSS_WORKSPACE_LIST = {
  managerRoles: ['AirlockManager'],
  refusal: 'Only a TRE user (TREUser or TREAdmin) or a workspace member with an airlock role can list airlock requests',
} as const satisfies { managerRoles: readonly WorkspaceRole[]; refusal: string };

/** A TRE user's core token (as Azure TRE's `GET /api/requests` wants), or a workspace token with a workspace role. */
export function canListAcrossWorkspaces(caller: Caller): boolean {
  return isCoreToken(caller) ? isTreUser(caller) : hasRole(caller, ...WORKSPACE_ACCESS.memberRoles);
}

/**
 * The caller as a member of each workspace whose requests the manager view shows, with their roles
 * there (`rolesInWorkspace`: a workspace token speaks for its own workspace only; a TRE user's core
 * token is known by the role directory). Each member carries the roles of its workspace, so
 * `canReview` judges a request as that workspace's own routes would.
 */
export function managerViewMembers(caller: Caller, directory: DirectoryRoles = new Map()): Caller[] {
  const candidates = isCoreToken(caller) ? [...directory.keys()] : [caller.workspaceId!];
  return candidates
    .map((workspaceId): Caller => ({ ...caller, roles: rolesInWorkspace(caller, workspaceId, directory), workspaceId }))
    .filter((member) => hasRole(member, ...CROSS_WORKSPACE_LIST.managerRoles));
}

/** The requester, or a workspace owner, may act on the request's draft (DESIGN §8). */
function ownsOrOwnsWorkspace(caller: Caller, request: AirlockRequest): boolean {
  return (
    (isRequester(caller.id, request) && hasRole(caller, 'WorkspaceResearcher', 'WorkspaceOwner')) ||
    hasRole(caller, 'WorkspaceOwner')
  );
}

/**
 * Why a caller may not act, as the error to answer with. It is made only when thrown: an error
 * captures a stack trace, and these rules also run as predicates, four for every request a list
 * answers with (`allowedUserActions`).
 */
type Refusal = () => AirlockError;
type Rule = (caller: Caller, request: AirlockRequest) => Refusal | undefined;

const forbidden = (message: string): Refusal => () => new ForbiddenError(message);

/** Why a caller may not act, by role or ownership first (403), then by status (400); undefined when allowed. */
const REFUSALS: Record<UserAction, Rule> = {
  submit: (caller, request) =>
    !ownsOrOwnsWorkspace(caller, request) ? forbidden('Only the requester or a Workspace Owner can submit this request') : statusRefusal(request, 'submit'),
  cancel: (caller, request) =>
    !ownsOrOwnsWorkspace(caller, request) ? forbidden('Only the requester or a Workspace Owner can cancel this request') : statusRefusal(request, 'cancel'),
  review: (caller, request) => {
    if (!hasPermission(caller, 'review')) return forbidden(ROLE_PERMISSIONS.review.refusal);
    if (isRequester(caller.id, request)) return forbidden('You cannot review your own request');
    const byStatus = statusRefusal(request, 'approve');
    if (byStatus) return byStatus;
    if (hasReviewedThisCycle(caller.id, request)) return forbidden('You have already reviewed this request; another Airlock Manager must review it');
    return undefined;
  },
  revoke: (caller, request) => (!hasPermission(caller, 'revoke') ? forbidden(ROLE_PERMISSIONS.revoke.refusal) : statusRefusal(request, 'revoke')),
};

function statusRefusal(request: AirlockRequest, trigger: 'submit' | 'cancel' | 'approve' | 'revoke'): Refusal | undefined {
  return targetOf(request.status, trigger) ? undefined : () => triggerRefusal(request.status, trigger);
}

/** Throws the reason the caller may not perform `action` on the request now. */
export function authorize(action: UserAction, caller: Caller, request: AirlockRequest): void {
  const refusal = REFUSALS[action](caller, request);
  if (refusal) throw refusal();
}

/**
 * An Airlock Manager who is not the requester and has not reviewed this submission yet, on a request
 * in review: nobody reviews their own request, whatever roles they hold. The review queue lists
 * exactly the requests this accepts.
 */
export const canReview = (caller: Caller, request: AirlockRequest) => !REFUSALS.review(caller, request);

const USER_ACTIONS: readonly UserAction[] = ['submit', 'cancel', 'review', 'revoke'];

/** Exactly the actions the API would accept from this caller now; computed from the same rules. */
export function allowedUserActions(caller: Caller, request: AirlockRequest): UserAction[] {
  return USER_ACTIONS.filter((action) => !REFUSALS[action](caller, request));
}

export interface LinkGrant {
  stage: Stage;
  /** The container the link opens: the stage and the submission cycle the files are in now. */
  at: FilesLocation;
  /** SAS permission letters: r read, w write, d delete, l list */
  permissions: 'rwdl' | 'rl';
}

/**
 * A link opens the container the files are in now, and only once they are where the status says
 * (a request returned for changes has a draft link only after its files are back in the draft stage).
 */
function grantWhereFilesAre(request: AirlockRequest, stage: Stage, permissions: LinkGrant['permissions']): LinkGrant {
  const at = filesLocationOf(request);
  if (!at || at.stage !== stage) {
    throw new ValidationError(`Airlock request's files are being moved to the ${stage} stage (status '${request.status}'), please try again shortly`);
  }
  return { stage, at, permissions };
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
        return grantWhereFilesAre(request, 'draft', 'rwdl');
      }
      throw new ForbiddenError('Only the requester can get a link to a draft request\'s files');
    case 'in_review':
      if (hasRole(caller, 'AirlockManager', 'WorkspaceOwner')) return grantWhereFilesAre(request, 'in_progress', 'rl');
      throw new ForbiddenError('Only an Airlock Manager or a Workspace Owner can get a link to a request in review');
    case 'approved':
      if ((isRequester(caller.id, request) && hasRole(caller, 'WorkspaceResearcher', 'WorkspaceOwner', 'AirlockManager')) || hasRole(caller, 'WorkspaceOwner')) {
        return grantWhereFilesAre(request, stageOfStatus('approved')!, 'rl');
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
        `Airlock request is in status '${request.status}'${request.statusMessage ?? request.progressMessage ? ` (${request.statusMessage ?? request.progressMessage})` : ''}; no link is issued`,
      );
  }
}
