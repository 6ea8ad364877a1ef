import { scanCapacityOf } from '../config';
import { NotFoundError } from '../domain/errors';
import { ScanCapacity } from '../domain/scanCapacity';
import { ContentPolicy, DEFAULT_CONTENT_POLICY, FileType } from '../domain/contentPolicy';
import { AirlockSettings } from '../domain/workspace';
import { Dependencies } from '../infra/dependencies';
import { DisabledScanner } from '../infra/scanning/disabledScanner';
import { MalwareScanner } from '../infra/scanning/malwareScanner';

/** The workspace's airlock settings; a workspace the registry does not know does not exist. */
export async function airlockSettingsOf(deps: Dependencies, workspaceId: string): Promise<AirlockSettings> {
  const workspace = await deps.workspaces.get(workspaceId);
  if (!workspace) throw new NotFoundError(`workspace '${workspaceId}' does not exist`);
  return workspace.airlock;
}

/**
 * The content checks as this workspace sets them, with what the deployment's malware scanner can
 * fully scan (`scanCapacity`, from `scanCapacityFor`), which no setting loosens.
 */
export function contentPolicyOf(settings: AirlockSettings, scanCapacity?: ScanCapacity): ContentPolicy {
  const maxFileSizeBytes = settings.maxFileSizeMb * 1024 * 1024;
  return {
    ...DEFAULT_CONTENT_POLICY,
    maxFiles: settings.maxFiles,
    maxFileSizeBytes,
    maxExpandedBytes: maxFileSizeBytes,
    allowedTypes: settings.allowedFileTypes as FileType[],
    scanCapacity,
  };
}

/** What the scanner that will scan this workspace's files can fully scan; undefined when none will. */
export function scanCapacityFor(deps: Dependencies, settings: Pick<AirlockSettings, 'scanningEnabled'>): ScanCapacity | undefined {
  return settings.scanningEnabled ? scanCapacityOf(deps.config.scanner) : undefined;
}

/** The deployment's scanner, unless this workspace has scanning switched off (said on every request). */
export function scannerOf(deps: Dependencies, settings: AirlockSettings): MalwareScanner {
  return settings.scanningEnabled ? deps.scanner : new DisabledScanner(deps.now);
}
