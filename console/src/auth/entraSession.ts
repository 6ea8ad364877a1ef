/**
 * Sign-in with Entra ID (MSAL, redirect flow), as the TRE portal does: a token for the core API's
 * scope, and per workspace one for `<scope_id>/user_impersonation` with `scope_id` from
 * `GET /api/workspaces`. MSAL is loaded only here, on demand, so the local host's console never
 * fetches it.
 */
import type { AccountInfo, PublicClientApplication } from '@azure/msal-browser';
import { ApiError, createApiClient } from '../api/client';
import type { Workspace } from '../api/types';
import { CONSOLE_BASE } from '../shell/routes';
import type { Session } from './session';
import { rolesInToken } from './tokenClaims';

export interface EntraSettings {
  clientId: string;
  authority: string;
  coreScope: string;
}

export type EntraStart = { signedIn: true; session: Session } | { signedIn: false; signIn(): Promise<void> };

async function openClient(settings: EntraSettings): Promise<{ msal: typeof import('@azure/msal-browser'); app: PublicClientApplication }> {
  const msal = await import('@azure/msal-browser');
  const app = new msal.PublicClientApplication({
    auth: {
      clientId: settings.clientId,
      authority: settings.authority,
      // The SPA registration names this page as its redirect URI; MSAL then returns to the page that asked.
      redirectUri: `${window.location.origin}${CONSOLE_BASE}/`,
      postLogoutRedirectUri: `${window.location.origin}${CONSOLE_BASE}/`,
    },
    cache: { cacheLocation: 'sessionStorage' },
  });
  await app.initialize();
  return { msal, app };
}

/** The person's session if they are signed in (after coming back from Entra ID, or from MSAL's cache), else how to sign in. */
export async function startEntraSession(settings: EntraSettings, onSignOut: () => void): Promise<EntraStart> {
  const { msal, app } = await openClient(settings);
  const redirect = await app.handleRedirectPromise();
  const account: AccountInfo | null = redirect?.account ?? app.getActiveAccount() ?? app.getAllAccounts()[0] ?? null;
  if (!account) {
    return { signedIn: false, signIn: () => app.loginRedirect({ scopes: [settings.coreScope] }) };
  }
  app.setActiveAccount(account);

  const tokenForScope = async (scope: string): Promise<string> => {
    try {
      return (await app.acquireTokenSilent({ scopes: [scope], account })).accessToken;
    } catch (error) {
      if (error instanceof msal.InteractionRequiredAuthError) {
        // Consent or a fresh sign-in: Entra ID brings the person back here, where the token is then cached.
        await app.acquireTokenRedirect({ scopes: [scope], account });
        throw new ApiError(401, 'Signing in again with Entra ID…');
      }
      throw error;
    }
  };

  const scopes = new Map<string, string>();
  const tokenFor = async (workspaceId?: string): Promise<string> => {
    if (workspaceId === undefined) return tokenForScope(settings.coreScope);
    const scope = scopes.get(workspaceId);
    if (!scope) throw new ApiError(403, `Workspace ${workspaceId} is not one of yours, or it names no scope for its tokens.`);
    return tokenForScope(scope);
  };

  const core = createApiClient(tokenFor);
  const { workspaces } = await core.json<{ workspaces: Workspace[] }>('/api/workspaces');
  const names: Record<string, string> = {};
  for (const workspace of workspaces) {
    if (!workspace.properties?.scope_id) continue;
    scopes.set(workspace.id, `${workspace.properties.scope_id}/user_impersonation`);
    if (workspace.properties.display_name) names[workspace.id] = workspace.properties.display_name;
  }
  const roles: Record<string, string[]> = {};
  for (const workspaceId of scopes.keys()) roles[workspaceId] = rolesInToken(await tokenFor(workspaceId));
  const workspaceIds = [...scopes.keys()].filter((id) => roles[id].length > 0).sort();

  const claims = account.idTokenClaims ?? {};
  const email = typeof claims.email === 'string' ? claims.email : account.username || undefined;
  return {
    signedIn: true,
    session: {
      kind: 'entra',
      user: { id: typeof claims.oid === 'string' ? claims.oid : account.localAccountId, name: account.name || account.username, ...(email ? { email } : {}) },
      workspaceIds,
      roles,
      workspaceNames: names,
      tokenFor,
      signOut: () => {
        onSignOut();
        void app.logoutRedirect({ account });
      },
    },
  };
}
