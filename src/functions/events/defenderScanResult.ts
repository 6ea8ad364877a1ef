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
  BlobLocation,
  DefenderScanResultData,
  DefenderVerdictReading,
  defenderVerdict,
  MALWARE_SCANNING_RESULT_EVENT_TYPE,
  parseBlobUri,
} from '../../domain/defenderScanResult';
import { AirlockRequest, withChanges } from '../../domain/request';
import { AIRLOCK_SYSTEM } from '../../domain/roles';
import { FileScanResult, withScanResult } from '../../domain/scan';
import { parseStageContainerName, stageAccountFor, storageAccountName } from '../../domain/stages';
import { Dependencies, getDependencies } from '../../infra/dependencies';
import { epochSeconds, updateStoredRequest } from '../storedRequest';
import { SCAN_RESULT_EVENT } from '../lifecycleNames';

/** Verdicts for many files of one request arrive together; each lost race re-reads and re-decides. */
const WRITE_ATTEMPTS = 10;

/** What one event means for the stored request, decided afresh on every read. */
type Decision =
  | { action: 'ignore'; reason: string }
  /** Already recorded: nothing to write, but the orchestration is nudged again (see below). */
  | { action: 'renotify'; reason: string }
  | { action: 'record'; entry: FileScanResult; notify: boolean; reason: string };

