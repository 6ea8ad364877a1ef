import { checkRequestFiles, contentPolicyOf } from '../../domain/contentPolicy';
import { epochSeconds } from '../../domain/epochSeconds';
import { NotFoundError } from '../../domain/errors';
import { withChanges } from '../../domain/request';
import { AIRLOCK_SYSTEM } from '../../domain/roles';
import { FileScanResult, ScanSummary, summarizeScan, withScanResult } from '../../domain/scan';
import { getDependencies } from '../../infra/dependencies';
import { inspectFile } from '../../infra/scanning/contentInspector';
import { containerFor } from '../../infra/stageStorage';
import { ACTIVITIES, ActivityHandlerOf, registerActivity } from './contract';
import { StageInput } from './provisionContainer';
import { airlockSettingsOf, scanCapacityFor } from '../airlockSettings';
import { requestOf } from './requestOf';
import { readStoredRequest, updateStoredRequest } from '../storedRequest';

/**
 * The airlock's own checks of the in-progress copies, whatever the malware scanner: size, count,
 * type from content against the workspace's allow-list, and what is inside archives. A finding
 * blocks the request with the reason.
 */
export const checkContent: ActivityHandlerOf<typeof ACTIVITIES.checkContent> = async ({ request: input, at }: StageInput): Promise<ScanSummary> => {
  const deps = await getDependencies();
  const request = await readStoredRequest(deps, input);
  const settings = await airlockSettingsOf(deps, input.workspaceId);
  const policy = contentPolicyOf(settings, scanCapacityFor(deps, settings));
  const container = containerFor(requestOf(input), at);
  const countFindings = checkRequestFiles(request.files.length, policy);
  // One listing for all files: each inspection is bound to the version listed here.
  const inContainer = new Map((await deps.storage.listFiles(container)).map((stored) => [stored.name, stored]));
  const entries: FileScanResult[] = [];
  for (const file of request.files) {
    const stored = inContainer.get(file.name);
    if (!stored) throw new NotFoundError(`file ${file.name} not found in request ${container.container}`);
    const inspection = await inspectFile(deps.storage, container, stored, policy);
    const findings = [...countFindings, ...inspection.findings];
    const members = inspection.members?.length ? `; members: ${listed(inspection.members)}` : '';
    entries.push({
      name: file.name,
      sha256: file.sha256,
      verdict: findings.length ? 'policy_violation' : 'clean',
      engine: 'content-checks',
      details: findings.length ? findings.map((finding) => finding.message).join('; ') : `content is ${inspection.type}${members}`,
      scannedAt: epochSeconds(deps.now()),
      etag: inspection.etag,
    });
  }
  const stored = await updateStoredRequest(deps, input, (current) =>
    withChanges(current, AIRLOCK_SYSTEM, epochSeconds(deps.now()), { scanReport: entries.reduce(withScanResult, current.scanReport ?? []) }),
  );
  return summarizeScan(stored.scanReport ?? [], stored.files.map((file) => file.name), ['content-checks']);
};

/** A readable list in a status line; the whole member list can run to a thousand names. */
function listed(names: readonly string[], shown = 20): string {
  return names.length <= shown ? names.join(', ') : `${names.slice(0, shown).join(', ')} and ${names.length - shown} more`;
}

registerActivity(ACTIVITIES.checkContent, checkContent);
