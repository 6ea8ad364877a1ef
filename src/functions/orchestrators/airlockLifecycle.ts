import * as df from 'durable-functions';
import { OrchestrationContext, OrchestrationHandler, RetryOptions, Task } from 'durable-functions';
import { FilesLocation, Stage } from '../../domain/stages';
import { RequestStatus } from '../../domain/status';
import { ScanSummary } from '../../domain/scan';
import { userFacingReason } from '../../domain/statusMessages';
import { HashedVersions } from '../activities/hashSubmittedFiles';
import { MoveInput } from '../activities/moveFiles';
import { StoredStatus } from '../activities/readRequestStatus';
import { ScanOutcome } from '../activities/requestScan';
import { ACTIVITIES, LIFECYCLE_ORCHESTRATOR, LifecycleInput, REQUEST_UPDATED_EVENT, SCAN_RESULT_EVENT } from '../lifecycleNames';

/**
 * Storage and store calls fail transiently; retrying with backoff rides out a blip, and what still
 * fails after that is reported on the request as `failed`, never left hanging.
 */
export const ACTIVITY_RETRY = (() => {
  const options = new RetryOptions(2_000, 4);
  options.backoffCoefficient = 2;
  options.maxRetryIntervalInMilliseconds = 30_000;
  return options;
})();

type Flow = Generator<Task, unknown, any>;

function* call<T>(context: OrchestrationContext, activity: string, input: unknown): Generator<Task, T, any> {
  return (yield context.df.callActivityWithRetry(activity, ACTIVITY_RETRY, input)) as T;
}

function* readStored(context: OrchestrationContext, request: LifecycleInput): Generator<Task, StoredStatus, any> {
  return yield* call<StoredStatus>(context, ACTIVITIES.readRequestStatus, request);
}

/**
 * Waits until the stored request leaves `status`. Each RequestUpdated event only says "look": the
 * stored request decides, so a duplicate, late or forged event changes nothing. The stored status is
 * read first, in case the change happened before this wait began.
 */
function* statusAfter(context: OrchestrationContext, request: LifecycleInput, at: Progress, status: RequestStatus): Generator<Task, StoredStatus, any> {
  let stored = yield* readStored(context, request);
  while (stored.status === status) {
    // Whatever was stored since the last look (by the workflow or by a person) goes out as events
    // before the wait, which may be long.
    yield* publishEvents(context, request, at);
    yield context.df.waitForExternalEvent(REQUEST_UPDATED_EVENT);
    stored = yield* readStored(context, request);
  }
  return stored;
}

/**
 * The scan wait point: a verdict now (ClamAV, or scanning disabled), or verdicts that arrive later
 * as ScanResult events (Defender), each of which only prompts a fresh read of the stored report.
 * No complete verdict before the deadline fails closed: unscanned data never reaches review.
 */
function* scanVerdict(context: OrchestrationContext, request: LifecycleInput, files: FilesLocation): Generator<Task, ScanSummary | { outcome: 'timeout'; message: string }, any> {
  const first = yield* call<ScanOutcome>(context, ACTIVITIES.requestScan, { request, at: files });
  if (first.outcome !== 'pending') return first;
  const deadline = new Date(context.df.currentUtcDateTime.getTime() + first.timeoutMinutes * 60_000);
  const timeout = context.df.createTimer(deadline);
  for (;;) {
    const winner = yield context.df.Task.any([context.df.waitForExternalEvent(SCAN_RESULT_EVENT), timeout]);
    if (winner === timeout) {
      return { outcome: 'timeout', message: `no scan result within ${formatMinutes(first.timeoutMinutes)}; the files stay in quarantine` };
    }
    const summary = yield* call<ScanSummary>(context, ACTIVITIES.readScanOutcome, request);
    if (summary.outcome !== 'pending') {
      timeout.cancel();
      return summary;
    }
  }
}

