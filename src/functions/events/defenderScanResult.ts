/**
 * Microsoft Defender for Storage's verdicts on the in-progress copies, delivered by Event Grid from
 * the custom topic Defender publishes to. Each verdict is recorded on the request's scan report,
 * bound to the exact blob version (eTag) it is about, and the request's orchestration is told to
 * read the report again. Event Grid delivers at least once and in any order, so every event is
 * checked against the stored report and anything stale, repeated or not ours changes nothing.
 * Store failures propagate: the host answers 500 and Event Grid delivers the event again.
 */
import { EventGridEvent, InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import {
  decideScanResult,
  inProgressAccountOf,
  MALWARE_SCANNING_RESULT_EVENT_TYPE,
  readScanResultEvent,
  ScanResultDecision,
} from '../../domain/defenderScanResult';
import { epochSeconds } from '../../domain/epochSeconds';
import { InvariantError } from '../../domain/errors';
import { withChanges } from '../../domain/request';
import { AIRLOCK_SYSTEM } from '../../domain/roles';
import { withScanResult } from '../../domain/scan';
import { parseStageContainerName } from '../../domain/stages';
import { getDependencies } from '../../infra/dependencies';
import { updateStoredRequest } from '../storedRequest';
import { lifecycleInputOf, SCAN_RESULT_EVENT } from '../lifecycleNames';

/** Verdicts for many files of one request arrive together; each lost race re-reads and re-decides. */
const WRITE_ATTEMPTS = 10;

export async function defenderScanResult(event: EventGridEvent, client: df.DurableClient, context: InvocationContext): Promise<void> {
  if (event.eventType !== MALWARE_SCANNING_RESULT_EVENT_TYPE) {
    context.log(`ignoring event ${event.id}: type '${event.eventType}' is not ${MALWARE_SCANNING_RESULT_EVENT_TYPE}`);
    return;
  }
  const result = readScanResultEvent(event.data);
  if (typeof result === 'string') {
    // Retrying cannot repair a malformed event, so it is dropped (with a trace) rather than failed.
    context.warn(`ignoring scan result event ${event.id}: ${result}`);
    return;
  }
  const { data, blob } = result;
  const deps = await getDependencies();
  const owner = parseStageContainerName(blob.container);
  const found = owner && (await deps.store.getById(owner.requestId));
  if (!owner || !found) {
    context.warn(`ignoring scan result for ${data.blobUri}: container '${blob.container}' is no airlock request's`);
    return;
  }

  // The decision made on the read that was finally written (or left alone).
  const latest: { decision?: ScanResultDecision } = {};
  const inProgressAccount = inProgressAccountOf(found, deps.config.treId);
  const stored = await updateStoredRequest(
    deps,
    lifecycleInputOf(found),
    (current) => {
      const decision = decideScanResult(current, { ...result, cycle: owner.cycle, inProgressAccount });
      latest.decision = decision;
      if (decision.action !== 'record') return undefined;
      return withChanges(current, AIRLOCK_SYSTEM, epochSeconds(deps.now()), { scanReport: withScanResult(current.scanReport ?? [], decision.entry) });
    },
    { attempts: WRITE_ATTEMPTS },
  );

  const outcome = latest.decision;
  if (!outcome) throw new InvariantError('the scan result was never compared with the stored request');
  const subject = `'${blob.blobName}' of request ${stored.id}`;
  if (outcome.action === 'ignore') {
    context.warn(`ignoring scan result for ${subject}: ${outcome.reason}`);
    return;
  }
  context.log(`scan result for ${subject}: ${outcome.reason}`);
  // A duplicate nudges again because the first delivery may have stored its verdict and then failed
  // to raise the event; the orchestration only re-reads the report, so a second nudge is harmless.
  if (outcome.action === 'renotify' || outcome.notify) {
    await client.raiseEvent(stored.id, SCAN_RESULT_EVENT, { name: blob.blobName });
  }
}

df.app.client.eventGrid('defenderScanResult', { handler: defenderScanResult });
