import { epochSeconds } from '../../domain/epochSeconds';
import { withChanges } from '../../domain/request';
import { AIRLOCK_SYSTEM } from '../../domain/roles';
import { summarizeScan, withScanResult } from '../../domain/scan';
import { getDependencies } from '../../infra/dependencies';
import { containerFor } from '../../infra/stageStorage';
import { ACTIVITIES, ActivityHandlerOf, registerActivity } from './contract';
import { StageInput } from './provisionContainer';
import { airlockSettingsOf, scannerOf } from '../airlockSettings';
import { requestOf } from './requestOf';
import { readStoredRequest, updateStoredRequest } from '../storedRequest';

/**
 * A scan verdict: `clean` and `threat` are final; `pending` means the verdict will arrive as an
 * external event (Defender, through Event Grid) and the orchestrator waits for it, with a deadline.
 */
export type ScanOutcome =
  | { outcome: 'clean'; message: string }
  | { outcome: 'threat'; message: string }
  | { outcome: 'pending'; message: string; timeoutMinutes: number };

/** Runs the configured malware scanner on the in-progress copies and records its report entries. */
export const requestScan: ActivityHandlerOf<typeof ACTIVITIES.requestScan> = async ({ request: input, at }: StageInput): Promise<ScanOutcome> => {
  const deps = await getDependencies();
  const request = await readStoredRequest(deps, input);
  const scanner = scannerOf(deps, await airlockSettingsOf(deps, input.workspaceId));
  const entries = await scanner.scanFiles(containerFor(requestOf(input), at), request.files, request.scanReport ?? []);
  const stored = await updateStoredRequest(deps, input, (current) =>
    withChanges(current, AIRLOCK_SYSTEM, epochSeconds(deps.now()), {
      scanReport: entries.reduce(withScanResult, current.scanReport ?? []),
    }),
  );
  const summary = summarizeScan(stored.scanReport ?? [], stored.files.map((file) => file.name), [scanner.engine]);
  return summary.outcome === 'pending' ? { ...summary, timeoutMinutes: scanner.timeoutMinutes ?? 180 } : summary;
};

registerActivity(ACTIVITIES.requestScan, requestScan);
