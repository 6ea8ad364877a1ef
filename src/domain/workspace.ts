/**
 * The workspace registry's document: who a workspace is (id, display name, token audience) and how
 * its airlock behaves. Pure: the registry adapters store it, the HTTP layer reads and changes it.
 */
import { FILE_TYPES, FileType } from './contentPolicy';
import { maxFileSizeMbFor, ScanCapacity } from './scanCapacity';
import { UserRef } from './roles';
import { CORE_ACCOUNTS, StageAccount, storageAccountName, WORKSPACE_ACCOUNTS } from './stages';

/** Who sees whose requests: researchers only their own, or all of the workspace's (owners and airlock managers always see all). */
export const REQUEST_VISIBILITIES = ['own', 'workspace'] as const;
export type RequestVisibility = (typeof REQUEST_VISIBILITIES)[number];

export interface AirlockSettings {
  enabled: boolean;
  scanningEnabled: boolean;
  /** distinct Airlock Managers who must approve before a request is approved */
  requiredApprovals: number;
  /** files per request */
  maxFiles: number;
  maxFileSizeMb: number;
  allowedFileTypes: FileType[];
  requestVisibility: RequestVisibility;
  /** who is told about the workspace's airlock requests, besides requester and reviewers */
  notificationAddresses: string[];
  /**
   * At the move to the approved stage, read every file back and compare its SHA-256 with the one
   * recorded at submit, besides the storage service's own check of the copy. Off by default: it
   * costs one full read of the request's bytes by the airlock, so approval takes that much longer.
   */
  rehashOnApproval: boolean;
}

/** One change of a workspace's airlock settings, kept on the workspace as its audit trail. */
export interface SettingsChange {
  changedBy: UserRef;
  /** epoch seconds */
  changedWhen: number;
  previous: AirlockSettings;
  settings: AirlockSettings;
}

export interface Workspace {
  id: string;
  displayName: string;
  /** the workspace app registration's client id: the audience of its tokens */
  audience: string;
  airlock: AirlockSettings;
  changes: SettingsChange[];
  /** The store's concurrency token; set by the registry, never by the domain. */
  etag?: string;
}

/** What the deployment's configuration says about a workspace; everything else is the registry's. */
export interface WorkspaceSeed {
  id: string;
  displayName: string;
  audience: string;
}

/**
 * The bounds a settings change must keep; the schema, the start-up check and the defaults read them.
 *
 * `maxFiles`: a request is one document in the request store (an Azure Table entity holds 1 MiB,
 * split as tableDocuments.ts does: 480,000 characters of JSON; a Cosmos DB item 2 MB), and each file
 * costs its name, digest and two scan report entries there: about 3,100 characters at the longest
 * (a 255-character name, details bounded by scan.ts). 64 such files, after three review cycles of the
 * longest reviews and messages, take 411,000 characters: 86% of the table's limit
 * (test/infra/requestCapacity.test.ts stores that document). The block MD5s that moves are checked
 * against (stageStorage.ts, MAX_DIGESTED_BLOCKS) add 67 characters to a file up to 256 MiB and 324 to
 * one of 50 GiB (13 blocks of 4000 MiB): 64 of those bring the document to 432,000 characters, 90%.
 */
export const AIRLOCK_SETTINGS_LIMITS = {
  requiredApprovals: { min: 1, max: 5 },
  maxFiles: { min: 1, max: 64 },
  maxFileSizeMb: { min: 1, max: 51_200 },
} as const;

/**
 * Whether the deployment's malware scanner scans this workspace's files. Off, every file is recorded
 * as not scanned and every request says so; the content checks run either way.
 */
export function isMalwareScanned(settings: Pick<AirlockSettings, 'scanningEnabled'>): boolean {
  return settings.scanningEnabled;
}

/**
 * Why this deployment cannot honour `settings`, naming the field, the value asked and the limit;
 * undefined when it can. `capacity` is the malware scanner's, undefined when nothing is scanned.
 * `where` prefixes the field as the caller knows it (`body.maxFiles`, `AIRLOCK_MAX_FILES`).
 */
export function settingBeyondDeployment(
  settings: Pick<AirlockSettings, 'maxFiles' | 'maxFileSizeMb' | 'scanningEnabled'>,
  capacity: ScanCapacity | undefined,
  names: { maxFiles: string; maxFileSizeMb: string },
): string | undefined {
  const { maxFiles } = AIRLOCK_SETTINGS_LIMITS;
  if (settings.maxFiles > maxFiles.max) {
    return `${names.maxFiles} is ${settings.maxFiles}, but a request can hold at most ${maxFiles.max} files (every file's name, digest and scan verdicts must fit in the request's document in the request store)`;
  }
  if (!isMalwareScanned(settings) || !capacity) return undefined;
  const scannable = maxFileSizeMbFor(capacity);
  if (settings.maxFileSizeMb > scannable) {
    return `${names.maxFileSizeMb} is ${settings.maxFileSizeMb}, but the malware scanner, ${capacity.scanner}, can fully scan files of at most ${scannable} MiB; files it cannot fully scan never pass, so a larger limit cannot be honoured`;
  }
  return undefined;
}

