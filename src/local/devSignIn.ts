/**
 * The console's development sign-in, on the local host only (never an Azure function, never in the
 * deployed package): a person picks a user and roles, and gets the tokens Entra ID would give them,
 * signed by the local issuer. Like `npm run token`, it records the workspace roles as the user's
 * grants, so the core token sees those workspaces (`GET /api/workspaces`,
 * `GET /api/requests?airlock_manager=true`). The sign-in states everything the user holds: a known
 * workspace left out is recorded with no roles, as a token minted without roles would.
 *
 *   POST /local/dev-sign-in  {"user": "alice", "name"?: "Alice", "email"?: "alice@example.org",
 *                             "workspaces": {"demo": ["WorkspaceResearcher"]}, "coreRoles"?: ["TREUser"]}
 *     → {"user": {id, name, email?}, "core": {accessToken, expiresOn}, "workspaces": {"demo": {accessToken, expiresOn}}}
 *   GET  /local/dev-sign-in  → {"workspaces": ["demo", ...]}  (what the sign-in form offers)
 */
import type { IncomingMessage } from 'node:http';
import { decodeJwt } from 'jose';
import { CORE_ROLES, CoreRole, WORKSPACE_ROLES, WorkspaceRole } from '../domain/roles';
// The path config.json tells the console (the app's own), answered here on the local host only.
import { DEV_SIGN_IN_PATH } from '../functions/http/consoleAssets';
import { localRoleGrantsDirectory, recordLocalGrant } from '../infra/identity/localRoleDirectory';
import type { ExtraRoute, ExtraRouteResult } from './extraRoute';
import { LOCAL_CORE_AUDIENCE, LocalIssuer, localWorkspaceAudience } from './localIssuer';

/** A working day: the console on this machine asks again after it, not every hour as Entra ID's tokens would. */
const TOKEN_LIFETIME_SECONDS = 8 * 60 * 60;
const MAX_BODY_BYTES = 16 * 1024;
const USER_ID = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;
const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,189}$/;
const MAX_NAME_LENGTH = 100;
const FIELDS = ['user', 'name', 'email', 'workspaces', 'coreRoles'];

export { DEV_SIGN_IN_PATH };

export interface DevSignInOrder {
  user: string;
  name: string;
  email?: string;
  workspaces: Record<string, WorkspaceRole[]>;
  coreRoles: CoreRole[];
}

export interface IssuedToken {
  accessToken: string;
  /** ISO 8601, the token's own `exp` */
  expiresOn: string;
}

export interface DevSession {
  user: { id: string; name: string; email?: string };
  core: IssuedToken;
  workspaces: Record<string, IssuedToken>;
}

/** A body the sign-in cannot take: answered 400 with the reason. */
export class DevSignInError extends Error {}

/** The body, checked field by field against the workspaces this host knows. */
export function parseDevSignIn(body: unknown, knownWorkspaces: readonly string[]): DevSignInOrder {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new DevSignInError('the body must be a JSON object');
  const fields = body as Record<string, unknown>;
  const unknown = Object.keys(fields).filter((key) => !FIELDS.includes(key));
  if (unknown.length > 0) throw new DevSignInError(`unknown field(s) ${unknown.map((key) => `'${key}'`).join(', ')}; known: ${FIELDS.join(', ')}`);

  const { user, name, email, workspaces, coreRoles } = fields;
  if (typeof user !== 'string' || !USER_ID.test(user)) {
    throw new DevSignInError("'user' must be a user id: 1-64 letters, digits, '.', '_', '@' or '-', starting with a letter or digit");
  }
  if (name !== undefined && (typeof name !== 'string' || !name.trim() || name.length > MAX_NAME_LENGTH || /[\u0000-\u001f\u007f]/.test(name))) {
    throw new DevSignInError(`'name' must be a display name of 1-${MAX_NAME_LENGTH} characters without control characters`);
  }
  if (email !== undefined && (typeof email !== 'string' || !EMAIL.test(email))) throw new DevSignInError("'email' must be an email address such as alice@example.org");
  if (typeof workspaces !== 'object' || workspaces === null || Array.isArray(workspaces)) {
    throw new DevSignInError(`'workspaces' must be an object of workspace id → roles, e.g. {"demo": ["WorkspaceResearcher"]}; known workspaces: ${knownWorkspaces.join(', ')}`);
  }
  const granted: Record<string, WorkspaceRole[]> = {};
  for (const [workspaceId, roles] of Object.entries(workspaces as Record<string, unknown>)) {
    if (!knownWorkspaces.includes(workspaceId)) throw new DevSignInError(`workspace '${workspaceId}' is not one this host knows: ${knownWorkspaces.join(', ')}`);
    granted[workspaceId] = rolesOf(roles, WORKSPACE_ROLES, `'workspaces.${workspaceId}'`);
    if (granted[workspaceId].length === 0) throw new DevSignInError(`'workspaces.${workspaceId}' names no role; give at least one or leave the workspace out`);
  }
  return {
    user,
    name: typeof name === 'string' ? name.trim() : user,
    ...(typeof email === 'string' ? { email } : {}),
    workspaces: granted,
    coreRoles: coreRoles === undefined ? ['TREUser'] : rolesOf(coreRoles, CORE_ROLES, "'coreRoles'"),
  };
}

