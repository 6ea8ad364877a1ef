/**
 * A Durable Task backend for the local host. Orchestrations registered with `df.app.orchestration`
 * run through durable-functions' own replay executor (the handler `df.app.orchestration` registered
 * is `createOrchestrator(fn)`); this class plays the part of the Durable Functions extension and
 * its storage: it keeps each instance's history, turns the orchestrator's actions into history
 * events, runs activities in-process, fires timers from an injectable clock and persists every
 * instance to `<historyDir>/<instanceId>.json` so a restart of the host resumes where it stopped.
 *
 * Supported: activities (with retry policies), timers (including cancellation), external events,
 * Task.all / Task.any in both action schemas, custom status, termination. Sub-orchestrations,
 * entities, callHttp and continueAsNew fail the instance with a message that says so.
 */
import { randomUUID } from 'node:crypto';
import { hasAttemptsLeft, retryDelayMs, RetryPolicy } from './activityRetry';
import {
  INSTANCE_FORMAT_VERSION,
  InboxMessage,
  InstanceRecord,
  isActive,
  jsonCopy,
  OrchestrationStatus,
  PendingActivity,
  PendingTimer,
  RuntimeStatus,
  statusOf,
} from './durableInstance';
import type { Registration } from './functionsCore';
import {
  ActionType,
  DurableOrchestrationInput,
  HistoryEventType,
  OUT_OF_PROC_DATA_LABEL,
  RegisteredOrchestrator,
  ReplayedOrchestratorState,
  ReplaySchema,
  ReplaySchemaVersion,
} from './durableSdk';
import { HistoryEvent, historyEvents } from './historyEvents';
import { InstanceFiles } from './instanceFiles';
import { createInvocationContext } from './invocationContext';
import { consoleLog, formatLogLine, LocalLog } from './localLog';
import { errorText } from '../domain/errorText';

export type { OrchestrationStatus, RuntimeStatus } from './durableInstance';

export { ReplaySchema, type ReplaySchemaVersion } from './durableSdk';

// Local timers have no storage-queue visibility limit, so they are never split into sub-timers:
// with a shorter maximum the V3 executor would number sub-timers that this backend never creates.
const MAXIMUM_SHORT_TIMER = '36500.00:00:00';
const LONG_TIMER_INTERVAL = '3.00:00:00';
const HTTP_POLL_INTERVAL_MS = 30_000;
const MAX_INSTANCE_ID_LENGTH = 256;

const UNSUPPORTED_ACTIONS: Record<number, string> = {
  [ActionType.CallSubOrchestrator]: 'sub-orchestrations (callSubOrchestrator)',
  [ActionType.CallSubOrchestratorWithRetry]: 'sub-orchestrations (callSubOrchestratorWithRetry)',
  [ActionType.ContinueAsNew]: 'continueAsNew',
  [ActionType.CallEntity]: 'entities (callEntity)',
  [ActionType.SignalEntity]: 'entities (signalEntity)',
  [ActionType.LockEntities]: 'entity locks (lock)',
  [ActionType.ReleaseEntities]: 'entity locks (lock)',
  [ActionType.CallHttp]: 'durable HTTP (callHttp)',
};

/** The fields of the SDK's action objects that this backend reads. */
interface OrchestratorAction {
  actionType: number;
  functionName?: string;
  input?: unknown;
  retryOptions?: RetryPolicy;
  fireAt?: Date | string;
  isCanceled?: boolean;
  compoundActions?: unknown[];
}

export class DurableBackendError extends Error {
  constructor(
    message: string,
    /** The HTTP status the Durable Functions extension answers with in the same situation. */
    readonly status: 400 | 404 | 409 | 503,
  ) {
    super(message);
    this.name = 'DurableBackendError';
  }
}

export interface LocalDurableBackendOptions {
  /** The captured `app.*` / `df.app.*` registrations; looked up when needed, so later registrations count. */
  registrations: Map<string, Registration>;
  /** Where instances are persisted; without it they live in memory only. */
  historyDir?: string;
  now?: () => Date;
  log?: LocalLog;
  replaySchemaVersion?: ReplaySchemaVersion;
  /** How often `start()` looks for due timers. */
  timerPollIntervalMs?: number;
}

export interface StartNewOptions {
  instanceId?: string;
  input?: unknown;
}

type ReplayOutcome =
  | { kind: 'yielded'; state: ReplayedOrchestratorState }
  | { kind: 'failed'; message: string; customStatus?: unknown };

