import { ValidationError } from '../../src/domain/errors';
import { clamavCapacity, DEFENDER_CAPACITY, maxFileSizeMbFor, RECOMMENDED_CLAMD_LIMITS } from '../../src/domain/scanCapacity';
import { parseAirlockSettings } from '../../src/domain/schemas';
import { AIRLOCK_SETTINGS_LIMITS } from '../../src/domain/workspace';

const settings = {
  enabled: true,
  scanningEnabled: true,
  requiredApprovals: 1,
  maxFiles: 50,
  maxFileSizeMb: 1024,
  allowedFileTypes: ['csv'],
  requestVisibility: 'own',
  notificationAddresses: [],
  rehashOnApproval: false,
};
const clamd64 = clamavCapacity({ maxFileSizeMb: 64, streamMaxLengthMb: 64, maxScanSizeMb: 256 });

function refusal(body: unknown, capacity = clamd64): string {
  try {
    parseAirlockSettings(body, capacity);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).detail;
  }
  throw new Error('accepted');
}

test('a file size limit above what the scanner fully scans is refused, naming the field, the value and the limit', () => {
  expect(refusal({ ...settings, maxFileSizeMb: 51_200 })).toBe(
    'body.maxFileSizeMb is 51200, but the malware scanner, ClamAV (clamd MaxFileSize 64M, StreamMaxLength 64M, MaxScanSize 256M), can fully scan files of at most 64 MiB; files it cannot fully scan never pass, so a larger limit cannot be honoured',
  );
  expect(parseAirlockSettings({ ...settings, maxFileSizeMb: 64 }, clamd64).maxFileSizeMb).toBe(64);
});

test('with scanning off, in the workspace or the deployment, the scanner sets no limit', () => {
  expect(parseAirlockSettings({ ...settings, scanningEnabled: false, maxFileSizeMb: 51_200 }, clamd64).maxFileSizeMb).toBe(51_200);
  expect(parseAirlockSettings({ ...settings, maxFileSizeMb: 51_200 }, undefined).maxFileSizeMb).toBe(51_200);
});

test('more files than a request document can hold are refused, whatever the scanner', () => {
  expect(refusal({ ...settings, maxFiles: 1000 }, undefined)).toBe(
    `body.maxFiles is 1000, but a request can hold at most ${AIRLOCK_SETTINGS_LIMITS.maxFiles.max} files (every file's name, digest and scan verdicts must fit in the request's document in the request store)`,
  );
  expect(parseAirlockSettings({ ...settings, maxFiles: AIRLOCK_SETTINGS_LIMITS.maxFiles.max }).maxFiles).toBe(AIRLOCK_SETTINGS_LIMITS.maxFiles.max);
});

test("what the scanners scan in full: libclamav's 2 GiB ceiling, StreamMaxLength, Defender's 50 GB", () => {
  expect(maxFileSizeMbFor(clamavCapacity(RECOMMENDED_CLAMD_LIMITS))).toBe(2047);
  expect(maxFileSizeMbFor(clamavCapacity({ maxFileSizeMb: 100, streamMaxLengthMb: 25, maxScanSizeMb: 400 }))).toBe(25);
  expect(maxFileSizeMbFor(DEFENDER_CAPACITY)).toBe(47_683);
});