function rolesOf<R extends string>(value: unknown, known: readonly R[], field: string): R[] {
  if (!Array.isArray(value)) throw new DevSignInError(`${field} must be a list of roles (${known.join(', ')})`);
  const wrong = value.filter((role) => typeof role !== 'string' || !(known as readonly string[]).includes(role));
  if (wrong.length > 0) throw new DevSignInError(`${field}: ${wrong.map((role) => JSON.stringify(role)).join(', ')} is not a role here; known: ${known.join(', ')}`);
  return known.filter((role) => value.includes(role));
}

export interface DevSignInOptions {
  /** The host's issuer; known once the host listens. */
  issuer(): LocalIssuer;
  dataDir: string;
  /** The workspaces the host serves. */
  workspaces: readonly string[];
}

/** Mints the session's tokens and records its grants (every known workspace: the roles given, or none). */
export async function signInForDevelopment(order: DevSignInOrder, options: DevSignInOptions): Promise<DevSession> {
  const issuer = options.issuer();
  const person = { subject: order.user, name: order.name, email: order.email, expiresInSeconds: TOKEN_LIFETIME_SECONDS };
  const issue = async (audience: string, roles: readonly (WorkspaceRole | CoreRole)[]): Promise<IssuedToken> => {
    const accessToken = await issuer.mint({ ...person, audience, roles });
    return { accessToken, expiresOn: new Date(decodeJwt(accessToken).exp! * 1000).toISOString() };
  };
  const grants = localRoleGrantsDirectory(options.dataDir);
  for (const workspaceId of options.workspaces) {
    await recordLocalGrant(grants, { userId: order.user, workspaceId, roles: order.workspaces[workspaceId] ?? [] });
  }
  const workspaces: Record<string, IssuedToken> = {};
  for (const [workspaceId, roles] of Object.entries(order.workspaces)) workspaces[workspaceId] = await issue(localWorkspaceAudience(workspaceId), roles);
  return {
    user: { id: order.user, name: order.name, ...(order.email ? { email: order.email } : {}) },
    core: await issue(LOCAL_CORE_AUDIENCE, order.coreRoles),
    workspaces,
  };
}

function answer(status: number, body: unknown): ExtraRouteResult {
  return { status, headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }, body: JSON.stringify(body) };
}

function isJson(req: IncomingMessage): boolean {
  return /^application\/json\s*(;|$)/i.test(req.headers['content-type'] ?? '');
}

export function devSignInRoutes(options: DevSignInOptions): ExtraRoute[] {
  return [
    { method: 'GET', path: DEV_SIGN_IN_PATH, handle: async () => answer(200, { workspaces: [...options.workspaces] }) },
    {
      method: 'POST',
      path: DEV_SIGN_IN_PATH,
      async handle(req, body) {
        // A JSON content type makes a cross-origin page preflight first, so no other site can sign someone in here by a form post.
        if (!isJson(req)) return answer(415, { detail: 'send the sign-in as JSON (content-type: application/json)' });
        if (body.length > MAX_BODY_BYTES) return answer(413, { detail: `the sign-in body exceeds ${MAX_BODY_BYTES} bytes` });
        let parsed: unknown;
        try {
          parsed = JSON.parse(body.toString('utf8'));
        } catch {
          return answer(400, { detail: 'the body is not valid JSON' });
        }
        let order: DevSignInOrder;
        try {
          order = parseDevSignIn(parsed, options.workspaces);
        } catch (error) {
          if (error instanceof DevSignInError) return answer(400, { detail: error.message });
          throw error;
        }
        return answer(200, await signInForDevelopment(order, options));
      },
    },
  ];
}