type ActivityOutcome = { kind: 'completed'; resultJson: string } | { kind: 'failed'; reason: string; details: string };

interface Ending {
  status: 'Completed' | 'Failed';
  output: unknown;
}

interface ActionPlan {
  events: HistoryEvent[];
  timers: PendingTimer[];
  activities: PendingActivity[];
  cancelledActionIndexes: Set<number>;
  nextTaskId: number;
  unsupported?: string;
}

export class LocalDurableBackend {
  private readonly registrations: Map<string, Registration>;
  private readonly instances = new Map<string, InstanceRecord>();
  /** Per instance, the tail of its queue of steps: episodes of one instance never overlap. */
  private readonly lanes = new Map<string, Promise<void>>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly files?: InstanceFiles;
  private readonly now: () => Date;
  private readonly log: LocalLog;
  private readonly replaySchemaVersion: ReplaySchemaVersion;
  private readonly timerPollIntervalMs: number;
  private recovery?: Promise<void>;
  private timerPoll?: NodeJS.Timeout;
  private stopped = false;

  /** Creates a backend and reloads the instances persisted in `historyDir`, resuming their work. */
  static async open(options: LocalDurableBackendOptions): Promise<LocalDurableBackend> {
    const backend = new LocalDurableBackend(options);
    await backend.ready();
    return backend;
  }

  constructor(options: LocalDurableBackendOptions) {
    this.registrations = options.registrations;
    this.files = options.historyDir ? new InstanceFiles(options.historyDir) : undefined;
    this.now = options.now ?? (() => new Date());
    this.log = options.log ?? consoleLog;
    this.replaySchemaVersion = options.replaySchemaVersion ?? ReplaySchema.V3;
    this.timerPollIntervalMs = options.timerPollIntervalMs ?? 1000;
  }

  /** Reloads persisted instances (once) and starts firing due timers in the background. */
  async start(): Promise<void> {
    this.assertNotStopped();
    await this.ready();
    if (this.timerPoll) return;
    this.timerPoll = setInterval(() => {
      this.fireDueTimers().catch((error) =>
        this.log(formatLogLine('error', 'durable backend: firing due timers failed', error)),
      );
    }, this.timerPollIntervalMs);
    this.timerPoll.unref();
  }

  /**
   * Stops the timer poll, waits for in-flight episodes and activities (at most `graceMs` when
   * given), then persists every instance. Work still running after that is abandoned the way a
   * host shutdown abandons it: its results are dropped, and the next `open()` runs it again.
   */
  async stop(options: { graceMs?: number } = {}): Promise<void> {
    if (this.timerPoll) clearInterval(this.timerPoll);
    this.timerPoll = undefined;
    if (this.stopped) return;
    const drained = this.idle();
    await (options.graceMs === undefined ? drained : Promise.race([drained, delay(options.graceMs)]));
    this.stopped = true;
    if (!this.files) return;
    // Every mutation of a record happens in one synchronous block, so these snapshots are consistent.
    for (const record of this.instances.values()) {
      this.files
        .save(record)
        .catch((error) => this.log(formatLogLine('error', `durable backend: could not persist ${record.instanceId}`, error)));
    }
    await this.files.close();
  }

  /** Resolves when no episode, activity or persisted write of this backend is in flight. */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /**
   * Creates an instance (status Pending until its first episode ran) and resolves with its id once
   * it is persisted. An existing Pending/Running instance with the same id is a 409; a finished one
   * is replaced with a fresh history (host.json: overridableExistingInstanceStates NonRunningStates).
   */
  async startNew(name: string, options: StartNewOptions = {}): Promise<string> {
    this.assertNotStopped();
    const registration = this.findFunction(name, 'orchestrationTrigger');
    if (!registration) {
      throw new DurableBackendError(`The function '${name}' doesn't exist, is disabled, or is not an orchestrator function.`, 400);
    }
    const instanceId = options.instanceId ?? randomUUID().replace(/-/g, '');
    validateInstanceId(instanceId);
    const inputJson = toJson(options.input, 'The orchestration input');
    await this.ready();
    return this.exclusive(instanceId, async () => {
      this.assertNotStopped();
      const existing = this.instances.get(instanceId);
      if (existing && isActive(existing.runtimeStatus)) {
        throw new DurableBackendError(
          `An orchestration instance with the ID '${instanceId}' and status ${existing.runtimeStatus} already exists.`,
          409,
        );
      }
      const createdTime = this.now().toISOString();
      const record: InstanceRecord = {
        formatVersion: INSTANCE_FORMAT_VERSION,
        instanceId,
        executionId: randomUUID(),
        name: registration.name,
        input: inputJson === undefined ? null : JSON.parse(inputJson),
        history: [],
        runtimeStatus: 'Pending',
        output: null,
        customStatus: null,
        createdTime,
        lastUpdatedTime: createdTime,
        nextTaskId: 0,
        handledActionCount: 0,
        inbox: [{ kind: 'executionStarted' }],
        pendingTimers: [],
        pendingActivities: [],
      };
      this.instances.set(instanceId, record);
      await this.persist(record);
      this.scheduleDrain(instanceId);
      return instanceId;
    });
  }

