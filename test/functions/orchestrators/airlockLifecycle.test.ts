/**
 * The lifecycle orchestrator, replayed by durable-functions' own executor (through the local Durable
 * backend) with its activities replaced by a scripted stored request. Each scenario reads like the
 * story it checks; assertions are on the activities the workflow ran and where it ended.
 */
import '../../../src/functions/orchestrators/airlockLifecycle';
import { ScanSummary } from '../../../src/domain/scan';
import { FilesLocation } from '../../../src/domain/stages';
import { RequestStatus } from '../../../src/domain/status';
import { messagesFor } from '../../../src/domain/statusMessages';
import { ACTIVITIES, InputOf, OutputOf, SomeActivity } from '../../../src/functions/activities/contract';
import { ScanOutcome } from '../../../src/functions/activities/requestScan';
import { LIFECYCLE_ORCHESTRATOR, LifecycleInput, REQUEST_UPDATED_EVENT, SCAN_RESULT_EVENT } from '../../../src/functions/lifecycleNames';
import { LocalDurableBackend } from '../../../src/local/durableBackend';
import { Registration, registrations } from '../../../src/local/functionsCore';

const REQUEST: LifecycleInput = { requestId: '5a7e2b8c-0000-4000-8000-000000000001', workspaceId: 'ws01', type: 'import' };

/** Defender's way: the verdict arrives later, as events, within three hours. */
const VERDICT_LATER: ScanOutcome = { outcome: 'pending', message: 'awaiting a scan verdict for a.csv', timeoutMinutes: 180 };

/** The stored request as the activities see it, and a log of what the workflow asked them to do. */
class ScriptedAirlock {
  status: RequestStatus = 'draft';
  version = 0;
  /** the submission cycle last submitted, and where the files are (as moveFiles records them) */
  cycle = 0;
  filesAt: FilesLocation | null = { stage: 'draft', cycle: 1 };
  /** filed by the domain's rule, as withStatus files them: a failure or a block, or progress */
  statusMessage?: string;
  progressMessage?: string;
  calls: string[] = [];
  /** the `afterSeq` of every publish call */
  published: number[] = [];
  /** when each publish was tried, failed or not */
  publishTried: Date[] = [];
  failing = new Map<SomeActivity, string>();
  scan: ScanOutcome = { outcome: 'clean', message: 'not scanned: scanning is disabled' };
  contentChecks: ScanSummary = { outcome: 'clean', message: 'content checks passed' };
  /** what the stored scan report adds up to once verdicts have arrived as events */
  report: ScanSummary = { outcome: 'pending', message: 'awaiting a scan verdict for a.csv' };
  clock = new Date('2026-01-01T00:00:00Z');
  backend: LocalDurableBackend;