function formatMinutes(minutes: number): string {
  if (minutes < 1) return `${Math.round(minutes * 60)} s`;
  return minutes % 60 === 0 ? `${minutes / 60} h` : `${minutes} min`;
}

/**
 * Moves the files of record from where the store says they are to `stage` of `cycle`. The move
 * records the new place in the same write as its audit entry, so after a restart a move that
 * finished is not repeated (its destination may already be a person's to edit).
 */
function* moveTo(context: OrchestrationContext, request: LifecycleInput, stored: StoredStatus, stage: Stage, cycle: number, versions?: HashedVersions): Generator<Task, FilesLocation, any> {
  const to: FilesLocation = { stage, cycle };
  if (!stored.filesAt) throw new Error(`the request's files were deleted, so they cannot be moved to the ${stage} stage`);
  const input: MoveInput = { request, from: stored.filesAt, to, versions };
  yield* call(context, ACTIVITIES.moveFiles, input);
  return to;
}

function* setStatus(context: OrchestrationContext, request: LifecycleInput, from: RequestStatus, to: RequestStatus, statusMessage?: string): Generator<Task, void, any> {
  yield* call(context, ACTIVITIES.setRequestStatus, { request, from, to, statusMessage });
}

/** Ends an `*_in_progress` status: the files go to `stage` (unless a run before a restart moved them), then the status follows. */
function* settleIn(context: OrchestrationContext, request: LifecycleInput, stored: StoredStatus, stage: Stage, to: RequestStatus): Generator<Task, void, any> {
  if (stored.filesAt?.stage !== stage) yield* moveTo(context, request, stored, stage, stored.cycle);
  yield* setStatus(context, request, stored.status, to);
}

/** The step the workflow is at (named in the failure message if it fails there), and the last audit entry published as an event. */
interface Progress {
  step: string;
  publishedSeq: number;
}

/**
 * Publishes the audit entries stored since the last call as CloudEvents (the audit log is the
 * outbox). A failure does not stop the request: the entries stay unpublished and go out with the
 * next call, with the same event ids.
 */
function* publishEvents(context: OrchestrationContext, request: LifecycleInput, at: Progress): Generator<Task, boolean, any> {
  try {
    at.publishedSeq = yield* call<number>(context, ACTIVITIES.publishAuditEvents, { request, afterSeq: at.publishedSeq });
    return true;
  } catch {
    return false;
  }
}

/** The last events of a finished request have no later call to ride on: retry them on a durable timer, for up to about a day. */
function* publishRemainingEvents(context: OrchestrationContext, request: LifecycleInput, at: Progress): Generator<Task, void, any> {
  for (let attempt = 0; attempt < 8; attempt++) {
    if (yield* publishEvents(context, request, at)) return;
    yield context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + 5 * 60_000 * 2 ** attempt));
  }
}

/**
 * The story of one request, told by its stored status: each status names what the airlock does next.
 * Because the next step is always read from the store, a workflow started again for a request that
 * is half-way (after a crash, or by the reconciler) carries on from where the request is.
 */
