/**
 * What the console reads from an access token it holds: the roles (the `roles` claim of a workspace
 * token, as Entra ID and the local issuer put them) and its expiry. Reading is not trusting: the API
 * checks every token itself; the console only decides which pages and buttons to show.
 */

function payloadOf(token: string): Record<string, unknown> {
  const part = token.split('.')[1];
  if (!part) return {};
  try {
    const base64 = part.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(part.length / 4) * 4, '=');
    const bytes = Uint8Array.from(atob(base64), (char) => char.charCodeAt(0));
    const value: unknown = JSON.parse(new TextDecoder().decode(bytes));
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

export function rolesInToken(token: string): string[] {
  const roles = payloadOf(token).roles;
  return Array.isArray(roles) ? roles.filter((role): role is string => typeof role === 'string') : [];
}

/** Epoch milliseconds of the token's `exp`, or undefined when it carries none. */
export function tokenExpiresAt(token: string): number | undefined {
  const exp = payloadOf(token).exp;
  return typeof exp === 'number' ? exp * 1000 : undefined;
}