  constructor() {
    // Each stand-in is held to the activity's contract, as the real registration is.
    const activity = <A extends SomeActivity>(
      descriptor: A,
      run: (input: InputOf<A>) => OutputOf<A>,
      logged: (input: InputOf<A>) => string = () => descriptor.name,
    ): [string, Registration] => [
      descriptor.name,
      {
        name: descriptor.name,
        bindings: { trigger: { type: 'activityTrigger', direction: 'in', name: 'input' } },
        handler: async (input: InputOf<A>) => {
          this.calls.push(logged(input));
          const failure = this.failing.get(descriptor);
          if (failure) throw new Error(failure);
          return run(input);
        },
      },
    ];
    const map = new Map<string, Registration>([
      [LIFECYCLE_ORCHESTRATOR, registrations.get(LIFECYCLE_ORCHESTRATOR)!],
      activity(ACTIVITIES.provisionContainer, () => undefined, (input) => `provisionContainer ${input.at.stage}`),
      activity(ACTIVITIES.readRequestStatus, () => ({ status: this.status, resourceVersion: this.version, cycle: this.cycle, filesAt: this.filesAt })),
      activity(ACTIVITIES.hashSubmittedFiles, () => ({ 'a.csv': '"etag-1"' })),
      activity(
        ACTIVITIES.moveFiles,
        (input) => {
          this.filesAt = input.to;
          return { moved: 1 };
        },
        (input) => `moveFiles ${input.from.stage}→${input.to.stage}`,
      ),
      activity(ACTIVITIES.checkContent, () => this.contentChecks),
      activity(ACTIVITIES.requestScan, () => this.scan),
      activity(ACTIVITIES.readScanOutcome, () => this.report),
      activity(
        ACTIVITIES.setRequestStatus,
        (input) => {
          if (this.status !== input.from && this.status !== input.to) throw new Error(`stored status is ${this.status}`);
          // As the real activity: finishing a move keeps the message unless there is a new one.
          this.store(input.to, input.message ?? this.statusMessage ?? this.progressMessage);
          return input.to;
        },
        (input) => `setRequestStatus ${input.from}→${input.to}`,
      ),
      activity(
        ACTIVITIES.deleteStageData,
        () => {
          this.filesAt = null;
        },
        (input) => `deleteStageData ${input.at.stage}`,
      ),
      activity(
        ACTIVITIES.publishAuditEvents,
        (input) => {
          this.published.push(input.afterSeq);
          return this.version;
        },
        () => {
          this.publishTried.push(this.clock);
          return ACTIVITIES.publishAuditEvents.name;
        },
      ),
      activity(ACTIVITIES.failRequest, (input) => {
        this.store('failed', input.statusMessage);
        return 'failed' as const;
      }),
    ]);
    this.backend = new LocalDurableBackend({ registrations: map, now: () => this.clock, log: () => undefined });
  }

  store(status: RequestStatus, message?: string) {
    // As the submit handler does: the draft being prepared becomes the submission.
    if (status === 'submitted' && this.filesAt?.stage === 'draft') this.cycle = this.filesAt.cycle;
    this.status = status;
    ({ statusMessage: this.statusMessage, progressMessage: this.progressMessage } = messagesFor(status, message));
    this.version++;
  }

  async start() {
    await this.backend.startNew(LIFECYCLE_ORCHESTRATOR, { instanceId: REQUEST.requestId, input: REQUEST });
    await this.settle();
  }

  /** What the reconciler or a TRE administrator does after the workflow was lost in a crash. */
  async restartWorkflow() {
    await this.backend.terminate(REQUEST.requestId, 'lost in a crash');
    this.calls = [];
    await this.start();
  }

  /** A person's action as an HTTP handler records it: store first, then tell the workflow. */
  async act(status: RequestStatus) {
    this.store(status);
    await this.nudge();
  }

  async nudge(data: unknown = { status: this.status }) {
    await this.backend.raiseEvent(REQUEST.requestId, REQUEST_UPDATED_EVENT, data);
    await this.settle();
  }

  async raise(name: string, data: unknown) {
    await this.backend.raiseEvent(REQUEST.requestId, name, data);
    await this.settle();
  }

  async settle() {
    await this.backend.idle();
  }

  async advance(minutes: number) {
    this.clock = new Date(this.clock.getTime() + minutes * 60_000);
    await this.backend.fireDueTimers();
    await this.settle();
  }

  get runtime() {
    return this.backend.getStatus(REQUEST.requestId)!;
  }

  callsAfterStart() {
    return this.calls.filter((call) => !call.startsWith(ACTIVITIES.readRequestStatus.name) && !call.startsWith(ACTIVITIES.publishAuditEvents.name));
  }
}

const UP_TO_REVIEW = [
  'provisionContainer draft',
  'hashSubmittedFiles',
  'moveFiles draft→in_progress',
  'checkContent',
  'requestScan',
  'setRequestStatus submitted→in_review',
];

// The scenarios: each leaves the scripted airlock at the point its story is about.

/** Submitted with scanning disabled: checked, "scanned" at once, and in review. */
async function inReview(): Promise<ScriptedAirlock> {
  const airlock = new ScriptedAirlock();
  await airlock.start();
  await airlock.act('submitted');
  expect(airlock.status).toBe('in_review');
  return airlock;
}

async function scanCleanThenApproved(): Promise<ScriptedAirlock> {
  const airlock = await inReview();
  await airlock.act('approval_in_progress');
  return airlock;
}

