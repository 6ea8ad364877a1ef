import { ConfigError, loadConfig, scanCapacityOf } from '../src/config';
import { AIRLOCK_SETTINGS_LIMITS } from '../src/domain/workspace';

const base = {
  AIRLOCK_TRE_ID: 'test',
  AIRLOCK_WORKSPACE_AUDIENCES: 'ws01=api://ws01',
  AIRLOCK_AUTH_ISSUER: 'https://issuer.invalid',
  AIRLOCK_AUTH_JWKS_URI: 'https://issuer.invalid/keys',
  AIRLOCK_CORE_AUDIENCE: 'api://core',
  AIRLOCK_STATE_STORE: 'table',
  AIRLOCK_TABLE_CONNECTION_STRING: 'UseDevelopmentStorage=true',
};

function problemsOf(env: Record<string, string>): string {
  try {
    loadConfig({ ...base, ...env });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('the configuration was accepted');
}

test('ClamAV limits default to the clamd.conf docs/clamav.md asks for, and can be stated', () => {
  const defaults = loadConfig({ ...base, AIRLOCK_SCANNER: 'clamav', AIRLOCK_CLAMD: 'tcp://127.0.0.1:3310' });
  expect(scanCapacityOf(defaults.scanner)).toMatchObject({ maxFileBytes: 2_147_483_645, maxScanBytes: 4095 * 1024 * 1024 });
  const stated = loadConfig({
    ...base,
    AIRLOCK_SCANNER: 'clamav',
    AIRLOCK_CLAMD: 'tcp://127.0.0.1:3310',
    AIRLOCK_CLAMD_MAX_FILE_SIZE_MB: '100',
    AIRLOCK_CLAMD_STREAM_MAX_LENGTH_MB: '100',
    AIRLOCK_CLAMD_MAX_SCAN_SIZE_MB: '400',
    AIRLOCK_MAX_FILE_SIZE_MB: '100',
  });
  expect(scanCapacityOf(stated.scanner)).toMatchObject({ maxFileBytes: 100 * 1024 * 1024, maxMemberBytes: 100 * 1024 * 1024, maxScanBytes: 400 * 1024 * 1024 });
  expect(scanCapacityOf(loadConfig({ ...base, AIRLOCK_SCANNER: 'none', AIRLOCK_MAX_FILE_SIZE_MB: '51200' }).scanner)).toBeUndefined();
});

test('a default file size the scanner cannot fully scan stops the start, with the reason', () => {
  expect(problemsOf({ AIRLOCK_SCANNER: 'clamav', AIRLOCK_CLAMD: 'tcp://127.0.0.1:3310', AIRLOCK_CLAMD_MAX_FILE_SIZE_MB: '100', AIRLOCK_MAX_FILE_SIZE_MB: '1024' })).toContain(
    'AIRLOCK_MAX_FILE_SIZE_MB is 1024, but the malware scanner, ClamAV (clamd MaxFileSize 100M, StreamMaxLength 2048M, MaxScanSize 4095M), can fully scan files of at most 100 MiB',
  );
  expect(problemsOf({ AIRLOCK_SCANNER: 'defender', AIRLOCK_MAX_FILE_SIZE_MB: '51200' })).toContain('AIRLOCK_MAX_FILE_SIZE_MB is 51200, but the malware scanner, Microsoft Defender');
  expect(problemsOf({ AIRLOCK_SCANNER: 'none', AIRLOCK_MAX_FILE_SIZE_MB: '60000' })).toContain('AIRLOCK_MAX_FILE_SIZE_MB is 60000; at most 51200 is allowed');
});

test('a default file count the request store cannot hold stops the start, with the reason', () => {
  expect(problemsOf({ AIRLOCK_SCANNER: 'none', AIRLOCK_MAX_FILES: '1000' })).toContain(
    `AIRLOCK_MAX_FILES is 1000, but a request can hold at most ${AIRLOCK_SETTINGS_LIMITS.maxFiles.max} files`,
  );
});

test('a default file type a workspace cannot allow stops the start, naming it: a typo must not block every file', () => {
  expect(problemsOf({ AIRLOCK_SCANNER: 'none', AIRLOCK_ALLOWED_FILE_TYPES: 'csv, cvs,executable' })).toContain(
    "AIRLOCK_ALLOWED_FILE_TYPES names 'cvs', 'executable', which a workspace cannot allow; allowable types: ",
  );
  expect(loadConfig({ ...base, AIRLOCK_SCANNER: 'none', AIRLOCK_ALLOWED_FILE_TYPES: ' CSV ,txt' }).allowedFileTypes).toEqual(['csv', 'txt']);
});

test('AIRLOCK_WORKSPACE_SCOPES: optional; states the scope id of the workspaces it names', () => {
  expect(loadConfig(base).workspaceScopes).toEqual({});
  const config = loadConfig({ ...base, AIRLOCK_WORKSPACE_AUDIENCES: 'ws01=api://ws01;ws02=api://ws02', AIRLOCK_WORKSPACE_SCOPES: 'ws02=api://mytre-ws-ws02' });
  expect(config.workspaceScopes).toEqual({ ws02: 'api://mytre-ws-ws02' });
});

test('AIRLOCK_WORKSPACE_SCOPES naming an unknown workspace, or a scope that is not an application ID URI, stops the start', () => {
  expect(problemsOf({ AIRLOCK_WORKSPACE_SCOPES: 'ws09=api://mytre-ws-ws09' })).toMatch(/AIRLOCK_WORKSPACE_SCOPES names workspace 'ws09', which AIRLOCK_WORKSPACE_AUDIENCES does not list/);
  expect(problemsOf({ AIRLOCK_WORKSPACE_SCOPES: 'ws01=mytre-ws-ws01' })).toMatch(/the scope of 'ws01': 'mytre-ws-ws01' is neither a URI/);
  expect(problemsOf({ AIRLOCK_WORKSPACE_SCOPES: 'ws01=api://mytre-ws-ws01/user_impersonation' })).toMatch(/ends with '\/user_impersonation'/);
});

test('AIRLOCK_ROLE_DIRECTORY: none by default (deny by default), graph (its endpoint overridable for national clouds), or local:<directory>', () => {
  expect(loadConfig(base).roleDirectory).toEqual({ kind: 'none' });
  expect(loadConfig({ ...base, AIRLOCK_ROLE_DIRECTORY: 'none' }).roleDirectory).toEqual({ kind: 'none' });
  expect(loadConfig({ ...base, AIRLOCK_ROLE_DIRECTORY: 'graph' }).roleDirectory).toEqual({ kind: 'graph', endpoint: 'https://graph.microsoft.com' });
  // Bicep's environment().graph ends in a slash.
  expect(loadConfig({ ...base, AIRLOCK_ROLE_DIRECTORY: 'graph', AIRLOCK_GRAPH_ENDPOINT: 'https://graph.microsoft.us/' }).roleDirectory).toEqual({
    kind: 'graph',
    endpoint: 'https://graph.microsoft.us',
  });
  expect(loadConfig({ ...base, AIRLOCK_ROLE_DIRECTORY: 'local:/data/role-grants' }).roleDirectory).toEqual({ kind: 'local', directory: '/data/role-grants' });
});

test('an AIRLOCK_ROLE_DIRECTORY it does not know, or a Graph endpoint that would send its token in clear text, stops the start', () => {
  expect(problemsOf({ AIRLOCK_ROLE_DIRECTORY: 'ldap' })).toContain("AIRLOCK_ROLE_DIRECTORY must be 'graph', 'local:<directory>' or 'none' (got 'ldap')");
  expect(problemsOf({ AIRLOCK_ROLE_DIRECTORY: 'local:' })).toContain('AIRLOCK_ROLE_DIRECTORY must be');
  expect(problemsOf({ AIRLOCK_ROLE_DIRECTORY: 'graph', AIRLOCK_GRAPH_ENDPOINT: 'http://graph.example.org' })).toContain('AIRLOCK_GRAPH_ENDPOINT must be the https origin');
  expect(problemsOf({ AIRLOCK_ROLE_DIRECTORY: 'graph', AIRLOCK_GRAPH_ENDPOINT: 'https://graph.microsoft.com/v1.0' })).toContain('AIRLOCK_GRAPH_ENDPOINT must be the https origin');
  // On this machine (a stand-in Graph), plain http is allowed.
  expect(loadConfig({ ...base, AIRLOCK_ROLE_DIRECTORY: 'graph', AIRLOCK_GRAPH_ENDPOINT: 'http://127.0.0.1:8080' }).roleDirectory).toEqual({ kind: 'graph', endpoint: 'http://127.0.0.1:8080' });
});

test('a link lifetime beyond what a user-delegation SAS allows stops the start', () => {
  expect(problemsOf({ AIRLOCK_SCANNER: 'none', AIRLOCK_SAS_EXPIRY_MINUTES: '10081' })).toContain(
    'AIRLOCK_SAS_EXPIRY_MINUTES is 10081; a link can live at most 10080 minutes (seven days, the longest a user-delegation SAS is valid)',
  );
  expect(loadConfig({ ...base, AIRLOCK_SCANNER: 'none', AIRLOCK_SAS_EXPIRY_MINUTES: '10080' }).sasExpiryMinutes).toBe(10080);
});
