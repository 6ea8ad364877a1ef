/**
 * One typed reading of the environment, validated at start-up. Every setting the app reads is here,
 * and nowhere else; local.settings.sample.json and the bicep app settings list the same names.
 */
import { clamavCapacity, ClamdLimits, DEFENDER_CAPACITY, RECOMMENDED_CLAMD_LIMITS, ScanCapacity } from './domain/scanCapacity';
import { AIRLOCK_SETTINGS_LIMITS, ALLOWABLE_FILE_TYPES, isWorkspaceId, settingBeyondDeployment } from './domain/workspace';
import { entraTenantOf, scopeIdOf, scopeIdProblem } from './domain/treWorkspace';
import { isGuid } from './domain/guid';

export interface AirlockConfig {
  treId: string;
  /** workspaceId → token audience (the workspace app registration's client id) */
  workspaceAudiences: Record<string, string>;
  /** workspaceId → display name, for every workspace of `workspaceAudiences` (the id when none is configured) */
  workspaceDisplayNames: Record<string, string>;
  /**
   * workspaceId → the scope id (application ID URI) clients ask workspace tokens for, for the
   * workspaces where it is not derived from the audience (`scopeIdOf` in domain/treWorkspace.ts).
   */
  workspaceScopes?: Record<string, string>;
  identity: { issuer: string[]; jwksUri: string; coreAudience: string };
  stateStore:
    | { kind: 'cosmos'; endpoint: string; key?: string; database: string; container: string }
    | { kind: 'table'; connectionString: string; table: string };
  storage: {
    endpointTemplate: string;
    auth: { kind: 'managed-identity'; clientId?: string } | { kind: 'account-key'; keys: Record<string, string> };
  };
  sasExpiryMinutes: number;
  maxFilesPerRequest: number;
  maxFileSizeBytes: number;
  allowedFileTypes: string[];
  scanner: ScannerConfig;
  /** names this deployment in every event's `source` */
  deploymentId: string;
  /** the Event Grid custom topic (CloudEvents schema) the airlock publishes to; undefined: events are not published */
  eventsTopic?: { endpoint: string; key?: string };
  /** where the workspace roles of core-token callers come from (AIRLOCK_ROLE_DIRECTORY); undefined: none */
  roleDirectory?: RoleDirectoryConfig;
  notifications: {
    /** path of a JSON rules file; undefined: the built-in rules */
    rulesFile?: string;
    mail: MailConfig;
    /** where a person opens a request, e.g. the TRE portal; `{workspaceId}` and `{requestId}` are filled in */
    requestUrlTemplate?: string;
  };
  /** How the browser console signs people in (AIRLOCK_CONSOLE_*); undefined: Entra ID, not configured. */
  console?: ConsoleSignIn;
}

/**
 * The console's sign-in. `entra`: MSAL in the browser, with the SPA app registration's client id,
 * the tenant's authority and the core API's scope; a part left undefined could not be configured,
 * and the console says so (config.json answers 503) rather than sign in half-configured. `local`:
 * the local host's development sign-in, which exists only there.
 */
export type ConsoleSignIn =
  | { kind: 'local' }
  | { kind: 'entra'; clientId?: string; authority?: string; coreScope: string };

const ENTRA_LOGIN_ORIGIN = 'https://login.microsoftonline.com';

/**
 * Who holds which workspace roles, for callers who present a core token (the portal's
 * cross-workspace views): Microsoft Graph's app role assignments, as Azure TRE reads them; the
 * grants the local token CLI recorded; or nobody (deny by default).
 */
export type RoleDirectoryConfig = { kind: 'graph'; endpoint: string } | { kind: 'local'; directory: string } | { kind: 'none' };

export const DEFAULT_GRAPH_ENDPOINT = 'https://graph.microsoft.com';

export type MailConfig =
  | { kind: 'smtp'; host: string; port: number; secure: boolean; user?: string; password?: string; from: string }
  | { kind: 'eml'; directory: string; from: string }
  | { kind: 'none' };

