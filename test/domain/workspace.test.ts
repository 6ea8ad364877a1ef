/**
 * The workspace registry's document: default settings, recorded changes, the seed from configuration,
 * what a deployment can honour, ids and storage account names. How the settings body is parsed is in
 * test/domain/settingsLimits.test.ts and test/domain/schemas.test.ts.
 */
import { FILE_TYPES } from '../../src/domain/contentPolicy';
import { parseAirlockSettings } from '../../src/domain/schemas';
import { clamavCapacity, DEFENDER_CAPACITY } from '../../src/domain/scanCapacity';
import { StageAccount } from '../../src/domain/stages';
import {
  AIRLOCK_SETTINGS_LIMITS,
  AirlockSettings,
  ALLOWABLE_FILE_TYPES,
  changedSettingFields,
  completeAirlockSettings,
  defaultAirlockSettings,
  isWorkspaceId,
  newWorkspace,
  seedDiffers,
  settingBeyondDeployment,
  SETTING_FIELDS,
  storageAccountsOf,
  withSeed,
  withSettings,
  Workspace,
} from '../../src/domain/workspace';

const ADA = { id: 'ada', name: 'Ada Admin' };
const OWEN = { id: 'owen', name: 'Owen Owner', email: 'owen@example.org' };
const T = 1_780_000_000;

const settings = (over: Partial<AirlockSettings> = {}): AirlockSettings => ({
  enabled: true,
  scanningEnabled: true,
  requiredApprovals: 1,
  maxFiles: 50,
  maxFileSizeMb: 1024,
  allowedFileTypes: ['csv', 'pdf', 'zip'],
  requestVisibility: 'own',
  notificationAddresses: ['a@example.org', 'b@example.org'],
  rehashOnApproval: false,
  ...over,
});

const workspace = (): Workspace => ({ ...newWorkspace({ id: 'ws01', displayName: 'Workspace One', audience: 'api://ws01' }, settings()), etag: '"e1"' });

describe('defaultAirlockSettings', () => {
  test('a new workspace is enabled, scanned, needs one approval, shows researchers their own requests, notifies nobody extra and leaves approved copies to the storage check', () => {
    expect(defaultAirlockSettings({ maxFiles: 7, maxFileSizeMb: 2, allowedFileTypes: ['csv'] })).toStrictEqual({
      enabled: true,
      scanningEnabled: true,
      requiredApprovals: 1,
      maxFiles: 7,
      maxFileSizeMb: 2,
      allowedFileTypes: ['csv'],
      requestVisibility: 'own',
      notificationAddresses: [],
      rehashOnApproval: false,
    });
  });

  test('deployment limits beyond what a settings change may set are brought within its bounds, in whole numbers', () => {
    const { maxFiles, maxFileSizeMb } = AIRLOCK_SETTINGS_LIMITS;
    expect(defaultAirlockSettings({ maxFiles: 1000, maxFileSizeMb: 1_000_000, allowedFileTypes: ['csv'] })).toMatchObject({ maxFiles: maxFiles.max, maxFileSizeMb: maxFileSizeMb.max });
    expect(defaultAirlockSettings({ maxFiles: 0, maxFileSizeMb: 0.5, allowedFileTypes: ['csv'] })).toMatchObject({ maxFiles: maxFiles.min, maxFileSizeMb: maxFileSizeMb.min });
    expect(defaultAirlockSettings({ maxFiles: 7.9, maxFileSizeMb: 2.5, allowedFileTypes: ['csv'] })).toMatchObject({ maxFiles: 7, maxFileSizeMb: 2 });
  });

  test('allows only types an administrator may allow: never executables, nothing unknown, each once, in the list order', () => {
    const defaults = defaultAirlockSettings({ maxFiles: 7, maxFileSizeMb: 2, allowedFileTypes: ['zip', 'executable', 'cvs', 'pdf', 'csv', 'pdf'] });
    expect(defaults.allowedFileTypes).toEqual(['csv', 'pdf', 'zip']);
  });

  test('are settings an administrator could have written, however loose the deployment limits', () => {
    for (const limits of [
      { maxFiles: 100_000, maxFileSizeMb: 1e9, allowedFileTypes: [...FILE_TYPES] },
      { maxFiles: -5, maxFileSizeMb: 0, allowedFileTypes: ['csv', 'executable'] },
    ]) {
      const defaults = defaultAirlockSettings(limits);
      expect(parseAirlockSettings(defaults, undefined)).toEqual(defaults);
    }
  });
});

