import * as df from 'durable-functions';
import { OrchestrationContext, OrchestrationHandler, RetryOptions, Task } from 'durable-functions';
import { DependencyError, IntegrityError, InvariantError } from '../../domain/errors';
import { ScanSummary } from '../../domain/scan';
import { FilesLocation, Stage, stageOfStatus } from '../../domain/stages';
import { RequestStatus } from '../../domain/status';
import { userFacingReason } from '../../domain/statusMessages';
import { ACTIVITIES, InputOf, OutputOf, SomeActivity } from '../activities/contract';
import type { HashedVersions } from '../activities/hashSubmittedFiles';
import type { StoredStatus } from '../activities/readRequestStatus';
import { LIFECYCLE_ORCHESTRATOR, LifecycleInput, REQUEST_UPDATED_EVENT, SCAN_RESULT_EVENT } from '../lifecycleNames';

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

/** Timed retries of a finished request's last events: waits of 5, 10, ... 640 minutes, a publish after each. */
const PUBLISH_RETRIES = 8;

/** Orchestrator code: it yields Durable tasks and is resumed with their results. */
type Flow<T> = Generator<Task, T, unknown>;

/**
 * Runs an activity, retried as ACTIVITY_RETRY says. The workflow's one cast: Durable Functions
 * resumes the generator with whatever JSON the activity returned, and the descriptor is what
 * states its shape (the registration is held to the same descriptor).
 */
function* call<A extends SomeActivity>(context: OrchestrationContext, activity: A, input: InputOf<A>): Flow<OutputOf<A>> {
  return (yield context.df.callActivityWithRetry(activity.name, ACTIVITY_RETRY, input)) as OutputOf<A>;
}

/** Where the workflow is in the story: shown as its custom status, and named in the failure message if it stops there. */
type Progress = (step: string, awaiting?: string) => void;

/**
 * The audit log is the outbox: the entries stored since the last publish go out as CloudEvents. A
 * failed publish does not stop the request: the entries stay unpublished and go out with the next
 * publish, with the same event ids.
 */
class AuditEvents {
  private publishedSeq = 0;

  constructor(
    private readonly context: OrchestrationContext,
    private readonly request: LifecycleInput,
  ) {}

  *publish(): Flow<boolean> {
    try {
      this.publishedSeq = yield* call(this.context, ACTIVITIES.publishAuditEvents, { request: this.request, afterSeq: this.publishedSeq });
      return true;
    } catch {
      return false;
    }
  }

  /**
   * The last events of a finished request have no later wait to ride on: retry them on a durable
   * timer, backing off from 5 minutes, with a last try about 21 hours after the first.
   */
  *publishRemaining(): Flow<void> {
    for (let attempt = 0; ; attempt++) {
      if ((yield* this.publish()) || attempt === PUBLISH_RETRIES) return;
      yield this.context.df.createTimer(new Date(this.context.df.currentUtcDateTime.getTime() + 5 * 60_000 * 2 ** attempt));
    }
  }
}

/**
 * Waits until the stored request leaves `status`. Each RequestUpdated event only says "look": the
 * stored request decides, so a duplicate, late or forged event changes nothing. The stored status is
 * read first, in case the change happened before this wait began. Whatever was stored since the last
 * look (by the workflow or by a person) is published before each wait, which may be long.
 */
function* statusAfter(context: OrchestrationContext, request: LifecycleInput, status: RequestStatus, events: AuditEvents): Flow<StoredStatus> {
  let stored = yield* call(context, ACTIVITIES.readRequestStatus, request);
  while (stored.status === status) {
    yield* events.publish();
    yield context.df.waitForExternalEvent(REQUEST_UPDATED_EVENT);
    stored = yield* call(context, ACTIVITIES.readRequestStatus, request);
  }
  return stored;
}

type ScanVerdict = ScanSummary | { outcome: 'timeout'; message: string };

/**
 * The scan wait point: a verdict now (ClamAV, or scanning disabled), or verdicts that arrive later
 * as ScanResult events (Defender), each of which only prompts a fresh read of the stored report.
 * No complete verdict before the deadline fails closed: unscanned data never reaches review.
 */