/**
 * Which malware scanner judges the in-progress copy, and what it can scan in full; `none` is
 * allowed but said loudly everywhere.
 */
export type ScannerConfig =
  | { kind: 'defender'; timeoutMinutes: number; capacity: ScanCapacity }
  | { kind: 'clamav'; address: string; timeoutMinutes: number; limits: ClamdLimits; capacity: ScanCapacity }
  | { kind: 'none' };

/** What the deployment's scanner can fully scan; undefined when nothing is scanned. */
export function scanCapacityOf(scanner: ScannerConfig): ScanCapacity | undefined {
  return scanner.kind === 'none' ? undefined : scanner.capacity;
}

export const DEFAULT_ALLOWED_FILE_TYPES = ['csv', 'tsv', 'txt', 'json', 'pdf', 'png', 'jpg', 'svg', 'parquet', 'zip'];

/** `3h`, `90m`, `45s` or a bare number of minutes → minutes. */
export function parseDurationMinutes(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*(h|m|s)?$/i.exec(text.trim());
  if (!match) return undefined;
  const value = Number(match[1]);
  const unit = (match[2] ?? 'm').toLowerCase();
  const minutes = unit === 'h' ? value * 60 : unit === 's' ? value / 60 : value;
  return minutes > 0 ? minutes : undefined;
}

/** Seven days: the longest a user-delegation key, and so a user-delegation SAS, is valid. */
export const MAX_SAS_EXPIRY_MINUTES = 7 * 24 * 60;