  /**
   * Queues an event for the instance and resolves once it is persisted (not once the orchestrator
   * has seen it). Resolves false, with no effect, when the instance is no longer running; rejects
   * with a 404 error for an unknown id.
   */
  async raiseEvent(instanceId: string, eventName: string, data?: unknown): Promise<boolean> {
    this.assertNotStopped();
    if (!eventName) throw new DurableBackendError('The event name must not be empty.', 400);
    const inputJson = toJson(data, 'The event data');
    await this.ready();
    const record = this.requireInstance(instanceId);
    return this.deliver(instanceId, record.executionId, (current) => {
      current.inbox.push({ kind: 'eventRaised', name: eventName, inputJson });
      return true;
    });
  }

  /** Ends a running instance with status Terminated and the reason as output; false when it was not running. */
  async terminate(instanceId: string, reason = ''): Promise<boolean> {
    this.assertNotStopped();
    await this.ready();
    this.requireInstance(instanceId);
    return this.exclusive(instanceId, async () => {
      const record = this.instances.get(instanceId);
      if (this.stopped || !record || !isActive(record.runtimeStatus)) return false;
      const at = this.now();
      record.history.push(historyEvents.executionTerminated(at, reason));
      finish(record, 'Terminated', reason, at);
      await this.persist(record);
      return true;
    });
  }

  getStatus(instanceId: string): OrchestrationStatus | undefined {
    const record = this.instances.get(instanceId);
    return record && statusOf(record);
  }

  /** A copy of the instance's history, in the host's JSON shape (for tests and diagnostics). */
  getHistory(instanceId: string): HistoryEvent[] | undefined {
    const record = this.instances.get(instanceId);
    return record && jsonCopy(record.history);
  }

  listInstances(): OrchestrationStatus[] {
    return [...this.instances.values()]
      .map(statusOf)
      .sort((a, b) => a.createdTime.localeCompare(b.createdTime) || a.instanceId.localeCompare(b.instanceId));
  }

  /** Fires every timer whose time has come by `now()`; resolves once the firings are recorded. */
  async fireDueTimers(): Promise<void> {
    if (this.stopped) return;
    await this.ready();
    await this.fireTimersDueNow();
  }

  private ready(): Promise<void> {
    if (!this.recovery) {
      this.recovery = this.recover();
      this.track(this.recovery);
    }
    return this.recovery;
  }

  private async recover(): Promise<void> {
    if (!this.files) return;
    const loaded = (await this.files.loadAll(this.log)).filter((record) => !this.instances.has(record.instanceId));
    for (const record of loaded) this.instances.set(record.instanceId, record);
    for (const record of loaded) {
      if (!isActive(record.runtimeStatus)) continue;
      // At-least-once, as in Azure: an activity whose result was never recorded runs again.
      for (const activity of record.pendingActivities) this.launchActivity(record, activity);
      if (record.inbox.length > 0) this.scheduleDrain(record.instanceId);
    }
    await this.fireTimersDueNow();
  }

  private async fireTimersDueNow(): Promise<void> {
    const nowMs = this.now().getTime();
    const firings: Promise<boolean>[] = [];
    for (const record of this.instances.values()) {
      if (!isActive(record.runtimeStatus)) continue;
      const due = record.pendingTimers
        .filter((timer) => Date.parse(timer.fireAt) <= nowMs)
        .sort((a, b) => Date.parse(a.fireAt) - Date.parse(b.fireAt) || a.timerId - b.timerId);
      for (const timer of due) {
        firings.push(
          this.deliver(record.instanceId, record.executionId, (current) => {
            // A second poll may find the same timer before the first firing is recorded.
            const index = current.pendingTimers.findIndex((pending) => pending.timerId === timer.timerId);
            if (index < 0) return false;
            const [fired] = current.pendingTimers.splice(index, 1);
            current.inbox.push({ kind: 'timerFired', timerId: fired.timerId, fireAt: fired.fireAt, retryOf: fired.retryOf });
            return true;
          }),
        );
      }
    }
    await Promise.all(firings);
  }

