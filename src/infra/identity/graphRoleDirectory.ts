/**
 * Workspace roles from Microsoft Graph, the way Azure TRE finds them: the user's app role
 * assignments (`GET /users/{oid}/appRoleAssignments`, which also lists the assignments of the
 * groups the user is a direct member of), matched against each workspace application's service
 * principal, whose `appRoles` name the role ids (`WorkspaceOwner`, `WorkspaceResearcher`,
 * `AirlockManager`). A caller that is a service principal (an automation's client credentials) is
 * looked up under `/servicePrincipals/{oid}/appRoleAssignments` instead, as Azure TRE does.
 *
 * Plain REST over fetch, signed in as the Function App's managed identity; the identity needs the
 * Graph application permission Directory.Read.All, which an administrator grants (docs/deploy.md).
 * A user's assignments are cached for a short while (60 s by default): a role granted or removed
 * in Entra ID takes effect within that time. A workspace application's role ids, which change only
 * with its app registration, for 10 minutes.
 *
 * Deny by default: a workspace whose application Graph does not know gives nobody a role (logged).
 * Graph failing (unreachable, throttling, the permission not granted) is a DependencyError (503)
 * naming the cause, never an empty answer that would look like "you manage nothing".
 */
import type { TokenCredential } from '@azure/identity';
import { DependencyError } from '../../domain/errors';
import { errorText } from '../../domain/errorText';
import { isGuid } from '../../domain/guid';
import { WORKSPACE_ROLES, WorkspaceRole } from '../../domain/roles';
import { Workspace } from '../../domain/workspace';
import { WorkspaceRoleDirectory } from './workspaceRoleDirectory';

/** The Graph application permission the identity needs for both lookups (user assignments, service principals). */
export const GRAPH_PERMISSION = 'Directory.Read.All';

export interface GraphRoleDirectoryOptions {
  /** Graph's origin, e.g. https://graph.microsoft.com (national clouds have their own). */
  endpoint: string;
  /** Signs in for Graph; in Azure the Function App's managed identity (DefaultAzureCredential). */
  credential: Pick<TokenCredential, 'getToken'>;
  /** How long a user's assignments are reused: a role given or taken away counts within this time. */
  cacheSeconds?: number;
  /** How long a workspace application's role ids are reused: they change only when the app registration does. */
  applicationCacheSeconds?: number;
  /** Milliseconds since the epoch; tests move it. */
  now?: () => number;
  log?: (line: string) => void;
  /** Per Graph call; Azure TRE waits 10 s. */
  timeoutMs?: number;
}

/** One `appRoleAssignment` as Graph returns it, with the fields used here. */
interface AppRoleAssignment {
  appRoleId: string;
  resourceId: string;
}

/** A workspace application as its service principal describes it: its object id and its role ids → role names. */
interface WorkspaceApplication {
  servicePrincipalId: string;
  roleNames: ReadonlyMap<string, string>;
}

interface GraphCollection {
  value?: unknown;
  '@odata.nextLink'?: unknown;
}

interface CacheEntry<T> {
  expires: number;
  value: Promise<T>;
}

const DEFAULT_CACHE_SECONDS = 60;
const DEFAULT_APPLICATION_CACHE_SECONDS = 600;
const DEFAULT_TIMEOUT_MS = 10_000;
/** A user's assignments fill a page or two; this many pages means something is wrong, not a big tenant. */
const MAX_PAGES = 50;
/** Beyond this many cached keys, expired entries are dropped before a new one is added. */
const CACHE_SWEEP_SIZE = 1_000;

export class GraphRoleDirectory implements WorkspaceRoleDirectory {
  private readonly origin: string;
  private readonly scope: string;
  private readonly cacheMs: number;
  private readonly applicationCacheMs: number;
  private readonly now: () => number;
  private readonly log: (line: string) => void;
  private readonly timeoutMs: number;
  private readonly assignments = new Map<string, CacheEntry<AppRoleAssignment[]>>();
  private readonly applications = new Map<string, CacheEntry<WorkspaceApplication | undefined>>();

