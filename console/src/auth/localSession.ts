/**
 * The local host's development sign-in: `POST /local/dev-sign-in` mints tokens from the local issuer
 * for the user and roles picked on the form. The answer is kept in sessionStorage (one tab, gone
 * when it closes), as `airlock.session`, exactly as the host answered it.
 */
import { ApiError } from '../api/client';
import type { UserRef } from '../api/types';
import { rolesInToken } from './tokenClaims';
import { SessionExpiredError, type Session } from './session';

export const SESSION_STORAGE_KEY = 'airlock.session';
export const WORKSPACE_ROLE_CHOICES = ['WorkspaceResearcher', 'WorkspaceOwner', 'AirlockManager'] as const;

interface IssuedToken {
  accessToken: string;
  expiresOn: string;
}

export interface DevSignInAnswer {
  user: UserRef;
  core: IssuedToken;
  workspaces: Record<string, IssuedToken>;
}

export interface DevSignInOrder {
  user: string;
  name?: string;
  email?: string;
  workspaces: Record<string, string[]>;
  coreRoles?: string[];
}

function isToken(value: unknown): value is IssuedToken {
  return typeof value === 'object' && value !== null && typeof (value as IssuedToken).accessToken === 'string' && typeof (value as IssuedToken).expiresOn === 'string';
}

function isAnswer(value: unknown): value is DevSignInAnswer {
  if (typeof value !== 'object' || value === null) return false;
  const answer = value as DevSignInAnswer;
  return (
    typeof answer.user?.id === 'string' &&
    isToken(answer.core) &&
    typeof answer.workspaces === 'object' &&
    answer.workspaces !== null &&
    Object.values(answer.workspaces).every(isToken)
  );
}

export function readStoredSignIn(): DevSignInAnswer | undefined {
  try {
    const value: unknown = JSON.parse(sessionStorage.getItem(SESSION_STORAGE_KEY) ?? 'null');
    return isAnswer(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

export function forgetSignIn(): void {
  sessionStorage.removeItem(SESSION_STORAGE_KEY);
}

export async function knownWorkspaces(devSignInUrl: string, signal?: AbortSignal): Promise<string[]> {
  const response = await fetch(devSignInUrl, { headers: { Accept: 'application/json' }, signal });
  if (!response.ok) throw new ApiError(response.status, `The local host did not list its workspaces (${response.status}).`);
  const body = (await response.json()) as { workspaces?: unknown };
  return Array.isArray(body.workspaces) ? body.workspaces.filter((id): id is string => typeof id === 'string') : [];
}

export async function devSignIn(devSignInUrl: string, order: DevSignInOrder): Promise<DevSignInAnswer> {
  const response = await fetch(devSignInUrl, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify(order),
  });
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (!response.ok) {
    const detail = body && typeof body === 'object' && 'detail' in body ? String((body as { detail: unknown }).detail) : text || response.statusText;
    throw new ApiError(response.status, detail);
  }
  if (!isAnswer(body)) throw new Error('The local host answered the sign-in with something other than tokens.');
  sessionStorage.setItem(SESSION_STORAGE_KEY, JSON.stringify(body));
  return body;
}

export function localSession(answer: DevSignInAnswer, onSignOut: (reason?: string) => void): Session {
  const workspaceIds = Object.keys(answer.workspaces).sort();
  const signOut = (reason?: string) => {
    forgetSignIn();
    onSignOut(reason);
  };
  return {
    kind: 'local',
    user: { id: answer.user.id, name: answer.user.name || answer.user.id, ...(answer.user.email ? { email: answer.user.email } : {}) },
    workspaceIds,
    roles: Object.fromEntries(workspaceIds.map((id) => [id, rolesInToken(answer.workspaces[id].accessToken)])),
    workspaceNames: {},
    async tokenFor(workspaceId) {
      const issued = workspaceId === undefined ? answer.core : answer.workspaces[workspaceId];
      if (!issued) throw new ApiError(403, `You signed in without a role in workspace ${workspaceId}; sign in again and pick one.`);
      if (Date.parse(issued.expiresOn) <= Date.now()) {
        signOut(new SessionExpiredError().message);
        throw new SessionExpiredError();
      }
      return issued.accessToken;
    },
    signOut: () => signOut(),
  };
}