  /** Applies `mutate` to a still-running execution, persists it and lets the orchestrator react. */
  private deliver(instanceId: string, executionId: string, mutate: (record: InstanceRecord) => boolean): Promise<boolean> {
    return this.exclusive(instanceId, async () => {
      const record = this.instances.get(instanceId);
      if (this.stopped || !record || record.executionId !== executionId || !isActive(record.runtimeStatus)) return false;
      if (!mutate(record)) return false;
      await this.persist(record);
      this.scheduleDrain(instanceId);
      return true;
    });
  }

  private scheduleDrain(instanceId: string): void {
    this.exclusive(instanceId, () => this.drainInbox(instanceId)).catch((error) =>
      this.log(formatLogLine('error', `durable backend: instance ${instanceId} could not be advanced`, error)),
    );
  }

  private async drainInbox(instanceId: string): Promise<void> {
    for (;;) {
      const record = this.instances.get(instanceId);
      if (this.stopped || !record) return;
      const message = record.inbox[0];
      if (!message) return;
      if (!isActive(record.runtimeStatus)) {
        record.inbox = [];
        await this.persist(record);
        return;
      }
      let activitiesToRun: PendingActivity[];
      try {
        activitiesToRun = await this.runEpisode(record, message);
      } catch (error) {
        // A defect here must neither wedge the instance nor take the host down: fail it visibly.
        this.log(formatLogLine('error', `durable backend: episode of ${instanceId} failed`, error));
        finish(record, 'Failed', `The local durable backend could not run this orchestration: ${errorText(error)}`, this.now());
        activitiesToRun = [];
      }
      await this.persist(record);
      for (const activity of activitiesToRun) this.launchActivity(record, activity);
    }
  }

  /**
   * One orchestrator episode for one inbox message: record the message as history, replay, turn
   * new actions into history and pending work. Returns the activities to start once persisted.
   */
  private async runEpisode(record: InstanceRecord, message: InboxMessage): Promise<PendingActivity[]> {
    const at = this.now();
    let nextTaskId = record.nextTaskId;
    const incoming: HistoryEvent[] = [historyEvents.orchestratorStarted(at)];
    const retryTimers: PendingTimer[] = [];
    const retryAttempts: PendingActivity[] = [];

    switch (message.kind) {
      case 'executionStarted':
        incoming.push(historyEvents.executionStarted(at, record.name, JSON.stringify(record.input)));
        break;
      case 'eventRaised':
        incoming.push(historyEvents.eventRaised(at, message.name, message.inputJson));
        break;
      case 'activityCompleted':
        incoming.push(historyEvents.taskCompleted(at, message.taskId, message.resultJson));
        break;
      case 'activityFailed': {
        incoming.push(historyEvents.taskFailed(at, message.taskId, message.reason, message.details));
        const policy = message.call.retryPolicy;
        if (policy) {
          // The executor's RetryableTask answers every failed attempt, the last one included, by
          // waiting on a timer it numbers itself; the framework creates that timer with the backoff.
          const timerId = nextTaskId++;
          const fireAt = new Date(at.getTime() + retryDelayMs(policy, message.call.attempt)).toISOString();
          incoming.push(historyEvents.timerCreated(at, timerId, fireAt));
          retryTimers.push({ timerId, fireAt, retryOf: message.call });
        }
        break;
      }
      case 'timerFired': {
        incoming.push(historyEvents.timerFired(at, message.timerId, message.fireAt));
        const failed = message.retryOf;
        if (failed?.retryPolicy && hasAttemptsLeft(failed.retryPolicy, failed.attempt)) {
          // After the backoff the executor numbers the next attempt; the framework schedules it.
          const attempt: PendingActivity = { ...failed, attempt: failed.attempt + 1, taskId: nextTaskId++ };
          incoming.push(historyEvents.taskScheduled(at, attempt.taskId, attempt.name, attempt.inputJson));
          retryAttempts.push(attempt);
        }
        break;
      }
    }

    const history = [...record.history, ...incoming];
    const outcome = await this.replay(record, history);

    // Synchronous from here on: a concurrent stop() persists either the state before this episode
    // (and the message is replayed after a restart) or the state after it, never a mix.
    record.inbox.shift();
    record.lastUpdatedTime = at.toISOString();
    if (outcome.kind === 'failed') {
      record.history = [...history, ...closingEvents(at, { status: 'Failed', output: outcome.message })];
      record.nextTaskId = nextTaskId;
      if (outcome.customStatus !== undefined) record.customStatus = outcome.customStatus;
      finish(record, 'Failed', outcome.message, at);
      return [];
    }

    const { state } = outcome;
    const actions = flattenActions(state.actions);
    const plan = planActions(actions, record.handledActionCount, nextTaskId, at);
    record.nextTaskId = plan.nextTaskId;
    record.handledActionCount = actions.length;
    record.customStatus = state.customStatus ?? null;
    if (record.runtimeStatus === 'Pending') record.runtimeStatus = 'Running';

    const ending: Ending | undefined = plan.unsupported
      ? {
          status: 'Failed',
          output: `Orchestrator function '${record.name}' uses ${plan.unsupported}, which the local durable backend does not support.`,
        }
      : state.isDone
        ? { status: 'Completed', output: state.output === undefined ? null : jsonCopy(state.output) }
        : undefined;
    record.history = [...history, ...plan.events, ...closingEvents(at, ending)];
    if (ending) {
      finish(record, ending.status, ending.output, at);
      return [];
    }
    record.pendingTimers = [
      ...record.pendingTimers.filter((timer) => timer.actionIndex === undefined || !plan.cancelledActionIndexes.has(timer.actionIndex)),
      ...retryTimers,
      ...plan.timers,
    ];
    const activitiesToRun = [...retryAttempts, ...plan.activities];
    record.pendingActivities.push(...activitiesToRun);
    return activitiesToRun;
  }