export async function defenderScanResult(event: EventGridEvent, client: df.DurableClient, context: InvocationContext): Promise<void> {
  if (event.eventType !== MALWARE_SCANNING_RESULT_EVENT_TYPE) {
    context.log(`ignoring event ${event.id}: type '${event.eventType}' is not ${MALWARE_SCANNING_RESULT_EVENT_TYPE}`);
    return;
  }
  const result = readEventData(event.data);
  if (typeof result === 'string') {
    // Retrying cannot repair a malformed event, so it is dropped (with a trace) rather than failed.
    context.warn(`ignoring scan result event ${event.id}: ${result}`);
    return;
  }
  const { data, blob, scanFinishedAt } = result;
  const deps = await getDependencies();
  const owner = parseStageContainerName(blob.container);
  const found = owner && (await deps.store.getById(owner.requestId));
  if (!owner || !found) {
    context.warn(`ignoring scan result for ${data.blobUri}: container '${blob.container}' is no airlock request's`);
    return;
  }

  const reading = defenderVerdict(data);
  // The decision made on the read that was finally written (or left alone).
  const latest: { decision?: Decision } = {};
  const stored = await updateStoredRequest(
    deps,
    { requestId: found.id, workspaceId: found.workspaceId, type: found.type },
    (current) => {
      const decision = decide(current, { data, blob, cycle: owner.cycle, reading, scanFinishedAt, inProgressAccount: inProgressAccountOf(current, deps) });
      latest.decision = decision;
      if (decision.action !== 'record') return undefined;
      return withChanges(current, AIRLOCK_SYSTEM, epochSeconds(deps), { scanReport: withScanResult(current.scanReport ?? [], decision.entry) });
    },
    { attempts: WRITE_ATTEMPTS },
  );

  const outcome = latest.decision;
  if (!outcome) throw new Error('the scan result was never compared with the stored request');
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

interface EventFacts {
  data: DefenderScanResultData;
  blob: BlobLocation;
  /** the submission cycle named by the blob's container */
  cycle: number;
  reading: DefenderVerdictReading;
  /** epoch seconds */
  scanFinishedAt: number;
  /** the real name of the account the request's in-progress copies are in */
  inProgressAccount: string;
}

/**
 * The verdict goes onto the request's Defender entry for that file when the entry awaits exactly
 * that blob version. The entry may not exist yet: Defender can report before the airlock's
 * requestScan activity has written its pending entries (the content checks run first, and read
 * every file). Dropping that verdict would leave the request waiting until its scan deadline, so
 * it is kept as an entry bound to the event's eTag; requestScan keeps such an entry only when that
 * eTag is the in-progress copy's, so a verdict about any other content can never count.
 */
function decide(request: AirlockRequest, facts: EventFacts): Decision {
  const { data, blob, reading } = facts;
  if (request.status !== 'submitted') return { action: 'ignore', reason: `the request is ${request.status}, not submitted` };
  if (blob.accountName !== facts.inProgressAccount) {
    return { action: 'ignore', reason: `the blob is in account '${blob.accountName}', not the request's in-progress account '${facts.inProgressAccount}'` };
  }
  if (facts.cycle !== (request.reviewCycle ?? 0)) {
    return { action: 'ignore', reason: `stale: the blob is in the container of submission ${facts.cycle}; the request is at submission ${request.reviewCycle ?? 0}` };
  }
  const file = request.files.find((candidate) => candidate.name === blob.blobName);
  if (!file) return { action: 'ignore', reason: 'the request has no file of that name' };

  const entry = (request.scanReport ?? []).find((candidate) => candidate.name === blob.blobName && candidate.engine === 'defender');
  const verdictEntry = (base: Pick<FileScanResult, 'sha256' | 'etag'>): FileScanResult => ({
    name: blob.blobName,
    engine: 'defender',
    verdict: reading.verdict === 'delayed' ? 'pending' : reading.verdict,
    details: reading.details,
    sha256: typeof data.scanResultDetails?.sha256 === 'string' ? data.scanResultDetails.sha256.toLowerCase() : base.sha256,
    scannedAt: facts.scanFinishedAt,
    etag: base.etag,
  });

  if (entry && sameEtag(entry.etag, data.eTag)) {
    if (entry.verdict !== 'pending') return { action: 'renotify', reason: `duplicate; already recorded as ${entry.verdict}` };
    if (reading.verdict === 'delayed') {
      if (entry.details === reading.details) return { action: 'ignore', reason: 'duplicate; already noted as delayed' };
      return { action: 'record', entry: { ...entry, details: reading.details }, notify: false, reason: 'delayed by Defender; still pending' };
    }
    return { action: 'record', entry: verdictEntry(entry), notify: true, reason: `recorded ${reading.verdict}: ${reading.details}` };
  }
  if (entry?.verdict === 'pending') {
    // The pending entry names the version in the in-progress stage; this verdict is about another.
    return { action: 'ignore', reason: `stale: the verdict is about eTag ${data.eTag}, the file awaits ${entry.etag ?? 'no eTag'}` };
  }

  // No entry yet, or one left from an earlier submission: an early verdict, unless the scan finished
  // before the request was last submitted, in which case it is about a copy from an earlier round.
  const submittedAt = lastSubmittedAt(request);
  if (submittedAt !== undefined && facts.scanFinishedAt < submittedAt) {
    return { action: 'ignore', reason: `stale: the scan finished before the request was last submitted (eTag ${data.eTag})` };
  }
  if (reading.verdict === 'delayed') return { action: 'ignore', reason: 'delayed by Defender, and the airlock is not awaiting this file yet' };
  return {
    action: 'record',
    entry: verdictEntry({ sha256: file.sha256, etag: data.eTag }),
    notify: true,
    reason: `recorded ${reading.verdict} ahead of the airlock's request to scan: ${reading.details}`,
  };
}

/** The event's data, checked to be what Defender sends; a string says what is wrong with it. */
function readEventData(data: unknown): { data: DefenderScanResultData; blob: BlobLocation; scanFinishedAt: number } | string {
  if (typeof data !== 'object' || data === null) return 'it has no data';
  const candidate = data as Partial<Record<keyof DefenderScanResultData, unknown>>;
  if (typeof candidate.blobUri !== 'string') return 'data.blobUri is missing';
  if (typeof candidate.eTag !== 'string' || !candidate.eTag.trim()) return 'data.eTag is missing';
  const finished = typeof candidate.scanFinishedTimeUtc === 'string' ? Date.parse(candidate.scanFinishedTimeUtc) : NaN;
  if (Number.isNaN(finished)) return `data.scanFinishedTimeUtc '${String(candidate.scanFinishedTimeUtc)}' is not a time`;
  if (candidate.scanResultDetails !== undefined && candidate.scanResultDetails !== null && typeof candidate.scanResultDetails !== 'object') {
    return 'data.scanResultDetails is not an object';
  }
  let blob: BlobLocation;
  try {
    blob = parseBlobUri(candidate.blobUri);
  } catch (error) {
    return (error as Error).message;
  }
  return { data: data as DefenderScanResultData, blob, scanFinishedAt: Math.floor(finished / 1000) };
}

function inProgressAccountOf(request: AirlockRequest, deps: Dependencies): string {
  return storageAccountName(stageAccountFor(request.type, 'in_progress'), { treId: deps.config.treId, workspaceId: request.workspaceId });
}

/** ETags travel quoted (`"0x8D..."`) in HTTP headers and often unquoted in JSON. */
function sameEtag(a: string | undefined, b: string | undefined): boolean {
  return a !== undefined && b !== undefined && unquote(a) === unquote(b);
}

function unquote(etag: string): string {
  return etag.trim().replace(/^"|"$/g, '');
}

/** epoch seconds of the latest move into `submitted` (a request can be submitted again after changes) */
function lastSubmittedAt(request: AirlockRequest): number | undefined {
  const submissions = request.history.filter((item) => item.properties.status === 'submitted');
  return submissions.length ? submissions[submissions.length - 1].updatedWhen : undefined;
}

df.app.client.eventGrid('defenderScanResult', { handler: defenderScanResult });