export class ConfigError extends Error {
  constructor(problems: string[]) {
    super(`Airlock configuration is not valid:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

/** `a=1;b=2` or `a:1;b:2` → {a:'1', b:'2'} (keys of accounts are base64, so only the first separator counts). */
export function parsePairs(text: string | undefined, separator: '=' | ':'): Record<string, string> {
  const pairs: Record<string, string> = {};
  for (const entry of (text ?? '').split(/[;,]/).map((e) => e.trim()).filter(Boolean)) {
    const at = entry.indexOf(separator);
    if (at <= 0) continue;
    pairs[entry.slice(0, at).trim()] = entry.slice(at + 1).trim();
  }
  return pairs;
}

const MAX_DISPLAY_NAME_LENGTH = 200;

/**
 * `ws=Display Name;...`. Only ';' separates entries (unlike `parsePairs`): a display name may hold a
 * comma. Every configured workspace gets a name, its id when none is given.
 */
function readWorkspaceDisplayNames(text: string | undefined, workspaceIds: string[], problems: string[]): Record<string, string> {
  const names: Record<string, string> = Object.fromEntries(workspaceIds.map((id) => [id, id]));
  for (const entry of (text ?? '').split(';').map((e) => e.trim()).filter(Boolean)) {
    const at = entry.indexOf('=');
    const id = at > 0 ? entry.slice(0, at).trim() : '';
    const name = at > 0 ? entry.slice(at + 1).trim() : '';
    if (!id || !name) problems.push(`AIRLOCK_WORKSPACE_NAMES entry '${entry}' must be "workspaceId=Display Name"`);
    else if (!workspaceIds.includes(id)) problems.push(`AIRLOCK_WORKSPACE_NAMES names workspace '${id}', which AIRLOCK_WORKSPACE_AUDIENCES does not list`);
    else if (name.length > MAX_DISPLAY_NAME_LENGTH) problems.push(`AIRLOCK_WORKSPACE_NAMES: the name of '${id}' must be at most ${MAX_DISPLAY_NAME_LENGTH} characters`);
    else names[id] = name;
  }
  return names;
}

/**
 * `ws=api://ws-1a2b;...`: Azure TRE names a workspace app `api://<suffix>`, which no token carries
 * (v2 tokens carry the client id), so where the scope differs from the audience it is configured.
 */
function readWorkspaceScopes(text: string | undefined, workspaceIds: string[], problems: string[]): Record<string, string> {
  const scopes = parsePairs(text, '=');
  for (const [id, scope] of Object.entries(scopes)) {
    if (!workspaceIds.includes(id)) problems.push(`AIRLOCK_WORKSPACE_SCOPES names workspace '${id}', which AIRLOCK_WORKSPACE_AUDIENCES does not list`);
    const problem = scopeIdProblem(scope);
    if (problem) problems.push(`AIRLOCK_WORKSPACE_SCOPES: the scope of '${id}': ${problem}`);
  }
  return scopes;
}

/** `graph`, `local:<directory>` or `none` (the default); the Graph endpoint must be https, except on this machine. */
function readRoleDirectory(setting: string | undefined, graphEndpoint: string | undefined, problems: string[]): RoleDirectoryConfig {
  const value = setting?.trim() || 'none';
  if (value === 'none') return { kind: 'none' };
  if (value.startsWith('local:') && value.slice('local:'.length).trim()) return { kind: 'local', directory: value.slice('local:'.length).trim() };
  if (value !== 'graph') {
    problems.push(`AIRLOCK_ROLE_DIRECTORY must be 'graph', 'local:<directory>' or 'none' (got '${value}')`);
    return { kind: 'none' };
  }
  const endpoint = (graphEndpoint?.trim() || DEFAULT_GRAPH_ENDPOINT).replace(/\/+$/, '');
  let url: URL | undefined;
  try {
    url = new URL(endpoint);
  } catch {
    url = undefined;
  }
  const loopback = url !== undefined && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  // The managed identity's Graph token travels with every call: never in clear text off this machine.
  if (!url || !(url.protocol === 'https:' || (url.protocol === 'http:' && loopback)) || url.pathname !== '/' || url.search) {
    problems.push(`AIRLOCK_GRAPH_ENDPOINT must be the https origin of Microsoft Graph, such as ${DEFAULT_GRAPH_ENDPOINT} (got '${endpoint}')`);
  }
  return { kind: 'graph', endpoint };
}

/**
 * The Entra ID authority of the tenant that issues the airlock's tokens, read from the trusted
 * issuer: a v2 issuer names its own login host, a v1 issuer (sts.windows.net) the public cloud's.
 */
function authorityOfIssuers(issuers: readonly string[]): string | undefined {
  for (const issuer of issuers) {
    const tenant = entraTenantOf(issuer);
    if (!tenant) continue;
    const url = new URL(issuer);
    return `${url.hostname.startsWith('sts.') ? ENTRA_LOGIN_ORIGIN : url.origin}/${tenant}`;
  }
  return undefined;
}

/** AIRLOCK_CONSOLE_SIGN_IN and its companions; only a value that is there and wrong is a problem at start-up. */
function readConsoleSignIn(env: Env, identity: AirlockConfig['identity'], problems: string[]): ConsoleSignIn {
  const kind = env.AIRLOCK_CONSOLE_SIGN_IN?.trim() || 'entra';
  if (kind === 'local') return { kind: 'local' };
  if (kind !== 'entra') problems.push(`AIRLOCK_CONSOLE_SIGN_IN must be 'entra' or 'local' (got '${kind}')`);
  const clientId = env.AIRLOCK_CONSOLE_CLIENT_ID?.trim() || undefined;
  if (clientId !== undefined && !isGuid(clientId)) {
    problems.push(`AIRLOCK_CONSOLE_CLIENT_ID must be the console's app registration client id, a GUID (got '${clientId}')`);
  }
  const authority = env.AIRLOCK_CONSOLE_AUTHORITY?.trim().replace(/\/+$/, '') || undefined;
  if (authority !== undefined && !isAuthority(authority)) {
    problems.push(`AIRLOCK_CONSOLE_AUTHORITY must be an https URL naming the tenant, such as ${ENTRA_LOGIN_ORIGIN}/<tenant id> (got '${authority}')`);
  }
  const coreScope = env.AIRLOCK_CONSOLE_CORE_SCOPE?.trim() || (identity.coreAudience ? `${scopeIdOf(identity.coreAudience)}/user_impersonation` : '');
  if (env.AIRLOCK_CONSOLE_CORE_SCOPE?.trim() && !/^\S+\/[^/\s]+$/.test(coreScope)) {
    problems.push(`AIRLOCK_CONSOLE_CORE_SCOPE must be a scope such as api://<core API client id>/user_impersonation (got '${coreScope}')`);
  }
  return { kind: 'entra', clientId, authority: authority ?? authorityOfIssuers(identity.issuer), coreScope };
}

function isAuthority(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'https:' && url.pathname.split('/').filter(Boolean).length >= 1 && !url.search && !url.hash;
  } catch {
    return false;
  }
}

export function loadConfig(env: Env = process.env): AirlockConfig {
  const problems: string[] = [];
  const required = (name: string): string => {
    const value = env[name]?.trim();
    if (!value) problems.push(`${name} is required`);
    return value ?? '';
  };
  const positiveInt = (name: string, fallback: number): number => {
    const raw = env[name]?.trim();
    if (!raw) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value <= 0) problems.push(`${name} must be a positive whole number (got '${raw}')`);
    return value;
  };

  const workspaceAudiences = parsePairs(env.AIRLOCK_WORKSPACE_AUDIENCES, '=');
  if (Object.keys(workspaceAudiences).length === 0) {
    problems.push('AIRLOCK_WORKSPACE_AUDIENCES must name at least one workspace, as "workspaceId=audience;..."');
  }
  for (const id of Object.keys(workspaceAudiences)) {
    if (!isWorkspaceId(id)) problems.push(`workspace id '${id}' must be 3-63 letters, digits or '-'`);
  }

  const workspaceDisplayNames = readWorkspaceDisplayNames(env.AIRLOCK_WORKSPACE_NAMES, Object.keys(workspaceAudiences), problems);
  const workspaceScopes = readWorkspaceScopes(env.AIRLOCK_WORKSPACE_SCOPES, Object.keys(workspaceAudiences), problems);

  const storeKind = env.AIRLOCK_STATE_STORE?.trim() || 'cosmos';
  let stateStore: AirlockConfig['stateStore'];
  if (storeKind === 'cosmos') {
    stateStore = {
      kind: 'cosmos',
      endpoint: required('AIRLOCK_COSMOS_ENDPOINT'),
      key: env.AIRLOCK_COSMOS_KEY?.trim() || undefined,
      database: env.AIRLOCK_COSMOS_DATABASE?.trim() || 'airlock',
      container: env.AIRLOCK_COSMOS_CONTAINER?.trim() || 'requests',
    };
  } else if (storeKind === 'table') {
    stateStore = {
      kind: 'table',
      connectionString: required('AIRLOCK_TABLE_CONNECTION_STRING'),
      table: env.AIRLOCK_TABLE_NAME?.trim() || 'airlockrequests',
    };
  } else {
    problems.push(`AIRLOCK_STATE_STORE must be 'cosmos' or 'table' (got '${storeKind}')`);
    stateStore = { kind: 'table', connectionString: '', table: '' };
  }

  const authKind = env.AIRLOCK_STORAGE_AUTH?.trim() || 'managed-identity';
  let auth: AirlockConfig['storage']['auth'];
  if (authKind === 'managed-identity') auth = { kind: 'managed-identity', clientId: env.AZURE_CLIENT_ID?.trim() || undefined };
  else if (authKind === 'account-key') {
    const keys = parsePairs(env.AIRLOCK_STORAGE_ACCOUNT_KEYS, ':');
    if (Object.keys(keys).length === 0) problems.push('AIRLOCK_STORAGE_ACCOUNT_KEYS is required when AIRLOCK_STORAGE_AUTH=account-key');
    auth = { kind: 'account-key', keys };
  } else {
    problems.push(`AIRLOCK_STORAGE_AUTH must be 'managed-identity' or 'account-key' (got '${authKind}')`);
    auth = { kind: 'account-key', keys: {} };
  }

  const endpointTemplate = env.AIRLOCK_BLOB_ENDPOINT_TEMPLATE?.trim() || 'https://{account}.blob.core.windows.net';
  if (!endpointTemplate.includes('{account}')) problems.push('AIRLOCK_BLOB_ENDPOINT_TEMPLATE must contain {account}');

  const treId = required('AIRLOCK_TRE_ID');
  if (treId && !/^[a-z0-9]{1,11}$/.test(treId)) problems.push(`AIRLOCK_TRE_ID must be 1-11 lower-case letters or digits (got '${treId}')`);

  const scanTimeoutText = env.AIRLOCK_SCAN_TIMEOUT?.trim() || '3h';
  const timeoutMinutes = parseDurationMinutes(scanTimeoutText) ?? 180;
  if (parseDurationMinutes(scanTimeoutText) === undefined) problems.push(`AIRLOCK_SCAN_TIMEOUT must be a duration such as 3h, 90m or 45s (got '${scanTimeoutText}')`);
  const scannerKind = env.AIRLOCK_SCANNER?.trim() || 'defender';
  let scanner: ScannerConfig;
  if (scannerKind === 'defender') scanner = { kind: 'defender', timeoutMinutes, capacity: DEFENDER_CAPACITY };
  else if (scannerKind === 'clamav') {
    // What clamd.conf says (docs/clamav.md): clamd cannot be asked, and it answers OK for what it skipped.
    const limits: ClamdLimits = {
      maxFileSizeMb: positiveInt('AIRLOCK_CLAMD_MAX_FILE_SIZE_MB', RECOMMENDED_CLAMD_LIMITS.maxFileSizeMb),
      maxScanSizeMb: positiveInt('AIRLOCK_CLAMD_MAX_SCAN_SIZE_MB', RECOMMENDED_CLAMD_LIMITS.maxScanSizeMb),
      streamMaxLengthMb: positiveInt('AIRLOCK_CLAMD_STREAM_MAX_LENGTH_MB', RECOMMENDED_CLAMD_LIMITS.streamMaxLengthMb),
    };
    scanner = { kind: 'clamav', address: required('AIRLOCK_CLAMD'), timeoutMinutes, limits, capacity: clamavCapacity(limits) };
  }
  else if (scannerKind === 'none') scanner = { kind: 'none' };
  else {
    problems.push(`AIRLOCK_SCANNER must be 'defender', 'clamav' or 'none' (got '${scannerKind}')`);
    scanner = { kind: 'none' };
  }

  const allowedFileTypes = (env.AIRLOCK_ALLOWED_FILE_TYPES?.trim() || DEFAULT_ALLOWED_FILE_TYPES.join(','))
    .split(',')
    .map((type) => type.trim().toLowerCase())
    .filter(Boolean);
  // A typo here would otherwise block every file of every new workspace with no word of why.
  const unallowable = allowedFileTypes.filter((type) => !(ALLOWABLE_FILE_TYPES as readonly string[]).includes(type));
  if (unallowable.length > 0) {
    problems.push(`AIRLOCK_ALLOWED_FILE_TYPES names ${unallowable.map((type) => `'${type}'`).join(', ')}, which a workspace cannot allow; allowable types: ${ALLOWABLE_FILE_TYPES.join(', ')}`);
  }

  // A user-delegation SAS (the managed-identity deployment's kind) cannot outlive its key's seven days.
  const sasExpiryMinutes = positiveInt('AIRLOCK_SAS_EXPIRY_MINUTES', 60);
  if (sasExpiryMinutes > MAX_SAS_EXPIRY_MINUTES) {
    problems.push(`AIRLOCK_SAS_EXPIRY_MINUTES is ${sasExpiryMinutes}; a link can live at most ${MAX_SAS_EXPIRY_MINUTES} minutes (seven days, the longest a user-delegation SAS is valid)`);
  }

  // The defaults of every new workspace: settings an administrator could not set are refused here too.
  const maxFilesPerRequest = positiveInt('AIRLOCK_MAX_FILES', 50);
  const maxFileSizeMb = positiveInt('AIRLOCK_MAX_FILE_SIZE_MB', 1024);
  if (maxFileSizeMb > AIRLOCK_SETTINGS_LIMITS.maxFileSizeMb.max) {
    problems.push(`AIRLOCK_MAX_FILE_SIZE_MB is ${maxFileSizeMb}; at most ${AIRLOCK_SETTINGS_LIMITS.maxFileSizeMb.max} is allowed`);
  }
  const beyond = settingBeyondDeployment({ maxFiles: maxFilesPerRequest, maxFileSizeMb, scanningEnabled: true }, scanCapacityOf(scanner), {
    maxFiles: 'AIRLOCK_MAX_FILES',
    maxFileSizeMb: 'AIRLOCK_MAX_FILE_SIZE_MB',
  });
  if (beyond) problems.push(beyond);

  const config: AirlockConfig = {
    treId,
    workspaceAudiences,
    workspaceDisplayNames,
    workspaceScopes,
    identity: {
      issuer: required('AIRLOCK_AUTH_ISSUER').split(',').map((issuer) => issuer.trim()).filter(Boolean),
      jwksUri: required('AIRLOCK_AUTH_JWKS_URI'),
      coreAudience: required('AIRLOCK_CORE_AUDIENCE'),
    },
    stateStore,
    storage: { endpointTemplate, auth },
    sasExpiryMinutes,
    maxFilesPerRequest,
    maxFileSizeBytes: maxFileSizeMb * 1024 * 1024,
    allowedFileTypes,
    scanner,
    deploymentId: '',
    notifications: { mail: { kind: 'none' } },
  };
  config.deploymentId = env.AIRLOCK_DEPLOYMENT_ID?.trim() || treId;
  const topicEndpoint = env.AIRLOCK_EVENTS_TOPIC_ENDPOINT?.trim();
  if (topicEndpoint) config.eventsTopic = { endpoint: topicEndpoint, key: env.AIRLOCK_EVENTS_TOPIC_KEY?.trim() || undefined };
  config.roleDirectory = readRoleDirectory(env.AIRLOCK_ROLE_DIRECTORY, env.AIRLOCK_GRAPH_ENDPOINT, problems);
  config.console = readConsoleSignIn(env, config.identity, problems);
  const from = env.AIRLOCK_MAIL_FROM?.trim() || 'airlock@localhost';
  const mailKind = env.AIRLOCK_MAIL?.trim() || (env.AIRLOCK_SMTP_HOST ? 'smtp' : 'none');
  let mail: MailConfig;
  if (mailKind === 'smtp') {
    mail = {
      kind: 'smtp',
      host: required('AIRLOCK_SMTP_HOST'),
      port: positiveInt('AIRLOCK_SMTP_PORT', 587),
      secure: env.AIRLOCK_SMTP_SECURE?.trim() === 'true',
      user: env.AIRLOCK_SMTP_USER?.trim() || undefined,
      password: env.AIRLOCK_SMTP_PASSWORD || undefined,
      from,
    };
  } else if (mailKind === 'eml') mail = { kind: 'eml', directory: required('AIRLOCK_EML_DIR'), from };
  else if (mailKind === 'none') mail = { kind: 'none' };
  else {
    problems.push(`AIRLOCK_MAIL must be 'smtp', 'eml' or 'none' (got '${mailKind}')`);
    mail = { kind: 'none' };
  }
  config.notifications = {
    rulesFile: env.AIRLOCK_NOTIFICATION_RULES?.trim() || undefined,
    mail,
    requestUrlTemplate: env.AIRLOCK_REQUEST_URL_TEMPLATE?.trim() || undefined,
  };
  if (problems.length) throw new ConfigError(problems);
  return config;
}
