/** Workspace roles carried in the token's `roles` claim (workspace audience), and the core admin role. */
export const WORKSPACE_ROLES = ['WorkspaceResearcher', 'WorkspaceOwner', 'AirlockManager'] as const;
export type WorkspaceRole = (typeof WORKSPACE_ROLES)[number];
export const CORE_ROLES = ['TREAdmin', 'TREUser'] as const;
export type CoreRole = (typeof CORE_ROLES)[number];
export type Role = WorkspaceRole | CoreRole;

/** The signed-in person behind a call, as the validated token describes them. */
export interface Caller {
  id: string;
  name: string;
  email?: string;
  roles: readonly Role[];
  /** The workspace whose audience the token was issued for; undefined for a core token. */
  workspaceId?: string;
}

/** The user object stored on a request (Azure TRE stores `{id, name, email, roles}`). */
export interface UserRef {
  id: string;
  name: string;
  email?: string;
}

export function userRefOf(caller: Caller): UserRef {
  return caller.email ? { id: caller.id, name: caller.name, email: caller.email } : { id: caller.id, name: caller.name };
}

export function hasRole(caller: Caller, ...roles: Role[]): boolean {
  return roles.some((role) => caller.roles.includes(role));
}

/** The airlock system itself, as the actor of transitions it makes (scan verdicts, data moved). */
export const AIRLOCK_SYSTEM: UserRef = { id: 'airlock', name: 'Airlock' };
