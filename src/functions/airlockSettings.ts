import { scanCapacityOf } from '../config';
import { NotFoundError } from '../domain/errors';
import { ScanCapacity } from '../domain/scanCapacity';
import { AirlockSettings, completeAirlockSettings, isMalwareScanned } from '../domain/workspace';
import { Dependencies } from '../infra/dependencies';
import { DisabledScanner } from '../infra/scanning/disabledScanner';
import { MalwareScanner } from '../infra/scanning/malwareScanner';

/** The workspace's airlock settings; a workspace the registry does not know does not exist. */
export async function airlockSettingsOf(deps: Dependencies, workspaceId: string): Promise<AirlockSettings> {
  const workspace = await deps.workspaces.get(workspaceId);
  if (!workspace) throw new NotFoundError(`workspace '${workspaceId}' does not exist`);
  return completeAirlockSettings(workspace.airlock);
}

/** What the scanner that will scan this workspace's files can fully scan; undefined when none will. */
export function scanCapacityFor(deps: Dependencies, settings: Pick<AirlockSettings, 'scanningEnabled'>): ScanCapacity | undefined {
  return isMalwareScanned(settings) ? scanCapacityOf(deps.config.scanner) : undefined;
}

/** The deployment's scanner, unless this workspace has scanning switched off (said on every request). */
export function scannerOf(deps: Dependencies, settings: Pick<AirlockSettings, 'scanningEnabled'>): MalwareScanner {
  return isMalwareScanned(settings) ? deps.scanner : new DisabledScanner(deps.now);
}
