/**
 * The registry's workspaces as Azure TRE's API shows them, so that the TRE portal and the `tre` CLI
 * read them unchanged (tre-facts §1.3-§1.5, §2.2, §3.5), and the TRE's `.metadata` document. The
 * registry stays the source of truth: every field here is derived from it and from configuration.
 */
import { unquotedEtag } from './etag';
import { isGuid } from './guid';
import { AIRLOCK_SYSTEM, UserRef } from './roles';
import { Workspace } from './workspace';

/** An absolute URI such as `api://ws-1a2b` or `https://contoso.onmicrosoft.com/ws01`. */
const URI = /^[a-z][a-z0-9+.-]*:\/\/\S+$/i;
const API_SCHEME = 'api://';
/** What a client appends to a scope id; configuring it as part of the id would double it. */
const SCOPE_SUFFIXES = ['/user_impersonation', '/.default'];

/**
 * The app registration's client id behind a token audience. Entra ID v2 tokens carry the client id
 * itself; an `api://<client id>` audience names it too. Any other audience (an identifier URI of a
 * v1 token) is the only name known, so it stands as it is.
 */
export function clientIdOfAudience(audience: string): string {
  const bare = audience.startsWith(API_SCHEME) ? audience.slice(API_SCHEME.length) : audience;
  return isGuid(bare) ? bare : audience;
}

/**
 * The scope prefix clients ask Entra ID for (`<scope id>/user_impersonation`): what configuration
 * states for the workspace, else the audience when it already is a URI, else `api://<client id>`,
 * the identifier URI Entra ID proposes for an app. Azure TRE's workspaces use `api://<suffix>`,
 * which only configuration can know (AIRLOCK_WORKSPACE_SCOPES).
 */
export function scopeIdOf(audience: string, configuredScopeId?: string): string {
  if (configuredScopeId) return configuredScopeId;
  return URI.test(audience) ? audience : `${API_SCHEME}${audience}`;
}

/** Why `value` cannot be a scope id, or undefined when it can: a URI or an app's client id, without a scope name. */
export function scopeIdProblem(value: string): string | undefined {
  if (!URI.test(value) && !isGuid(value)) return `'${value}' is neither a URI (such as api://ws-1a2b) nor an app client id`;
  const suffix = SCOPE_SUFFIXES.find((end) => value.toLowerCase().endsWith(end));
  if (suffix) return `'${value}' ends with '${suffix}'; give the application ID URI only, clients add the scope name`;
  return undefined;
}

/** Not a TRE template (the registry has none): the portal shows the name and version as it finds them. */
export const TRE_WORKSPACE_TEMPLATE = { name: 'airlock-workspace', version: '1.0.0' } as const;

/** The user on a TRE resource: whoever changed it last. The portal reads `name`. */
export interface TreUser {
  id: string;
  name: string;
  email: string;
}

/**
 * The `properties` the TRE clients read. `airlock_review_config` is left out: the registry has no
 * review VMs, and the portal expects review VM details wherever the key is present (§1.10).
 */
export interface TreWorkspaceProperties {
  display_name: string;
  description: string;
  /** The portal's and the CLI's scope prefix for workspace tokens. */
  scope_id: string;
  /** The audience of the workspace's tokens. */
  client_id: string;
  /** The portal shows the Airlock page only when this is true (§1.5). */
  enable_airlock: boolean;
}

export interface TreWorkspace {
  id: string;
  templateName: string;
  templateVersion: string;
  properties: TreWorkspaceProperties;
  availableUpgrades: never[];
  isEnabled: boolean;
  resourceType: 'workspace';
  deploymentStatus: 'deployed';
  _etag: string;
  /** The portal navigates to it when a workspace card is clicked. */
  resourcePath: string;
  resourceVersion: number;
  user: TreUser;
  /** epoch seconds */
  updatedWhen: number;
  workspaceURL: string;
}

/**
 * The workspace as TRE shows it. A workspace served by this airlock is in use, so it is enabled and
 * deployed. Its version is the number of settings changes, and its user and time are those of the
 * last change; a workspace never changed shows the airlock as its author and time 0 (the registry
 * records no creation time).
 */
export function treWorkspaceOf(workspace: Workspace, options: { scopeId?: string } = {}): TreWorkspace {
  const lastChange = workspace.changes.at(-1);
  return {
    id: workspace.id,
    templateName: TRE_WORKSPACE_TEMPLATE.name,
    templateVersion: TRE_WORKSPACE_TEMPLATE.version,
    properties: {
      display_name: workspace.displayName,
      description: '',
      scope_id: scopeIdOf(workspace.audience, options.scopeId),
      client_id: clientIdOfAudience(workspace.audience),
      enable_airlock: workspace.airlock.enabled,
    },
    availableUpgrades: [],
    isEnabled: true,
    resourceType: 'workspace',
    deploymentStatus: 'deployed',
    // Azure TRE sends its etag without the quotes an HTTP header would carry.
    _etag: unquotedEtag(workspace.etag),
    resourcePath: `/workspaces/${workspace.id}`,
    resourceVersion: workspace.changes.length,
    user: treUserOf(lastChange?.changedBy ?? AIRLOCK_SYSTEM),
    updatedWhen: lastChange?.changedWhen ?? 0,
    workspaceURL: '',
  };
}

function treUserOf(user: UserRef): TreUser {
  return { id: user.id, name: user.name, email: user.email ?? '' };
}

/** `GET /api/.metadata`: what the `tre` CLI needs to sign in without being told (§2.1). */
export interface TreMetadata {
  api_version: string;
  api_client_id: string;
  api_root_scope: string;
  /** '' when the issuer is not Entra ID's (the local host's own issuer). */
  aad_tenant_id: string;
}

export function treMetadataOf(input: { apiVersion: string; coreAudience: string; issuers: readonly string[] }): TreMetadata {
  return {
    api_version: input.apiVersion,
    api_client_id: clientIdOfAudience(input.coreAudience),
    api_root_scope: `${scopeIdOf(input.coreAudience)}/user_impersonation`,
    aad_tenant_id: input.issuers.map(entraTenantOf).find((tenant) => tenant !== undefined) ?? '',
  };
}

/**
 * The tenant id in an Entra ID issuer: `https://login.microsoftonline.com/<tenant>/v2.0`,
 * `https://sts.windows.net/<tenant>/`, and their sovereign-cloud hosts all name it first in the path.
 */
export function entraTenantOf(issuer: string): string | undefined {
  let firstSegment: string | undefined;
  try {
    firstSegment = new URL(issuer).pathname.split('/').find(Boolean);
  } catch {
    return undefined;
  }
  return firstSegment !== undefined && isGuid(firstSegment) ? firstSegment.toLowerCase() : undefined;
}