async function cancelledWhileInReview(): Promise<ScriptedAirlock> {
  const airlock = await inReview();
  await airlock.act('cancelled');
  return airlock;
}

async function returnedForChanges(): Promise<ScriptedAirlock> {
  const airlock = await inReview();
  await airlock.act('changes_requested');
  return airlock;
}

/** Submitted to a scanner that answers later; the workflow is waiting on the verdict and its deadline. */
async function awaitingTheVerdict(): Promise<ScriptedAirlock> {
  const airlock = new ScriptedAirlock();
  airlock.scan = VERDICT_LATER;
  await airlock.start();
  await airlock.act('submitted');
  return airlock;
}

/** No verdict within the three hours: the deadline timer fires first. */
async function timerWinsTheScanRace(): Promise<ScriptedAirlock> {
  const airlock = await awaitingTheVerdict();
  await airlock.advance(179);
  expect(airlock.status).toBe('submitted');
  await airlock.advance(2);
  return airlock;
}

/** Approved; the host dies while the files are being copied to the approved stage, before the move is recorded. */
async function killedDuringAMove(): Promise<ScriptedAirlock> {
  const airlock = await inReview();
  airlock.store('approval_in_progress');
  await airlock.restartWorkflow();
  return airlock;
}

describe('scan clean, then approved', () => {
  test('submitted with scanning disabled, then approved: files move to the approved stage and the workflow waits for a revoke', async () => {
    const airlock = await inReview();
    expect(airlock).toMatchObject({ progressMessage: 'not scanned: scanning is disabled', statusMessage: undefined });
    await airlock.act('approval_in_progress');
    expect(airlock.callsAfterStart()).toEqual([...UP_TO_REVIEW, 'moveFiles in_progress→approved', 'setRequestStatus approval_in_progress→approved']);
    expect(airlock.status).toBe('approved');
    expect(airlock.runtime).toMatchObject({ runtimeStatus: 'Running', customStatus: { stage: 'approved', awaiting: 'revoke' } });
  });

  test('then revoked: the data leaves the approved stage', async () => {
    const airlock = await scanCleanThenApproved();
    await airlock.act('revoked');
    expect(airlock.callsAfterStart().slice(-1)).toEqual(['moveFiles approved→rejected']);
    expect(airlock.runtime).toMatchObject({ runtimeStatus: 'Completed', output: 'revoked' });
  });

  test('duplicate events change nothing: each step runs once', async () => {
    const airlock = new ScriptedAirlock();
    await airlock.start();
    await airlock.act('submitted');
    await airlock.nudge();
    await airlock.nudge();
    await airlock.act('approval_in_progress');
    await airlock.nudge();
    expect(airlock.callsAfterStart()).toEqual([...UP_TO_REVIEW, 'moveFiles in_progress→approved', 'setRequestStatus approval_in_progress→approved']);
  });
});

describe('scan clean, then rejected', () => {
  test('files move to the rejected stage and the workflow ends', async () => {
    const airlock = await inReview();
    await airlock.act('rejection_in_progress');
    expect(airlock.callsAfterStart()).toEqual([...UP_TO_REVIEW, 'moveFiles in_progress→rejected', 'setRequestStatus rejection_in_progress→rejected']);
    expect(airlock.runtime).toMatchObject({ runtimeStatus: 'Completed', output: 'rejected' });
  });
});

describe('returned for changes', () => {
  test('the files go back to the draft stage, and a resubmission is hashed, checked and scanned afresh', async () => {
    const airlock = await returnedForChanges();
    expect(airlock.callsAfterStart().slice(-1)).toEqual(['moveFiles in_progress→draft']);
    expect(airlock.runtime.customStatus).toEqual({ stage: 'draft', awaiting: 'submit or cancel' });
    await airlock.act('submitted');
    expect(airlock.status).toBe('in_review');
    await airlock.act('approval_in_progress');
    expect(airlock.callsAfterStart()).toEqual([
      ...UP_TO_REVIEW,
      'moveFiles in_progress→draft',
      ...UP_TO_REVIEW.slice(1),
      'moveFiles in_progress→approved',
      'setRequestStatus approval_in_progress→approved',
    ]);
  });

  test('then cancelled by the requester: the draft is deleted', async () => {
    const airlock = await returnedForChanges();
    await airlock.act('cancelled');
    expect(airlock.callsAfterStart().slice(-2)).toEqual(['moveFiles in_progress→draft', 'deleteStageData draft']);
    expect(airlock.runtime.output).toBe('cancelled');
  });
});