test('the types an administrator may allow are every known type but executables', () => {
  expect(ALLOWABLE_FILE_TYPES).not.toContain('executable');
  expect([...ALLOWABLE_FILE_TYPES, 'executable'].sort()).toEqual([...FILE_TYPES].sort());
});

describe('withSettings', () => {
  test('replaces the settings and records who changed them, when, from what and to what', () => {
    const before = workspace();
    const next = settings({ requiredApprovals: 2 });
    const changed = withSettings(before, next, ADA, T);
    expect(changed.airlock).toEqual(next);
    expect(changed.changes).toEqual([{ changedBy: ADA, changedWhen: T, previous: settings(), settings: next }]);
    expect(changed).toMatchObject({ id: 'ws01', displayName: 'Workspace One', audience: 'api://ws01', etag: '"e1"' });
  });

  test('keeps every earlier change, oldest first, and leaves the workspace it was given as it was', () => {
    const original = workspace();
    const once = withSettings(original, settings({ maxFiles: 10 }), ADA, T);
    const twice = withSettings(once, settings({ maxFiles: 20 }), OWEN, T + 60);
    expect(twice.changes.map((change) => [change.changedBy.id, change.previous.maxFiles, change.settings.maxFiles])).toEqual([
      ['ada', 50, 10],
      ['owen', 10, 20],
    ]);
    expect(original).toEqual(workspace());
    expect(once.changes).toHaveLength(1);
  });
});

describe('changedSettingFields', () => {
  test('nothing changed is no field', () => {
    expect(changedSettingFields(settings(), settings())).toEqual([]);
  });

  test('lists are sets: the same types or addresses in another order change nothing', () => {
    const reordered = settings({ allowedFileTypes: ['zip', 'csv', 'pdf'], notificationAddresses: ['b@example.org', 'a@example.org'] });
    expect(changedSettingFields(settings(), reordered)).toEqual([]);
  });

  test('comparing does not reorder the lists it was given', () => {
    const reordered = settings({ allowedFileTypes: ['zip', 'csv', 'pdf'] });
    changedSettingFields(settings(), reordered);
    expect(reordered.allowedFileTypes).toEqual(['zip', 'csv', 'pdf']);
  });

  test.each<[keyof AirlockSettings, Partial<AirlockSettings>]>([
    ['enabled', { enabled: false }],
    ['scanningEnabled', { scanningEnabled: false }],
    ['requiredApprovals', { requiredApprovals: 2 }],
    ['maxFiles', { maxFiles: 51 }],
    ['maxFileSizeMb', { maxFileSizeMb: 1 }],
    ['allowedFileTypes', { allowedFileTypes: ['csv', 'pdf'] }],
    ['requestVisibility', { requestVisibility: 'workspace' }],
    ['notificationAddresses', { notificationAddresses: ['a@example.org', 'c@example.org'] }],
    ['rehashOnApproval', { rehashOnApproval: true }],
  ])('names %s when only it changed', (field, change) => {
    expect(changedSettingFields(settings(), settings(change))).toEqual([field]);
  });

  test('names every field that changed, in the order the settings list them', () => {
    const next = settings({ notificationAddresses: [], maxFiles: 3, enabled: false });
    expect(changedSettingFields(settings(), next)).toEqual(['enabled', 'maxFiles', 'notificationAddresses']);
    expect(SETTING_FIELDS).toHaveLength(Object.keys(settings()).length);
  });
});

