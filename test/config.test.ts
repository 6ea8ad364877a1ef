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
