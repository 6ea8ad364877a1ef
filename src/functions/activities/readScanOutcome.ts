import { ScanSummary, summarizeScan } from '../../domain/scan';
import { getDependencies } from '../../infra/dependencies';
import { ACTIVITIES, ActivityHandlerOf, registerActivity } from './contract';
import { LifecycleInput } from '../lifecycleNames';
import { airlockSettingsOf, scannerOf } from '../airlockSettings';
import { readStoredRequest } from '../storedRequest';

/** After a ScanResult event: what the stored report now adds up to. The event itself is only a nudge. */
export const readScanOutcome: ActivityHandlerOf<typeof ACTIVITIES.readScanOutcome> = async (input: LifecycleInput): Promise<ScanSummary> => {
  const deps = await getDependencies();
  const request = await readStoredRequest(deps, input);
  const scanner = scannerOf(deps, await airlockSettingsOf(deps, input.workspaceId));
  return summarizeScan(request.scanReport ?? [], request.files.map((file) => file.name), [scanner.engine]);
};

registerActivity(ACTIVITIES.readScanOutcome, readScanOutcome);