  private async replay(record: InstanceRecord, history: HistoryEvent[]): Promise<ReplayOutcome> {
    const registration = this.findFunction(record.name, 'orchestrationTrigger');
    if (!registration) {
      return { kind: 'failed', message: `The orchestrator function '${record.name}' is not registered in this host.` };
    }
    const orchestrator = registration.handler as RegisteredOrchestrator;
    const trigger = new DurableOrchestrationInput(
      record.instanceId,
      historyForReplay(history),
      jsonCopy(record.input),
      LONG_TIMER_INTERVAL,
      MAXIMUM_SHORT_TIMER,
      HTTP_POLL_INTERVAL_MS,
      this.replaySchemaVersion,
    );
    try {
      return { kind: 'yielded', state: await orchestrator(trigger, createInvocationContext(registration, this.log)) };
    } catch (error) {
      return { kind: 'failed', ...describeOrchestratorFailure(record.name, error) };
    }
  }

  private launchActivity(record: InstanceRecord, activity: PendingActivity): void {
    if (this.stopped) return;
    const { instanceId, executionId } = record;
    const run = this.invokeActivity(activity).then((outcome) =>
      this.deliver(instanceId, executionId, (current) => {
        const index = current.pendingActivities.findIndex((pending) => pending.taskId === activity.taskId);
        if (index < 0) return false; // an earlier run of the same task already reported
        current.pendingActivities.splice(index, 1);
        const { taskId, ...call } = activity;
        current.inbox.push(
          outcome.kind === 'completed'
            ? { kind: 'activityCompleted', taskId, resultJson: outcome.resultJson }
            : { kind: 'activityFailed', taskId, reason: outcome.reason, details: outcome.details, call },
        );
        return true;
      }),
    );
    const reportLoss = (error: unknown) =>
      this.log(formatLogLine('error', `durable backend: result of ${activity.name} for ${instanceId} was lost`, error));
    this.track(run.catch(reportLoss));
  }

  private async invokeActivity(activity: PendingActivity): Promise<ActivityOutcome> {
    // Let the episode that scheduled the activity finish before user code runs.
    await Promise.resolve();
    const registration = this.findFunction(activity.name, 'activityTrigger');
    if (!registration) {
      return { kind: 'failed', reason: `The activity function '${activity.name}' is not registered in this host.`, details: '' };
    }
    try {
      const input: unknown = activity.inputJson === undefined ? undefined : JSON.parse(activity.inputJson);
      const result = await registration.handler(input, createInvocationContext(registration, this.log));
      return { kind: 'completed', resultJson: JSON.stringify(result) ?? 'null' };
    } catch (error) {
      const message = errorText(error);
      const details = error instanceof Error && error.stack ? error.stack : message;
      return { kind: 'failed', reason: `Activity function '${activity.name}' failed: ${message}`, details };
    }
  }