function* scanVerdict(context: OrchestrationContext, request: LifecycleInput, files: FilesLocation): Flow<ScanVerdict> {
  const first = yield* call(context, ACTIVITIES.requestScan, { request, at: files });
  if (first.outcome !== 'pending') return first;
  const deadline = new Date(context.df.currentUtcDateTime.getTime() + first.timeoutMinutes * 60_000);
  const timeout = context.df.createTimer(deadline);
  for (;;) {
    const winner = yield context.df.Task.any([context.df.waitForExternalEvent(SCAN_RESULT_EVENT), timeout]);
    if (winner === timeout) {
      return { outcome: 'timeout', message: `no scan result within ${formatMinutes(first.timeoutMinutes)}; the files stay in quarantine` };
    }
    const summary = yield* call(context, ACTIVITIES.readScanOutcome, request);
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

/** The stage where the domain keeps the files of a request in `status`. */
function stageKeptFor(status: RequestStatus): Stage {
  const stage = stageOfStatus(status);
  if (!stage) throw new InvariantError(`a request that is ${status} keeps no files`);
  return stage;
}

/**
 * Moves the files of record from where the store says they are to `stage` of `cycle`. The move
 * records the new place in the same write as its audit entry, so after a restart a move that
 * finished is not repeated (its destination may already be a person's to edit).
 */
function* moveTo(context: OrchestrationContext, request: LifecycleInput, stored: StoredStatus, stage: Stage, cycle: number, versions?: HashedVersions): Flow<FilesLocation> {
  const to: FilesLocation = { stage, cycle };
  if (!stored.filesAt) throw new IntegrityError(`the request's files were deleted, so they cannot be moved to the ${stage} stage`);
  yield* call(context, ACTIVITIES.moveFiles, { request, from: stored.filesAt, to, versions });
  return to;
}

/** Brings the files to the stage the domain keeps them in for `status`, unless a run before a restart already did. */
function* placeFilesFor(context: OrchestrationContext, request: LifecycleInput, stored: StoredStatus, status: RequestStatus, cycle: number, versions?: HashedVersions): Flow<FilesLocation> {
  if (stored.filesAt?.stage === stageKeptFor(status)) return stored.filesAt;
  return yield* moveTo(context, request, stored, stageKeptFor(status), cycle, versions);
}

/** Ends an `*_in_progress` status: the files go where `to` keeps them, then the status follows. */
function* settle(context: OrchestrationContext, request: LifecycleInput, stored: StoredStatus, to: RequestStatus): Flow<void> {
  yield* placeFilesFor(context, request, stored, to, stored.cycle);
  yield* call(context, ACTIVITIES.setRequestStatus, { request, from: stored.status, to });
}

/**
 * The story of one request, told by its stored status: each status names what the airlock does next.
 * Because the next step is always read from the store, a workflow started again for a request that
 * is half-way (after a crash, or by the reconciler) carries on from where the request is.
 */
function* lifecycle(context: OrchestrationContext, request: LifecycleInput, progress: Progress, events: AuditEvents): Flow<RequestStatus> {
  let stored = yield* call(context, ACTIVITIES.readRequestStatus, request);
  for (;;) {
    switch (stored.status) {
      case 'draft': {
        progress('provisioning the draft container');
        if (stored.filesAt) yield* call(context, ACTIVITIES.provisionContainer, { request, at: stored.filesAt });
        progress('draft', 'submit or cancel');
        stored = yield* statusAfter(context, request, 'draft', events);
        break;
      }

      case 'changes_requested': {
        // The requester edits the files of this submission in the draft container of the next one.
        progress('returning the files to the draft stage');
        yield* placeFilesFor(context, request, stored, 'changes_requested', stored.cycle + 1);
        progress('draft', 'submit or cancel');
        stored = yield* statusAfter(context, request, 'changes_requested', events);
        break;
      }

      case 'submitted': {
        progress('hashing the submitted files');
        const versions = yield* call(context, ACTIVITIES.hashSubmittedFiles, request);
        progress('moving the files to the in-progress stage');
        const files = yield* placeFilesFor(context, request, stored, 'submitted', stored.cycle, versions);

        progress('checking the content of the files');
        const checks = yield* call(context, ACTIVITIES.checkContent, { request, at: files });
        progress('scanning', 'scan verdict');
        const verdict = checks.outcome === 'threat' ? checks : yield* scanVerdict(context, request, files);
        if (verdict.outcome === 'timeout' || verdict.outcome === 'pending') throw new DependencyError(verdict.message);
        const next = verdict.outcome === 'threat' ? 'blocking_in_progress' : 'in_review';
        // A threat's verdict becomes the status message; a clean scan's summary, the progress message.
        yield* call(context, ACTIVITIES.setRequestStatus, { request, from: 'submitted', to: next, message: verdict.message });
        stored = yield* call(context, ACTIVITIES.readRequestStatus, request);
        break;
      }

      case 'blocking_in_progress':
        progress('moving the files to quarantine');
        yield* settle(context, request, stored, 'blocked_by_scan');
        return 'blocked_by_scan';

      case 'in_review':
        progress('in_review', 'review or cancel');
        stored = yield* statusAfter(context, request, 'in_review', events);
        break;

      case 'rejection_in_progress':
        progress('moving the files to the rejected stage');
        yield* settle(context, request, stored, 'rejected');
        return 'rejected';

      case 'approval_in_progress':
        progress('moving the files to the approved stage');
        yield* settle(context, request, stored, 'approved');
        stored = yield* call(context, ACTIVITIES.readRequestStatus, request);
        break;

      case 'approved':
        progress('approved', 'revoke');
        stored = yield* statusAfter(context, request, 'approved', events);
        break;

      case 'revoked':
        // The status changed when the revoke was recorded; moving the data out ends every link issued.
        progress('moving the revoked files out of the approved stage');
        if (stored.filesAt?.stage === stageKeptFor('approved')) yield* moveTo(context, request, stored, stageKeptFor('revoked'), stored.cycle);
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
 * retries marks the request `failed`, naming the step it stopped in. The events of what was stored
 * go out before every wait and once more at the end.
 */
export const airlockLifecycle: OrchestrationHandler = function* (context: OrchestrationContext): Flow<RequestStatus> {
  const request = context.df.getInput() as LifecycleInput;
  const events = new AuditEvents(context, request);
  let step = 'processing the request';
  const progress: Progress = (doing, awaiting) => {
    step = doing;
    context.df.setCustomStatus({ stage: doing, ...(awaiting ? { awaiting } : {}) });
  };

  let outcome: RequestStatus;
  try {
    outcome = yield* lifecycle(context, request, progress, events);
  } catch (error) {
    const statusMessage = `The airlock stopped while ${step}: ${userFacingReason(error)}. The files were kept where they were; ask your TRE administrator to investigate.`;
    yield* call(context, ACTIVITIES.failRequest, { request, statusMessage });
    context.df.setCustomStatus({ stage: 'failed' });
    outcome = 'failed';
  }
  yield* events.publishRemaining();
  return outcome;
};

df.app.orchestration(LIFECYCLE_ORCHESTRATOR, airlockLifecycle);