describe('completeAirlockSettings', () => {
  test('a workspace stored before rehashOnApproval existed does not re-hash at approval', () => {
    const { rehashOnApproval: _absent, ...storedBefore } = settings();
    expect(completeAirlockSettings(storedBefore as AirlockSettings)).toEqual({ ...storedBefore, rehashOnApproval: false });
  });

  test('a stored setting is kept as it is', () => {
    expect(completeAirlockSettings(settings({ rehashOnApproval: true }))).toEqual(settings({ rehashOnApproval: true }));
  });
});

describe('the seed from configuration', () => {
  test('differs when the display name or the audience differs', () => {
    const stored = workspace();
    expect(seedDiffers(stored, { id: 'ws01', displayName: 'Workspace One', audience: 'api://ws01' })).toBe(false);
    expect(seedDiffers(stored, { id: 'ws01', displayName: 'Workspace 1', audience: 'api://ws01' })).toBe(true);
    expect(seedDiffers(stored, { id: 'ws01', displayName: 'Workspace One', audience: 'api://ws01-new' })).toBe(true);
  });

  test("takes the seed's name and audience and never touches an administrator's settings or their history", () => {
    const administered = withSettings(workspace(), settings({ maxFiles: 3, scanningEnabled: false }), ADA, T);
    const reseeded = withSeed(administered, { id: 'ws01', displayName: 'Workspace 1', audience: 'api://ws01-new' });
    expect(reseeded).toEqual({ ...administered, displayName: 'Workspace 1', audience: 'api://ws01-new' });
    expect(reseeded.airlock).toEqual(administered.airlock);
    expect(reseeded.changes).toEqual(administered.changes);
    expect(administered.displayName).toBe('Workspace One');
  });

  test('a new workspace has the seed, the settings given, no changes and no etag', () => {
    expect(newWorkspace({ id: 'ws02', displayName: 'Two', audience: 'api://ws02' }, settings())).toStrictEqual({
      id: 'ws02',
      displayName: 'Two',
      audience: 'api://ws02',
      airlock: settings(),
      changes: [],
    });
  });
});

describe('settingBeyondDeployment', () => {
  const names = { maxFiles: 'AIRLOCK_MAX_FILES', maxFileSizeMb: 'AIRLOCK_MAX_FILE_SIZE_MB' };
  const clamd = clamavCapacity({ maxFileSizeMb: 100, streamMaxLengthMb: 25, maxScanSizeMb: 400 });

  test('the most files a request document holds: at the limit passes, one more names the field, the value and the limit', () => {
    const max = AIRLOCK_SETTINGS_LIMITS.maxFiles.max;
    expect(settingBeyondDeployment({ maxFiles: max, maxFileSizeMb: 1, scanningEnabled: true }, clamd, names)).toBeUndefined();
    expect(settingBeyondDeployment({ maxFiles: max + 1, maxFileSizeMb: 1, scanningEnabled: true }, clamd, names)).toBe(
      `AIRLOCK_MAX_FILES is ${max + 1}, but a request can hold at most ${max} files (every file's name, digest and scan verdicts must fit in the request's document in the request store)`,
    );
  });

  test('holds for the number of files even when nothing is scanned', () => {
    expect(settingBeyondDeployment({ maxFiles: 1000, maxFileSizeMb: 1, scanningEnabled: false }, undefined, names)).toMatch(/^AIRLOCK_MAX_FILES is 1000, /);
  });

  test("the largest file: at most what the scanner scans in full, naming the field, the value, the scanner and its limit", () => {
    expect(settingBeyondDeployment({ maxFiles: 1, maxFileSizeMb: 25, scanningEnabled: true }, clamd, names)).toBeUndefined();
    expect(settingBeyondDeployment({ maxFiles: 1, maxFileSizeMb: 26, scanningEnabled: true }, clamd, names)).toBe(
      'AIRLOCK_MAX_FILE_SIZE_MB is 26, but the malware scanner, ClamAV (clamd MaxFileSize 100M, StreamMaxLength 25M, MaxScanSize 400M), can fully scan files of at most 25 MiB; files it cannot fully scan never pass, so a larger limit cannot be honoured',
    );
    expect(settingBeyondDeployment({ maxFiles: 1, maxFileSizeMb: 47_683, scanningEnabled: true }, DEFENDER_CAPACITY, names)).toBeUndefined();
    expect(settingBeyondDeployment({ maxFiles: 1, maxFileSizeMb: 47_684, scanningEnabled: true }, DEFENDER_CAPACITY, names)).toMatch(
      /^AIRLOCK_MAX_FILE_SIZE_MB is 47684, but the malware scanner, Microsoft Defender for Storage .* at most 47683 MiB;/,
    );
  });

  test('without scanning, in the workspace or in the deployment, the scanner sets no file size limit', () => {
    expect(settingBeyondDeployment({ maxFiles: 1, maxFileSizeMb: 51_200, scanningEnabled: false }, clamd, names)).toBeUndefined();
    expect(settingBeyondDeployment({ maxFiles: 1, maxFileSizeMb: 51_200, scanningEnabled: true }, undefined, names)).toBeUndefined();
  });

  test('the number of files is named first when both are beyond the deployment', () => {
    expect(settingBeyondDeployment({ maxFiles: 65, maxFileSizeMb: 51_200, scanningEnabled: true }, clamd, names)).toMatch(/^AIRLOCK_MAX_FILES is 65/);
  });
});