  private findFunction(name: string, triggerType: 'orchestrationTrigger' | 'activityTrigger'): Registration | undefined {
    // Function names are case-insensitive in Azure Functions.
    const wanted = name.toLowerCase();
    for (const registration of this.registrations.values()) {
      if (registration.name.toLowerCase() !== wanted) continue;
      if (Object.values(registration.bindings).some((binding) => binding.type === triggerType)) return registration;
    }
    return undefined;
  }

  private requireInstance(instanceId: string): InstanceRecord {
    const record = this.instances.get(instanceId);
    if (!record) throw new DurableBackendError(`No instance with ID '${instanceId}' found.`, 404);
    return record;
  }

  private assertNotStopped(): void {
    if (this.stopped) throw new DurableBackendError('The local durable backend has been stopped.', 503);
  }

  private async persist(record: InstanceRecord): Promise<void> {
    if (this.stopped || !this.files) return;
    await this.files.save(record);
  }

  private exclusive<T>(instanceId: string, step: () => Promise<T>): Promise<T> {
    const previous = this.lanes.get(instanceId) ?? Promise.resolve();
    const result = previous.then(step);
    const settled = result.then(
      () => undefined,
      () => undefined,
    );
    this.lanes.set(instanceId, settled);
    this.track(settled);
    void settled.then(() => {
      if (this.lanes.get(instanceId) === settled) this.lanes.delete(instanceId);
    });
    return result;
  }

  private track(work: Promise<unknown>): void {
    this.inFlight.add(work);
    const forget = () => this.inFlight.delete(work);
    work.then(forget, forget);
  }
}

/** Turns the orchestrator's actions into history and pending work, numbering tasks as the executor does. */
function planActions(actions: OrchestratorAction[], handledActionCount: number, firstFreeTaskId: number, at: Date): ActionPlan {
  const plan: ActionPlan = { events: [], timers: [], activities: [], cancelledActionIndexes: new Set(), nextTaskId: firstFreeTaskId };
  actions.forEach((action, index) => {
    if (plan.unsupported) return;
    if (index < handledActionCount) {
      // Actions are re-created on every replay, so a cancel() in a later episode shows up here.
      if (action.actionType === ActionType.CreateTimer && action.isCanceled) plan.cancelledActionIndexes.add(index);
      return;
    }
    switch (action.actionType) {
      case ActionType.CallActivity:
      case ActionType.CallActivityWithRetry: {
        const taskId = plan.nextTaskId++;
        const name = String(action.functionName);
        // The SDK JSON-encodes string inputs itself (Utils.processInput); everything else is still a value.
        const inputJson = typeof action.input === 'string' ? action.input : toJson(action.input, `The input of activity '${name}'`);
        const retryPolicy = action.actionType === ActionType.CallActivityWithRetry ? retryPolicyOf(action.retryOptions) : undefined;
        plan.events.push(historyEvents.taskScheduled(at, taskId, name, inputJson));
        plan.activities.push({ taskId, name, inputJson, retryPolicy, attempt: 1 });
        break;
      }
      case ActionType.CreateTimer: {
        const timerId = plan.nextTaskId++;
        const fireAt = new Date(action.fireAt ?? NaN).toISOString();
        plan.events.push(historyEvents.timerCreated(at, timerId, fireAt));
        if (!action.isCanceled) plan.timers.push({ timerId, fireAt, actionIndex: index });
        break;
      }
      case ActionType.WaitForExternalEvent:
        break; // waits by event name; no task id, nothing to schedule
      default:
        plan.unsupported = UNSUPPORTED_ACTIONS[action.actionType] ?? `action type ${action.actionType}`;
    }
  });
  return plan;
}

/**
 * V1 state: one array per yielded action (compound actions already flattened); V2+: WhenAll/WhenAny
 * nest their children. A task that takes part in several Task.any/Task.all calls (a deadline timer
 * raced in a loop) appears in each, as the same action object; the executor numbered it once, so
 * it is listed once.
 */