/**
 * File types an administrator may allow. Executables never pass the content checks, whatever the
 * list says, so offering them would promise what the airlock does not do.
 */
export const ALLOWABLE_FILE_TYPES: readonly FileType[] = FILE_TYPES.filter((type) => type !== 'executable');

/** Workspace ids as the configuration accepts them: also safe as a Cosmos id and a Table RowKey. */
export const WORKSPACE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9-]{2,62}$/;

export function isWorkspaceId(value: string): boolean {
  return WORKSPACE_ID_PATTERN.test(value);
}

export interface SettingsDefaults {
  maxFiles: number;
  maxFileSizeMb: number;
  allowedFileTypes: readonly string[];
}

/**
 * A new workspace's settings, from the deployment-wide limits. Those limits are looser than what a
 * settings change may set (and may name types unknown here), so they are brought within bounds:
 * the defaults must be settings an administrator could have written.
 */
export function defaultAirlockSettings(defaults: SettingsDefaults): AirlockSettings {
  return {
    enabled: true,
    scanningEnabled: true,
    requiredApprovals: 1,
    maxFiles: withinLimits(defaults.maxFiles, AIRLOCK_SETTINGS_LIMITS.maxFiles),
    maxFileSizeMb: withinLimits(defaults.maxFileSizeMb, AIRLOCK_SETTINGS_LIMITS.maxFileSizeMb),
    allowedFileTypes: ALLOWABLE_FILE_TYPES.filter((type) => defaults.allowedFileTypes.includes(type)),
    requestVisibility: 'own',
    notificationAddresses: [],
    rehashOnApproval: false,
  };
}

/** Settings added after workspaces were first stored, with the value a workspace stored without them has. */
const SETTINGS_ADDED_LATER: Pick<AirlockSettings, 'rehashOnApproval'> = { rehashOnApproval: false };

/** A stored workspace's settings, completed with any setting added since it was stored. */
export function completeAirlockSettings(stored: AirlockSettings): AirlockSettings {
  return { ...SETTINGS_ADDED_LATER, ...stored };
}

function withinLimits(value: number, limits: { min: number; max: number }): number {
  return Math.min(limits.max, Math.max(limits.min, Math.floor(value)));
}

export function newWorkspace(seed: WorkspaceSeed, settings: AirlockSettings): Workspace {
  return { id: seed.id, displayName: seed.displayName, audience: seed.audience, airlock: settings, changes: [] };
}

/** The workspace with new airlock settings, the change recorded (who, when, from what, to what). */
export function withSettings(workspace: Workspace, settings: AirlockSettings, actor: UserRef, now: number): Workspace {
  const change: SettingsChange = { changedBy: actor, changedWhen: now, previous: workspace.airlock, settings };
  return { ...workspace, airlock: settings, changes: [...workspace.changes, change] };
}

export const SETTING_FIELDS: readonly (keyof AirlockSettings)[] = [
  'enabled',
  'scanningEnabled',
  'requiredApprovals',
  'maxFiles',
  'maxFileSizeMb',
  'allowedFileTypes',
  'requestVisibility',
  'notificationAddresses',
  'rehashOnApproval',
];

/** The names of the settings that differ. Lists are sets here: listing the same types in another order changes nothing. */
export function changedSettingFields(previous: AirlockSettings, next: AirlockSettings): (keyof AirlockSettings)[] {
  return SETTING_FIELDS.filter((field) => comparable(previous[field]) !== comparable(next[field]));
}

function comparable(value: AirlockSettings[keyof AirlockSettings]): string {
  return JSON.stringify(Array.isArray(value) ? [...value].sort() : value);
}

/** The seed fields the configuration owns that differ from the stored workspace; settings are never among them. */
export function seedDiffers(workspace: Workspace, seed: WorkspaceSeed): boolean {
  return workspace.audience !== seed.audience || workspace.displayName !== seed.displayName;
}

export function withSeed(workspace: Workspace, seed: WorkspaceSeed): Workspace {
  return { ...workspace, displayName: seed.displayName, audience: seed.audience };
}

/** The real names of the ten stage accounts a workspace's requests pass through, by their roles. */
export function storageAccountsOf(workspaceId: string, treId: string): Record<StageAccount, string> {
  const accounts = [...CORE_ACCOUNTS, ...WORKSPACE_ACCOUNTS];
  return Object.fromEntries(accounts.map((account) => [account, storageAccountName(account, { treId, workspaceId })])) as Record<
    StageAccount,
    string
  >;
}