describe('cancelled', () => {
  test('in draft: the draft container is deleted and nothing else runs', async () => {
    const airlock = new ScriptedAirlock();
    await airlock.start();
    await airlock.act('cancelled');
    expect(airlock.callsAfterStart()).toEqual(['provisionContainer draft', 'deleteStageData draft']);
    expect(airlock.runtime).toMatchObject({ runtimeStatus: 'Completed', output: 'cancelled' });
  });

  test('while in review: the in-progress copy is deleted', async () => {
    const airlock = await cancelledWhileInReview();
    expect(airlock.callsAfterStart()).toEqual([...UP_TO_REVIEW, 'deleteStageData in_progress']);
    expect(airlock.runtime.output).toBe('cancelled');
  });
});

describe('a step that fails', () => {
  test('a copy that keeps failing is retried, then the request is failed with a reason a person can act on', async () => {
    const airlock = new ScriptedAirlock();
    airlock.failing.set(ACTIVITIES.moveFiles, 'stage storage stalimiplocal unreachable: ECONNREFUSED');
    await airlock.start();
    await airlock.act('submitted');
    for (let i = 0; i < 6 && airlock.status !== 'failed'; i++) await airlock.advance(1);
    expect(airlock.calls.filter((call) => call.startsWith('moveFiles'))).toHaveLength(4);
    expect(airlock.status).toBe('failed');
    expect(airlock.statusMessage).toMatch(/while moving the files to the in-progress stage: stage storage stalimiplocal unreachable: ECONNREFUSED\. The files/);
    // The activity's stack travelled with the failure; people read the reason only.
    expect(airlock.statusMessage).not.toMatch(/\n|\bat \S+ \(|\/test\/|Activity function/);
    expect(airlock.runtime).toMatchObject({ runtimeStatus: 'Completed', output: 'failed' });
  });

  test('a copy that fails once is retried and the request carries on', async () => {
    const airlock = new ScriptedAirlock();
    await airlock.start();
    airlock.failing.set(ACTIVITIES.moveFiles, 'blip');
    await airlock.act('submitted');
    airlock.failing.clear();
    await airlock.advance(1);
    expect(airlock.status).toBe('in_review');
  });
});

describe('the stored request decides, not the event', () => {
  test('an event the stored request does not back is ignored: the workflow keeps waiting', async () => {
    const airlock = new ScriptedAirlock();
    await airlock.start();
    await airlock.nudge({ status: 'approval_in_progress' });
    expect(airlock.callsAfterStart()).toEqual(['provisionContainer draft']);
    expect(airlock.runtime.customStatus).toEqual({ stage: 'draft', awaiting: 'submit or cancel' });
    await airlock.act('submitted');
    expect(airlock.status).toBe('in_review');
  });

  test('a change stored before the workflow reached its wait is not missed', async () => {
    const airlock = new ScriptedAirlock();
    airlock.store('submitted');
    await airlock.start();
    expect(airlock.status).toBe('in_review');
  });
});

describe('killed during a move: the workflow started again carries on from the stored request', () => {
  test('killed during the approval move: the move runs again, then the request is approved', async () => {
    const airlock = await killedDuringAMove();
    expect(airlock.callsAfterStart()).toEqual(['moveFiles in_progress→approved', 'setRequestStatus approval_in_progress→approved']);
  });

  test('killed after the approval move was recorded: the move is not repeated, the request is approved', async () => {
    const airlock = await inReview();
    airlock.store('approval_in_progress');
    airlock.filesAt = { stage: 'approved', cycle: 1 };
    await airlock.restartWorkflow();
    expect(airlock.callsAfterStart()).toEqual(['setRequestStatus approval_in_progress→approved']);
    expect(airlock.status).toBe('approved');
    expect(airlock.runtime.customStatus).toEqual({ stage: 'approved', awaiting: 'revoke' });
  });

  test('killed after the files were returned for changes: the requester\'s draft is left alone', async () => {
    const airlock = await returnedForChanges();
    expect(airlock.filesAt).toEqual({ stage: 'draft', cycle: 2 });
    await airlock.restartWorkflow();
    expect(airlock.callsAfterStart()).toEqual([]);
    await airlock.act('submitted');
    expect(airlock).toMatchObject({ status: 'in_review', cycle: 2, filesAt: { stage: 'in_progress', cycle: 2 } });
  });

  test('killed while submitted, after the move to in-progress: checks and scan run, no second move', async () => {
    const airlock = new ScriptedAirlock();
    airlock.store('submitted');
    airlock.filesAt = { stage: 'in_progress', cycle: 1 };
    await airlock.start();
    expect(airlock.callsAfterStart()).toEqual(['hashSubmittedFiles', 'checkContent', 'requestScan', 'setRequestStatus submitted→in_review']);
  });

  test('killed after a cancel was stored: the files are deleted and the workflow ends', async () => {
    const airlock = await inReview();
    airlock.store('cancelled');
    await airlock.restartWorkflow();
    expect(airlock.callsAfterStart()).toEqual(['deleteStageData in_progress']);
    expect(airlock.filesAt).toBeNull();
    expect(airlock.runtime.output).toBe('cancelled');
  });

  test('a request that ended needs nothing: the workflow ends at once', async () => {
    const airlock = await inReview();
    await airlock.act('rejection_in_progress');
    await airlock.restartWorkflow();
    expect(airlock.callsAfterStart()).toEqual([]);
    expect(airlock.runtime.output).toBe('rejected');
  });
});

describe('events', () => {
  test('what was stored is published before each wait and when the request ends, from where the last publish stopped', async () => {
    const airlock = await inReview();
    await airlock.act('rejection_in_progress');
    expect(airlock.runtime.runtimeStatus).toBe('Completed');
    expect(airlock.published.length).toBeGreaterThanOrEqual(3);
    expect(airlock.published).toEqual([...airlock.published].sort((a, b) => a - b));
    expect(airlock.published[airlock.published.length - 1]).toBeGreaterThan(0);
  });

  test('a topic that is down does not fail the request; the last events are retried on a timer', async () => {
    const airlock = new ScriptedAirlock();
    airlock.failing.set(ACTIVITIES.publishAuditEvents, 'topic unreachable');
    await airlock.start();
    await airlock.act('submitted');
    for (let i = 0; i < 4; i++) await airlock.advance(1);
    expect(airlock.status).toBe('in_review');
    await airlock.act('rejection_in_progress');
    for (let i = 0; i < 4; i++) await airlock.advance(1);
    expect(airlock.status).toBe('rejected');
    expect(airlock.runtime.runtimeStatus).toBe('Running');
    airlock.failing.clear();
    await airlock.advance(6);
    expect(airlock.runtime).toMatchObject({ runtimeStatus: 'Completed', output: 'rejected' });
  });

  test('a topic down for good: the last events are tried for about 21 hours after the request ended, then the workflow ends', async () => {
    const airlock = await inReview();
    airlock.failing.set(ACTIVITIES.publishAuditEvents, 'topic unreachable');
    await airlock.act('rejection_in_progress');
    expect(airlock.status).toBe('rejected');
    const ended = airlock.clock.getTime();
    airlock.publishTried = [];
    for (let minute = 0; minute < 23 * 60 && airlock.runtime.runtimeStatus === 'Running'; minute++) await airlock.advance(1);
    expect(airlock.runtime).toMatchObject({ runtimeStatus: 'Completed', output: 'rejected' });
    // A round is one publish with its activity retries (seconds apart); rounds are minutes to hours apart.
    const rounds = airlock.publishTried.map((time) => (time.getTime() - ended) / 60_000).filter((minutes, index, all) => index === 0 || minutes - all[index - 1] > 4);
    expect(rounds).toHaveLength(9);
    expect(rounds[rounds.length - 1] - rounds[0]).toBeGreaterThan(20 * 60);
  }, 120_000);
});

describe('the scan wait point', () => {
  test('content checks that find a problem block the request without asking the scanner', async () => {
    const airlock = new ScriptedAirlock();
    airlock.contentChecks = { outcome: 'threat', message: 'run.csv: the content is an executable program' };
    await airlock.start();
    await airlock.act('submitted');
    expect(airlock.calls).not.toContain(ACTIVITIES.requestScan.name);
    expect(airlock).toMatchObject({ status: 'blocked_by_scan', statusMessage: 'run.csv: the content is an executable program' });
  });

  test('a delayed verdict keeps the request waiting until the real one arrives', async () => {
    const airlock = await awaitingTheVerdict();
    await airlock.raise(SCAN_RESULT_EVENT, { name: 'a.csv' });
    await airlock.advance(100);
    expect(airlock.status).toBe('submitted');
    airlock.report = { outcome: 'threat', message: 'a.csv: Malicious: DOS/EICAR_Test_File' };
    await airlock.raise(SCAN_RESULT_EVENT, { name: 'a.csv' });
    expect(airlock.status).toBe('blocked_by_scan');
  });

  test('a threat found: blocking in progress, data quarantined in the blocked stage, blocked by scan', async () => {
    const airlock = await awaitingTheVerdict();
    airlock.report = { outcome: 'threat', message: 'Malicious: Eicar-Test-Signature' };
    await airlock.raise(SCAN_RESULT_EVENT, { name: 'a.csv' });
    expect(airlock.callsAfterStart().slice(-3)).toEqual([
      'setRequestStatus submitted→blocking_in_progress',
      'moveFiles in_progress→blocked',
      'setRequestStatus blocking_in_progress→blocked_by_scan',
    ]);
    expect(airlock).toMatchObject({ status: 'blocked_by_scan', statusMessage: 'Malicious: Eicar-Test-Signature' });
    expect(airlock.runtime.output).toBe('blocked_by_scan');
  });

  test('verdicts arrive one file at a time: review only when all are clean, and the deadline timer is cancelled', async () => {
    const airlock = await awaitingTheVerdict();
    await airlock.raise(SCAN_RESULT_EVENT, { name: 'a.csv' });
    expect(airlock.status).toBe('submitted');
    airlock.report = { outcome: 'clean', message: 'no threats found in 2 files' };
    await airlock.raise(SCAN_RESULT_EVENT, { name: 'b.csv' });
    expect(airlock).toMatchObject({ status: 'in_review', progressMessage: 'no threats found in 2 files', statusMessage: undefined });
    await airlock.advance(24 * 60);
    expect(airlock.status).toBe('in_review');
  });
});

describe('timer wins the scan race', () => {
  test('no verdict before the deadline fails closed: never in review, files stay in quarantine', async () => {
    const airlock = await timerWinsTheScanRace();
    expect(airlock.status).toBe('failed');
    expect(airlock.statusMessage).toMatch(/no scan result within 3 h/);
    expect(airlock.calls).not.toContain('setRequestStatus submitted→in_review');
  });

  test('a clean verdict that arrives after the deadline changes nothing: the request stays failed where the scan left it', async () => {
    const airlock = await timerWinsTheScanRace();
    airlock.report = { outcome: 'clean', message: 'no threats found in 1 file' };
    await airlock.raise(SCAN_RESULT_EVENT, { name: 'a.csv' });
    expect(airlock).toMatchObject({ status: 'failed', filesAt: { stage: 'in_progress', cycle: 1 } });
    expect(airlock.statusMessage).toMatch(/^The airlock stopped while scanning: no scan result within 3 h; the files stay in quarantine\. /);
    expect(airlock.callsAfterStart()).toEqual([...UP_TO_REVIEW.slice(0, -1), 'failRequest']);
  });
});
