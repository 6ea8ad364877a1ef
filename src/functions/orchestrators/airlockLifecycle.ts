import * as df from 'durable-functions';
import { OrchestrationContext, OrchestrationHandler, RetryOptions, Task } from 'durable-functions';
import { RequestStatus } from '../../domain/status';
import { Stage } from '../../domain/stages';
import { HashedVersions } from '../activities/hashSubmittedFiles';
import { MoveInput } from '../activities/moveFiles';
import { StoredStatus } from '../activities/readRequestStatus';
import { ScanOutcome } from '../activities/requestScan';
import { ScanSummary } from '../../domain/scan';
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

/**
 * Waits until the stored request leaves `status`. Each RequestUpdated event only says "look": the
 * stored request decides, so a duplicate, late or forged event changes nothing. The stored status is
 * read first, in case the change happened before this wait began.
 */
function* statusAfter(
  context: OrchestrationContext,
  request: LifecycleInput,
  at: Progress,
  ...waiting: RequestStatus[]
): Generator<Task, RequestStatus, any> {
  let stored = yield* call<StoredStatus>(context, ACTIVITIES.readRequestStatus, request);
  while (waiting.includes(stored.status)) {
    // Whatever was stored since the last look (by the workflow or by a person) goes out as events
    // before the wait, which may be long.
    yield* publishEvents(context, request, at);
    yield context.df.waitForExternalEvent(REQUEST_UPDATED_EVENT);
    stored = yield* call<StoredStatus>(context, ACTIVITIES.readRequestStatus, request);
  }
  return stored.status;
}

/**
 * The scan wait point: a verdict now (ClamAV, or scanning disabled), or verdicts that arrive later
 * as ScanResult events (Defender), each of which only prompts a fresh read of the stored report.
 * No complete verdict before the deadline fails closed: unscanned data never reaches review.
 */
function* scanVerdict(context: OrchestrationContext, request: LifecycleInput): Generator<Task, ScanSummary | { outcome: 'timeout'; message: string }, any> {
  const first = yield* call<ScanOutcome>(context, ACTIVITIES.requestScan, request);
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

function* move(context: OrchestrationContext, request: LifecycleInput, from: Stage, to: Stage, versions?: HashedVersions): Generator<Task, void, any> {
  const input: MoveInput = { request, from, to, versions };
  yield* call(context, ACTIVITIES.moveFiles, input);
}

function* setStatus(
  context: OrchestrationContext,
  request: LifecycleInput,
  from: RequestStatus,
  to: RequestStatus,
  statusMessage?: string,
): Generator<Task, void, any> {
  yield* call(context, ACTIVITIES.setRequestStatus, { request, from, to, statusMessage });
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

function* lifecycle(context: OrchestrationContext, request: LifecycleInput, at: Progress): Generator<Task, RequestStatus, any> {
  const progress = (stage: string, awaiting?: string) => {
    at.step = stage;
    context.df.setCustomStatus({ stage, ...(awaiting ? { awaiting } : {}) });
  };

  progress('provisioning the draft container');
  yield* call(context, ACTIVITIES.provisionContainer, { request, stage: 'draft' });

  // One pass per submission: a request returned for changes comes back here.
  for (;;) {
    progress('draft', 'submit or cancel');
    const afterDraft = yield* statusAfter(context, request, at, 'draft', 'changes_requested');
    if (afterDraft === 'cancelled') {
      progress('deleting the cancelled draft');
      yield* call(context, ACTIVITIES.deleteStageData, { request, stage: 'draft' });
      return 'cancelled';
    }
    if (afterDraft !== 'submitted') return afterDraft;

    progress('hashing the submitted files');
    const versions = yield* call<HashedVersions>(context, ACTIVITIES.hashSubmittedFiles, request);
    progress('moving the files to the in-progress stage');
    yield* move(context, request, 'draft', 'in_progress', versions);

    progress('checking the content of the files');
    const checks = yield* call<ScanSummary>(context, ACTIVITIES.checkContent, request);
    progress('scanning', 'scan verdict');
    const verdict = checks.outcome === 'threat' ? checks : yield* scanVerdict(context, request);
    if (verdict.outcome === 'timeout' || verdict.outcome === 'pending') throw new Error(verdict.message);
    if (verdict.outcome === 'threat') {
      yield* setStatus(context, request, 'submitted', 'blocking_in_progress', verdict.message);
      progress('moving the files to quarantine');
      yield* move(context, request, 'in_progress', 'blocked');
      yield* setStatus(context, request, 'blocking_in_progress', 'blocked_by_scan', verdict.message);
      return 'blocked_by_scan';
    }
    yield* setStatus(context, request, 'submitted', 'in_review', verdict.message);

    progress('in_review', 'review or cancel');
    const decision = yield* statusAfter(context, request, at, 'in_review');
    switch (decision) {
      case 'cancelled':
        progress("deleting the cancelled request's files");
        yield* call(context, ACTIVITIES.deleteStageData, { request, stage: 'in_progress' });
        return 'cancelled';
      case 'changes_requested':
        // The requester edits the same files in the draft stage and submits again.
        progress('returning the files to the draft stage');
        yield* move(context, request, 'in_progress', 'draft');
        continue;
      case 'rejection_in_progress':
        progress('moving the files to the rejected stage');
        yield* move(context, request, 'in_progress', 'rejected');
        yield* setStatus(context, request, 'rejection_in_progress', 'rejected');
        return 'rejected';
      case 'approval_in_progress':
        progress('moving the files to the approved stage');
        yield* move(context, request, 'in_progress', 'approved');
        yield* setStatus(context, request, 'approval_in_progress', 'approved');
        break;
      default:
        return decision;
    }
    break;
  }

  progress('approved', 'revoke');
  const afterApproval = yield* statusAfter(context, request, at, 'approved');
  if (afterApproval === 'revoked') {
    // The status changed when the revoke was recorded; moving the data out ends every link issued.
    progress('moving the revoked files out of the approved stage');
    yield* move(context, request, 'approved', 'rejected');
  }
  return afterApproval;
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
    const reason = error instanceof Error ? error.message : String(error);
    const statusMessage = `The airlock stopped while ${at.step || 'processing the request'}: ${reason}. The files were kept where they were; ask your TRE administrator to investigate.`;
    yield* call(context, ACTIVITIES.failRequest, { request, statusMessage });
    context.df.setCustomStatus({ stage: 'failed' });
    outcome = 'failed';
  }
  yield* publishRemainingEvents(context, request, at);
  return outcome;
};

df.app.orchestration(LIFECYCLE_ORCHESTRATOR, airlockLifecycle);