describe('isWorkspaceId', () => {
  test.each(['ws01', 'abc', 'WS-01', '0ab', 'w-01', `a${'b'.repeat(62)}`, '1d5e7a0c-7c3b-4f0e-9a4e-2b6f1c9d8e7a'])('accepts %s', (id) => {
    expect(isWorkspaceId(id)).toBe(true);
  });

  test.each(['', 'ab', `a${'b'.repeat(63)}`, '-ws01', 'ws_01', 'ws 01', 'ws/01', 'ws~01', 'ws.01', 'wś01', 'ws01\n', ' ws01'])('refuses %j', (id) => {
    expect(isWorkspaceId(id)).toBe(false);
  });
});

describe('storageAccountsOf', () => {
  const ALL: StageAccount[] = ['stalimex', 'stalimip', 'stalimapp', 'stalimrej', 'stalimblocked', 'stalexint', 'stalexip', 'stalexapp', 'stalexrej', 'stalexblocked'];

  test("names the ten stage accounts: the core's with the TRE id, the workspace's with ws and the workspace id's last four characters", () => {
    expect(storageAccountsOf('ws-7f3a', 'mytre')).toStrictEqual({
      stalimex: 'stalimexmytre',
      stalimip: 'stalimipmytre',
      stalimrej: 'stalimrejmytre',
      stalimblocked: 'stalimblockedmytre',
      stalexapp: 'stalexappmytre',
      stalimapp: 'stalimappws7f3a',
      stalexint: 'stalexintws7f3a',
      stalexip: 'stalexipws7f3a',
      stalexrej: 'stalexrejws7f3a',
      stalexblocked: 'stalexblockedws7f3a',
    });
  });

  test.each([
    ['a short workspace id and tre id', 'abc', 't1'],
    ['a long tre id with upper case and hyphens', '1d5e7a0c-7c3b-4f0e-9a4e-2b6f1c9d8e7a', 'My-TRE-Production-Environment-01'],
  ])('ten distinct valid storage account names for %s', (_label, workspaceId, treId) => {
    const names = storageAccountsOf(workspaceId, treId);
    expect(Object.keys(names).sort()).toEqual([...ALL].sort());
    expect(new Set(Object.values(names)).size).toBe(10);
    for (const name of Object.values(names)) expect(name).toMatch(/^[a-z0-9]{3,24}$/);
  });
});