  constructor(private readonly options: GraphRoleDirectoryOptions) {
    this.origin = new URL(options.endpoint).origin;
    this.scope = `${this.origin}/.default`;
    this.cacheMs = (options.cacheSeconds ?? DEFAULT_CACHE_SECONDS) * 1000;
    this.applicationCacheMs = (options.applicationCacheSeconds ?? DEFAULT_APPLICATION_CACHE_SECONDS) * 1000;
    this.now = options.now ?? Date.now;
    this.log = options.log ?? ((line) => console.warn(line));
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  async rolesOf(userId: string, workspaces: readonly Workspace[]): Promise<Map<string, WorkspaceRole[]>> {
    // Entra object ids are GUIDs: anything else is no directory object, and holds no role.
    if (workspaces.length === 0 || !isGuid(userId)) return new Map();
    const [held, applications] = await Promise.all([
      this.cached(this.assignments, userId.toLowerCase(), this.cacheMs, () => this.readAssignments(userId)),
      Promise.all(
        workspaces.map((workspace) => this.cached(this.applications, workspace.audience, this.applicationCacheMs, () => this.readApplication(workspace))),
      ),
    ]);
    const roles = new Map<string, WorkspaceRole[]>();
    workspaces.forEach((workspace, index) => {
      const application = applications[index];
      if (!application) return;
      const names = held
        .filter((assignment) => sameId(assignment.resourceId, application.servicePrincipalId))
        .map((assignment) => application.roleNames.get(assignment.appRoleId.toLowerCase()));
      const workspaceRoles = WORKSPACE_ROLES.filter((role) => names.includes(role));
      if (workspaceRoles.length > 0) roles.set(workspace.id, workspaceRoles);
    });
    return roles;
  }

  private async readAssignments(userId: string): Promise<AppRoleAssignment[]> {
    const query = '?$count=true&$select=appRoleId,resourceId,principalType';
    const id = encodeURIComponent(userId);
    const found =
      (await this.readCollection(`/v1.0/users/${id}/appRoleAssignments${query}`, { absentIfNotFound: true })) ??
      (await this.readCollection(`/v1.0/servicePrincipals/${id}/appRoleAssignments${query}`, { absentIfNotFound: true })) ??
      [];
    return found.filter(isAssignment);
  }

  private async readApplication(workspace: Workspace): Promise<WorkspaceApplication | undefined> {
    // The audience is the workspace app's client id (v2 tokens); a v1 audience is one of its identifier URIs.
    const filter = isGuid(workspace.audience)
      ? `appId eq '${workspace.audience}'`
      : `servicePrincipalNames/any(name:name eq '${workspace.audience.replace(/'/g, "''")}')`;
    const found = (await this.readCollection(`/v1.0/servicePrincipals?$filter=${encodeURIComponent(filter)}&$select=id,appId,appRoles`)) ?? [];
    const principal = found.find(isServicePrincipal);
    if (!principal) {
      this.log(
        `role directory: Microsoft Graph knows no service principal for workspace '${workspace.id}' (audience '${workspace.audience}'); ` +
          'nobody holds a role there through the directory',
      );
      return undefined;
    }
    const enabled = principal.appRoles.filter(isEnabledAppRole);
    return { servicePrincipalId: principal.id, roleNames: new Map(enabled.map((role) => [role.id.toLowerCase(), role.value])) };
  }

  /** Every item of a collection, following `@odata.nextLink`; undefined when Graph answers 404 and that is allowed. */
  private async readCollection(path: string, options: { absentIfNotFound?: boolean } = {}): Promise<unknown[] | undefined> {
    const items: unknown[] = [];
    let url: string | undefined = `${this.origin}${path}`;
    for (let page = 0; url !== undefined; page++) {
      if (page === MAX_PAGES) throw unavailable(`Microsoft Graph kept paging past ${MAX_PAGES} pages at ${describe(url)}`);
      const body = await this.get(url, options);
      if (body === undefined) return undefined;
      if (!Array.isArray(body.value)) throw unavailable(`Microsoft Graph answered ${describe(url)} without a "value" list`);
      items.push(...body.value);
      url = this.nextLinkOf(body, url);
    }
    return items;
  }

  /** The next page, on Graph's own origin only: the Graph token is never sent anywhere else. */
  private nextLinkOf(body: GraphCollection, current: string): string | undefined {
    const next = body['@odata.nextLink'];
    if (next === undefined || next === null) return undefined;
    let url: URL | undefined;
    try {
      url = typeof next === 'string' ? new URL(next) : undefined;
    } catch {
      url = undefined;
    }
    if (!url || url.origin !== this.origin) throw unavailable(`Microsoft Graph answered ${describe(current)} with a next page outside ${this.origin}`);
    return url.href;
  }

  private async get(url: string, options: { absentIfNotFound?: boolean }): Promise<GraphCollection | undefined> {
    let token: string;
    try {
      const accessToken = await this.options.credential.getToken(this.scope);
      if (!accessToken) throw new Error('no token was issued');
      token = accessToken.token;
    } catch (error) {
      throw unavailable(`cannot sign in to Microsoft Graph (${this.scope}) as the Function App's identity: ${errorText(error)}`);
    }
    let response: Response;
    try {
      response = await fetch(url, {
        headers: {
          authorization: `Bearer ${token}`,
          accept: 'application/json',
          // Complete results for users with many assignments through groups (Graph's advice for $count=true).
          consistencylevel: 'eventual',
        },
        signal: AbortSignal.timeout(this.timeoutMs),
        redirect: 'error',
      });
    } catch (error) {
      throw unavailable(`Microsoft Graph did not answer ${describe(url)}: ${errorText(error)}`);
    }
    if (response.status === 404 && options.absentIfNotFound) {
      await response.body?.cancel();
      return undefined;
    }
    const text = await response.text().catch(() => '');
    if (!response.ok) throw unavailable(graphRefusal(response.status, text, url));
    try {
      return JSON.parse(text) as GraphCollection;
    } catch {
      throw unavailable(`Microsoft Graph answered ${describe(url)} with a body that is not JSON`);
    }
  }

  /** The cached answer for `key`, or a new one; a failed answer is not kept, so the next call asks again. */
  private cached<T>(cache: Map<string, CacheEntry<T>>, key: string, lifeMs: number, load: () => Promise<T>): Promise<T> {
    const now = this.now();
    const hit = cache.get(key);
    if (hit && hit.expires > now) return hit.value;
    if (cache.size >= CACHE_SWEEP_SIZE) {
      for (const [cachedKey, entry] of cache) if (entry.expires <= now) cache.delete(cachedKey);
    }
    const value = load();
    cache.set(key, { expires: now + lifeMs, value });
    value.catch(() => {
      if (cache.get(key)?.value === value) cache.delete(key);
    });
    return value;
  }
}

function unavailable(cause: string): DependencyError {
  return new DependencyError(`workspace roles unavailable: ${cause}`);
}

/** What Graph said, with what to do about it where the cause is known. */
function graphRefusal(status: number, text: string, url: string): string {
  let error: { code?: unknown; message?: unknown } | undefined;
  try {
    error = (JSON.parse(text) as { error?: { code?: unknown; message?: unknown } }).error;
  } catch {
    error = undefined;
  }
  const said = [error?.code, error?.message].filter((part) => typeof part === 'string' && part).join(': ');
  const answer = `Microsoft Graph answered ${status}${said ? ` (${said})` : ''} to ${describe(url)}`;
  if (status === 401 || status === 403) {
    return `${answer}; the Function App's identity needs the Graph application permission ${GRAPH_PERMISSION}, granted by an administrator (docs/deploy.md)`;
  }
  if (status === 429 || status >= 500) return `${answer}; try again shortly`;
  return answer;
}

/** Method and path of a Graph call, without its query (filters name ids, never secrets, but are long). */
function describe(url: string): string {
  try {
    return `GET ${new URL(url).pathname}`;
  } catch {
    return 'a Graph call';
  }
}

function sameId(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

function isAssignment(value: unknown): value is AppRoleAssignment {
  const candidate = value as Partial<AppRoleAssignment> | null;
  return typeof candidate?.appRoleId === 'string' && typeof candidate.resourceId === 'string';
}

interface ServicePrincipal {
  id: string;
  appRoles: unknown[];
}

/** An app role of a service principal: its id, and its `value`, the name tokens carry in `roles`. */
interface AppRole {
  id: string;
  value: string;
  isEnabled?: boolean;
}

function isEnabledAppRole(value: unknown): value is AppRole {
  const candidate = value as Partial<AppRole> | null;
  return typeof candidate?.id === 'string' && typeof candidate.value === 'string' && candidate.isEnabled !== false;
}

function isServicePrincipal(value: unknown): value is ServicePrincipal {
  const candidate = value as Partial<ServicePrincipal> | null;
  return typeof candidate?.id === 'string' && Array.isArray(candidate.appRoles);
}