function* lifecycle(context: OrchestrationContext, request: LifecycleInput, at: Progress): Generator<Task, RequestStatus, any> {
  const progress = (step: string, awaiting?: string) => {
    at.step = step;
    context.df.setCustomStatus({ stage: step, ...(awaiting ? { awaiting } : {}) });
  };

  let stored = yield* readStored(context, request);
  for (;;) {
    switch (stored.status) {
      case 'draft': {
        progress('provisioning the draft container');
        if (stored.filesAt) yield* call(context, ACTIVITIES.provisionContainer, { request, at: stored.filesAt });
        progress('draft', 'submit or cancel');
        stored = yield* statusAfter(context, request, at, 'draft');
        break;
      }

      case 'changes_requested': {
        // The requester edits the files of this submission in the draft container of the next one.
        progress('returning the files to the draft stage');
        if (stored.filesAt?.stage !== 'draft') yield* moveTo(context, request, stored, 'draft', stored.cycle + 1);
        progress('draft', 'submit or cancel');
        stored = yield* statusAfter(context, request, at, 'changes_requested');
        break;
      }

      case 'submitted': {
        const cycle = stored.cycle;
        progress('hashing the submitted files');
        const versions = yield* call<HashedVersions>(context, ACTIVITIES.hashSubmittedFiles, request);
        progress('moving the files to the in-progress stage');
        const files = stored.filesAt?.stage === 'in_progress' ? stored.filesAt : yield* moveTo(context, request, stored, 'in_progress', cycle, versions);

        progress('checking the content of the files');
        const checks = yield* call<ScanSummary>(context, ACTIVITIES.checkContent, { request, at: files });
        progress('scanning', 'scan verdict');
        const verdict = checks.outcome === 'threat' ? checks : yield* scanVerdict(context, request, files);
        if (verdict.outcome === 'timeout' || verdict.outcome === 'pending') throw new Error(verdict.message);
        if (verdict.outcome === 'threat') yield* setStatus(context, request, 'submitted', 'blocking_in_progress', verdict.message);
        else yield* setStatus(context, request, 'submitted', 'in_review', verdict.message);
        stored = yield* readStored(context, request);
        break;
      }

      case 'blocking_in_progress':
        progress('moving the files to quarantine');
        yield* settleIn(context, request, stored, 'blocked', 'blocked_by_scan');
        return 'blocked_by_scan';

      case 'in_review':
        progress('in_review', 'review or cancel');
        stored = yield* statusAfter(context, request, at, 'in_review');
        break;

      case 'rejection_in_progress':
        progress('moving the files to the rejected stage');
        yield* settleIn(context, request, stored, 'rejected', 'rejected');
        return 'rejected';

      case 'approval_in_progress':
        progress('moving the files to the approved stage');
        yield* settleIn(context, request, stored, 'approved', 'approved');
        stored = yield* readStored(context, request);
        break;

      case 'approved':
        progress('approved', 'revoke');
        stored = yield* statusAfter(context, request, at, 'approved');
        break;

      case 'revoked':
        // The status changed when the revoke was recorded; moving the data out ends every link issued.
        progress('moving the revoked files out of the approved stage');
        if (stored.filesAt?.stage === 'approved') yield* moveTo(context, request, stored, 'rejected', stored.cycle);
        return 'revoked';

      case 'cancelled':
        progress("deleting the cancelled request's files");
        if (stored.filesAt) yield* call(context, ACTIVITIES.deleteStageData, { request, at: stored.filesAt });
        return 'cancelled';

      case 'rejected':
      case 'blocked_by_scan':
      case 'failed':
        return stored.status;
    }
  }
}

/**
 * One instance per airlock request (instanceId = request id), started when the request is created
 * and running until the request reaches an end: provision, await submit, hash, move, scan, await
 * review, move to the final stage, await a possible revoke. Any step that still fails after its
 * retries marks the request `failed` with the reason.
 */
export const airlockLifecycle: OrchestrationHandler = function* (context: OrchestrationContext): Flow {
  const request = context.df.getInput() as LifecycleInput;
  const at: Progress = { step: '', publishedSeq: 0 };
  let outcome: RequestStatus;
  try {
    outcome = yield* lifecycle(context, request, at);
  } catch (error) {
    const statusMessage = `The airlock stopped while ${at.step || 'processing the request'}: ${userFacingReason(error)}. The files were kept where they were; ask your TRE administrator to investigate.`;
    yield* call(context, ACTIVITIES.failRequest, { request, statusMessage });
    context.df.setCustomStatus({ stage: 'failed' });
    outcome = 'failed';
  }
  yield* publishRemainingEvents(context, request, at);
  return outcome;
};

df.app.orchestration(LIFECYCLE_ORCHESTRATOR, airlockLifecycle);
