/** A signed-in person as the console holds them: who, where they hold roles, and how to get tokens. */
import type { TokenSource } from '../api/client';
import type { UserRef } from '../api/types';

export interface Session {
  kind: 'local' | 'entra';
  user: UserRef;
  /** the workspaces the person holds a role in, in the order shown */
  workspaceIds: string[];
  /** roles per workspace, from each workspace token's `roles` claim */
  roles: Record<string, string[]>;
  /** per workspace, its display name where the API gives one */
  workspaceNames: Record<string, string>;
  tokenFor: TokenSource;
  signOut(): void;
}

/** Thrown by a token source whose tokens ran out; the console asks the person to sign in again. */
export class SessionExpiredError extends Error {
  constructor() {
    super('Your sign-in has expired. Sign in again to continue.');
    this.name = 'SessionExpiredError';
  }
}