function flattenActions(actions: unknown, into: OrchestratorAction[] = [], seen = new Set<unknown>()): OrchestratorAction[] {
  if (Array.isArray(actions)) {
    for (const action of actions) flattenActions(action, into, seen);
  } else if (isAction(actions)) {
    const isCompound = actions.actionType === ActionType.WhenAll || actions.actionType === ActionType.WhenAny;
    if (isCompound && Array.isArray(actions.compoundActions)) flattenActions(actions.compoundActions, into, seen);
    else if (!seen.has(actions)) {
      seen.add(actions);
      into.push(actions);
    }
  }
  return into;
}

function isAction(value: unknown): value is OrchestratorAction {
  return typeof value === 'object' && value !== null && typeof (value as OrchestratorAction).actionType === 'number';
}

function retryPolicyOf(options: RetryPolicy | undefined): RetryPolicy {
  if (!options) return { firstRetryIntervalInMilliseconds: 1000, maxNumberOfAttempts: 1 };
  // A plain copy: the SDK's RetryOptions instance must survive JSON persistence field by field.
  return {
    firstRetryIntervalInMilliseconds: options.firstRetryIntervalInMilliseconds,
    maxNumberOfAttempts: options.maxNumberOfAttempts,
    backoffCoefficient: options.backoffCoefficient,
    maxRetryIntervalInMilliseconds: options.maxRetryIntervalInMilliseconds,
    retryTimeoutInMilliseconds: options.retryTimeoutInMilliseconds,
  };
}

/** A fresh copy per replay (the SDK turns Timestamps into Dates in place), with earlier episodes marked played. */
function historyForReplay(history: HistoryEvent[]): HistoryEvent[] {
  const copy = jsonCopy(history);
  let lastStarted = -1;
  copy.forEach((event, index) => {
    if (event.EventType === HistoryEventType.OrchestratorStarted) lastStarted = index;
  });
  copy.forEach((event, index) => {
    event.IsPlayed = index < lastStarted;
  });
  return copy;
}

/** An episode ends with OrchestratorCompleted, preceded by ExecutionCompleted/Failed when the instance ends. */
function closingEvents(at: Date, ending: Ending | undefined): HistoryEvent[] {
  const executionEnded = ending ? [historyEvents.executionCompleted(at, ending.status, JSON.stringify(ending.output))] : [];
  return [...executionEnded, historyEvents.orchestratorCompleted(at)];
}

function finish(record: InstanceRecord, status: RuntimeStatus, output: unknown, at: Date): void {
  record.runtimeStatus = status;
  record.output = output;
  record.lastUpdatedTime = at.toISOString();
  record.inbox = [];
  record.pendingTimers = [];
  record.pendingActivities = [];
}

/**
 * The executor throws OrchestrationFailureError, whose message is `<orchestratorReturned>` (sic, a
 * boolean in 3.5.0) followed by the orchestrator state as JSON; the real error is `state.error`.
 */
function describeOrchestratorFailure(name: string, error: unknown): { message: string; customStatus?: unknown } {
  const text = errorText(error);
  const labelAt = text.indexOf(OUT_OF_PROC_DATA_LABEL);
  if (labelAt < 0) return { message: `Orchestrator function '${name}' failed: ${text}` };
  let state: { error?: unknown; customStatus?: unknown } = {};
  try {
    state = JSON.parse(text.slice(labelAt + OUT_OF_PROC_DATA_LABEL.length)) as typeof state;
  } catch {
    // keep the text before the label
  }
  const reason = typeof state.error === 'string' ? state.error : text.slice(0, labelAt);
  return { message: `Orchestrator function '${name}' failed: ${reason}`, customStatus: state.customStatus };
}

function validateInstanceId(instanceId: string): void {
  const forbidden = /[/\\?#\u0000-\u001f\u007f]/;
  if (instanceId.length === 0 || instanceId.length > MAX_INSTANCE_ID_LENGTH || forbidden.test(instanceId)) {
    throw new DurableBackendError(
      `Invalid instance ID '${instanceId}': it must be 1 to ${MAX_INSTANCE_ID_LENGTH} characters without '/', '\\', '?', '#' or control characters.`,
      400,
    );
  }
}

function toJson(value: unknown, what: string): string | undefined {
  if (value === undefined) return undefined;
  try {
    return JSON.stringify(value);
  } catch (error) {
    throw new DurableBackendError(`${what} is not JSON-serializable: ${errorText(error)}`, 400);
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
