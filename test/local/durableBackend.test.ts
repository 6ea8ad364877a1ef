import { InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DurableBackendError, LocalDurableBackend, LocalDurableBackendOptions, ReplaySchema } from '../../src/local/durableBackend';
import { registrations } from '../../src/local/functionsCore';
import { historyEventTypeName } from '../../src/local/historyEvents';
import { InstanceFiles } from '../../src/local/instanceFiles';

// ---- toy functions (names unique to this file) -------------------------------------------------

const activityContexts: Array<{ functionName: string; invocationId: string }> = [];

df.app.activity('toyDouble', {
  handler: (value: number, context: InvocationContext) => {
    activityContexts.push({ functionName: context.functionName, invocationId: context.invocationId });
    return value * 2;
  },
});
df.app.activity('toyGreet', { handler: (name: string) => `hello ${name}` });

df.app.orchestration('toyChain', function* (context) {
  const doubled: number = yield context.df.callActivity('toyDouble', context.df.getInput<number>());
  const greeting: string = yield context.df.callActivity('toyGreet', 'ada');
  return { doubled, greeting };
});

df.app.orchestration('toyApproval', function* (context) {
  context.df.setCustomStatus({ stage: 'awaiting approval' });
  const decision: unknown = yield context.df.waitForExternalEvent('Approval');
  return { decision };
});

/** Waits on a timer first, so an event raised meanwhile arrives before anyone waits for it. */
df.app.orchestration('toyLateListener', function* (context) {
  yield context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + 60_000));
  const early: unknown = yield context.df.waitForExternalEvent('Early');
  return { early };
});

df.app.orchestration('toyRace', function* (context) {
  const deadline = context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + 3_600_000));
  const decision = context.df.waitForExternalEvent('Decision');
  const winner: unknown = yield context.df.Task.any([decision, deadline]);
  if (winner === deadline) return { outcome: 'expired' };
  deadline.cancel();
  context.df.setCustomStatus('decided');
  // Keep running after the cancel, so the test can show that the cancelled timer never fires.
  const finish: unknown = yield context.df.waitForExternalEvent('Finish');
  return { outcome: 'decided', decision: decision.result, finish };
});

df.app.orchestration('toyFanOut', function* (context) {
  const results: number[] = yield context.df.Task.all([1, 2, 3].map((n) => context.df.callActivity('toyDouble', n)));
  return results;
});

let flakyCalls = 0;
df.app.activity('toyFlaky', {
  handler: (input: { failures: number }) => {
    flakyCalls += 1;
    if (flakyCalls <= input.failures) throw new Error(`flaky failure ${flakyCalls}`);
    return `succeeded on attempt ${flakyCalls}`;
  },
});
let brokenCalls = 0;
df.app.activity('toyAlwaysFails', {
  handler: () => {
    brokenCalls += 1;
    throw new Error('the quota is exhausted');
  },
});

df.app.orchestration('toyRetry', function* (context) {
  const retry = new df.RetryOptions(1000, 5);
  retry.backoffCoefficient = 2;
  const result: string = yield context.df.callActivityWithRetry('toyFlaky', retry, { failures: 2 });
  const after: number = yield context.df.callActivity('toyDouble', 21);
  return { result, after };
});

df.app.orchestration('toyRetryExhausted', function* (context) {
  const retry = new df.RetryOptions(500, 3);
  try {
    yield context.df.callActivityWithRetry('toyAlwaysFails', retry, 'x');
    return { caught: null };
  } catch (error) {
    return { caught: (error as Error).message };
  }
});

let releaseSlowActivity: (() => void) | undefined;
let slowStarted: (() => void) | undefined;
let slowCalls = 0;
df.app.activity('toySlow', {
  handler: async (input: string) => {
    slowCalls += 1;
    if (slowCalls === 1) {
      slowStarted?.();
      await new Promise<void>((resolve) => (releaseSlowActivity = resolve));
    }
    return `slow ${input} (call ${slowCalls})`;
  },
});
df.app.orchestration('toySlowFlow', function* (context) {
  const result: string = yield context.df.callActivity('toySlow', 'work');
  return result;
});

df.app.orchestration('toyNap', function* (context) {
  yield context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + 30));
  return 'woke';
});

df.app.orchestration('toySubOrchestrating', function* (context) {
  yield context.df.callSubOrchestrator('toyChain', 1);
  return 'unreachable';
});
df.app.orchestration('toyThrowing', function* (context) {
  yield context.df.callActivity('toyDouble', 1);
  throw new Error('orchestrator gave up');
});

// A deadline timer raced against an event in a loop, as the scan wait does: the same timer task
// takes part in several Task.any calls.
df.app.orchestration('toyDeadlineLoop', function* (context) {
  const deadline = context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + 60_000));
  for (let answers = 1; ; answers++) {
    const winner = yield context.df.Task.any([context.df.waitForExternalEvent('Answer'), deadline]);
    if (winner === deadline) return `deadline after ${answers - 1} answers`;
    const doubled: number = yield context.df.callActivity('toyDouble', answers);
    if (doubled >= 4) {
      deadline.cancel();
      return `done with ${doubled}`;
    }
  }
});

// ---- helpers ------------------------------------------------------------------------------------

const T0 = new Date('2026-01-01T00:00:00.000Z');
let clock = T0;
const advance = (ms: number) => (clock = new Date(clock.getTime() + ms));
const logs: string[] = [];
const backends: LocalDurableBackend[] = [];
const tempDirs: string[] = [];

function backendWith(options: Partial<LocalDurableBackendOptions> = {}): LocalDurableBackend {
  const backend = new LocalDurableBackend({ registrations, now: () => clock, log: (line) => logs.push(line), ...options });
  backends.push(backend);
  return backend;
}

async function openBackend(historyDir: string): Promise<LocalDurableBackend> {
  const backend = await LocalDurableBackend.open({ registrations, historyDir, now: () => clock, log: (line) => logs.push(line) });
  backends.push(backend);
  return backend;
}

async function newHistoryDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'durable-backend-'));
  tempDirs.push(dir);
  return dir;
}

/** Fires due timers and lets the resulting episodes and activities settle. */
async function fireAndSettle(backend: LocalDurableBackend): Promise<void> {
  await backend.fireDueTimers();
  await backend.idle();
}

function eventTypes(backend: LocalDurableBackend, instanceId: string): string[] {
  return (backend.getHistory(instanceId) ?? []).map((event) => historyEventTypeName(event.EventType));
}

beforeEach(() => {
  clock = T0;
  flakyCalls = 0;
  brokenCalls = 0;
  slowCalls = 0;
  activityContexts.length = 0;
  logs.length = 0;
});

afterEach(async () => {
  releaseSlowActivity?.();
  releaseSlowActivity = undefined;
  for (const backend of backends.splice(0)) await backend.stop({ graceMs: 100 });
});

afterAll(async () => {
  for (const dir of tempDirs) await rm(dir, { recursive: true, force: true });
});

// ---- tests --------------------------------------------------------------------------------------

test('an activity chain completes with the results of both activities', async () => {
  const backend = backendWith();
  const instanceId = await backend.startNew('toyChain', { instanceId: 'chain-1', input: 5 });
  expect(instanceId).toBe('chain-1');
  expect(backend.getStatus('chain-1')?.runtimeStatus).toMatch(/Pending|Running/);
  await backend.idle();

  expect(backend.getStatus('chain-1')).toMatchObject({
    name: 'toyChain',
    instanceId: 'chain-1',
    input: 5,
    runtimeStatus: 'Completed',
    output: { doubled: 10, greeting: 'hello ada' },
  });
  expect(activityContexts).toEqual([{ functionName: 'toyDouble', invocationId: expect.stringMatching(/^[0-9a-f-]{36}$/) }]);
  expect(eventTypes(backend, 'chain-1')).toEqual([
    'OrchestratorStarted', 'ExecutionStarted', 'TaskScheduled', 'OrchestratorCompleted',
    'OrchestratorStarted', 'TaskCompleted', 'TaskScheduled', 'OrchestratorCompleted',
    'OrchestratorStarted', 'TaskCompleted', 'ExecutionCompleted', 'OrchestratorCompleted',
  ]);
});

test('a generated instance id is returned when none is given', async () => {
  const backend = backendWith();
  const instanceId = await backend.startNew('toyChain', { input: 1 });
  expect(instanceId).toMatch(/^[0-9a-f]{32}$/);
  await backend.idle();
  expect(backend.listInstances().map((status) => status.instanceId)).toEqual([instanceId]);
});

test.each([
  ['V1 (flattened actions)', ReplaySchema.V1],
  ['V3 (compound actions)', ReplaySchema.V3],
])('Task.all fans out and in under schema %s', async (_label, replaySchemaVersion) => {
  const backend = backendWith({ replaySchemaVersion });
  await backend.startNew('toyFanOut', { instanceId: 'fan' });
  await backend.idle();
  expect(backend.getStatus('fan')).toMatchObject({ runtimeStatus: 'Completed', output: [2, 4, 6] });
});

test('waitForExternalEvent completes when the event is raised', async () => {
  const backend = backendWith();
  await backend.startNew('toyApproval', { instanceId: 'approval-1' });
  await backend.idle();
  expect(backend.getStatus('approval-1')).toMatchObject({ runtimeStatus: 'Running', customStatus: { stage: 'awaiting approval' } });

  await expect(backend.raiseEvent('approval-1', 'Approval', { approved: true, by: 'alice' })).resolves.toBe(true);
  await backend.idle();
  expect(backend.getStatus('approval-1')).toMatchObject({ runtimeStatus: 'Completed', output: { decision: { approved: true, by: 'alice' } } });

  // The client treats "not running" (410) as success: no error, no effect.
  await expect(backend.raiseEvent('approval-1', 'Approval', 'late')).resolves.toBe(false);
  await expect(backend.raiseEvent('nobody', 'Approval', 1)).rejects.toMatchObject({ status: 404 });
});

describe.each([
  ['V1', ReplaySchema.V1],
  ['V3', ReplaySchema.V3],
])('a timer raced in several Task.any calls (%s)', (_name, replaySchemaVersion) => {
  test('is one timer: the loop goes on after each event and completes', async () => {
    const backend = backendWith({ replaySchemaVersion });
    await backend.startNew('toyDeadlineLoop', { instanceId: `deadline-loop-${replaySchemaVersion}` });
    await backend.idle();
    for (const answer of [1, 2]) {
      await backend.raiseEvent(`deadline-loop-${replaySchemaVersion}`, 'Answer', answer);
      await backend.idle();
    }
    expect(backend.getStatus(`deadline-loop-${replaySchemaVersion}`)).toMatchObject({ runtimeStatus: 'Completed', output: 'done with 4' });
    expect(eventTypes(backend, `deadline-loop-${replaySchemaVersion}`).filter((type) => type === 'TimerCreated')).toHaveLength(1);
  });

  test('still fires when no event comes', async () => {
    const backend = backendWith({ replaySchemaVersion });
    await backend.startNew('toyDeadlineLoop', { instanceId: `deadline-fires-${replaySchemaVersion}` });
    await backend.idle();
    await backend.raiseEvent(`deadline-fires-${replaySchemaVersion}`, 'Answer', 1);
    await backend.idle();
    advance(60_001);
    await backend.fireDueTimers();
    await backend.idle();
    expect(backend.getStatus(`deadline-fires-${replaySchemaVersion}`)).toMatchObject({ runtimeStatus: 'Completed', output: 'deadline after 1 answers' });
  });
});

test('an event raised before the orchestrator waits for it is not lost', async () => {
  const backend = backendWith();
  await backend.startNew('toyLateListener', { instanceId: 'late-1' });
  await backend.idle();
  await backend.raiseEvent('late-1', 'Early', 'arrived first');
  await backend.idle();
  expect(backend.getStatus('late-1')?.runtimeStatus).toBe('Running');

  advance(60_000);
  await fireAndSettle(backend);
  expect(backend.getStatus('late-1')).toMatchObject({ runtimeStatus: 'Completed', output: { early: 'arrived first' } });
});

describe.each([
  ['V1', ReplaySchema.V1],
  ['V3', ReplaySchema.V3],
])('Task.any of an event and a timer (schema %s)', (_label, replaySchemaVersion) => {
  test('the timer wins when the deadline passes first', async () => {
    const backend = backendWith({ replaySchemaVersion });
    await backend.startNew('toyRace', { instanceId: 'race-timer' });
    await backend.idle();

    advance(3_599_999);
    await fireAndSettle(backend);
    expect(backend.getStatus('race-timer')?.runtimeStatus).toBe('Running');

    advance(1);
    await fireAndSettle(backend);
    expect(backend.getStatus('race-timer')).toMatchObject({ runtimeStatus: 'Completed', output: { outcome: 'expired' } });
  });

  test('the event wins and the cancelled timer never fires', async () => {
    const backend = backendWith({ replaySchemaVersion });
    await backend.startNew('toyRace', { instanceId: 'race-event' });
    await backend.idle();
    await backend.raiseEvent('race-event', 'Decision', { approved: true });
    await backend.idle();
    expect(backend.getStatus('race-event')).toMatchObject({ runtimeStatus: 'Running', customStatus: 'decided' });

    advance(2 * 3_600_000);
    await fireAndSettle(backend);
    expect(eventTypes(backend, 'race-event')).not.toContain('TimerFired');

    await backend.raiseEvent('race-event', 'Finish', 'done');
    await backend.idle();
    expect(backend.getStatus('race-event')).toMatchObject({
      runtimeStatus: 'Completed',
      output: { outcome: 'decided', decision: { approved: true }, finish: 'done' },
    });
  });
});

test('callActivityWithRetry retries with backoff and completes when an attempt succeeds', async () => {
  const backend = backendWith();
  await backend.startNew('toyRetry', { instanceId: 'retry-ok' });
  await backend.idle();
  expect(flakyCalls).toBe(1);

  // First retry 1000 ms after the first failure, not earlier.
  advance(999);
  await fireAndSettle(backend);
  expect(flakyCalls).toBe(1);
  advance(1);
  await fireAndSettle(backend);
  expect(flakyCalls).toBe(2);

  // Backoff coefficient 2: the second retry waits 2000 ms.
  advance(1999);
  await fireAndSettle(backend);
  expect(flakyCalls).toBe(2);
  advance(1);
  await fireAndSettle(backend);

  expect(flakyCalls).toBe(3);
  expect(backend.getStatus('retry-ok')).toMatchObject({
    runtimeStatus: 'Completed',
    output: { result: 'succeeded on attempt 3', after: 42 },
  });

  const history = backend.getHistory('retry-ok') ?? [];
  const tasks = history
    .filter((event) => event.EventType !== 12 && event.EventType !== 13)
    .map((event) => `${historyEventTypeName(event.EventType)}#${event.EventId >= 0 ? event.EventId : (event.TaskScheduledId ?? event.TimerId ?? '')}`);
  expect(tasks).toEqual([
    'ExecutionStarted#',
    'TaskScheduled#0', 'TaskFailed#0', 'TimerCreated#1', 'TimerFired#1',
    'TaskScheduled#2', 'TaskFailed#2', 'TimerCreated#3', 'TimerFired#3',
    'TaskScheduled#4', 'TaskCompleted#4',
    // The activity after the retried one is numbered after all the retry steps.
    'TaskScheduled#5', 'TaskCompleted#5',
    'ExecutionCompleted#',
  ]);
  const timerFireAts = history.filter((event) => historyEventTypeName(event.EventType) === 'TimerCreated').map((event) => event.FireAt);
  expect(timerFireAts).toEqual(['2026-01-01T00:00:01.000Z', '2026-01-01T00:00:03.000Z']);
});

test('callActivityWithRetry that never succeeds surfaces the last failure to the orchestrator', async () => {
  const backend = backendWith();
  await backend.startNew('toyRetryExhausted', { instanceId: 'retry-fail' });
  await backend.idle();
  for (let step = 0; step < 5 && backend.getStatus('retry-fail')?.runtimeStatus === 'Running'; step++) {
    advance(500);
    await fireAndSettle(backend);
  }

  expect(brokenCalls).toBe(3);
  const status = backend.getStatus('retry-fail');
  expect(status?.runtimeStatus).toBe('Completed');
  expect((status?.output as { caught: string }).caught).toContain("Activity function 'toyAlwaysFails' failed: the quota is exhausted");
  // The framework waits on one more backoff timer after the last attempt before giving up.
  expect(eventTypes(backend, 'retry-fail').filter((type) => /^(Task|Timer)/.test(type))).toEqual([
    'TaskScheduled', 'TaskFailed', 'TimerCreated', 'TimerFired',
    'TaskScheduled', 'TaskFailed', 'TimerCreated', 'TimerFired',
    'TaskScheduled', 'TaskFailed', 'TimerCreated', 'TimerFired',
  ]);
});

test('an instance waiting for an event survives a restart of the backend', async () => {
  const historyDir = await newHistoryDir();
  const first = await openBackend(historyDir);
  await first.startNew('toyApproval', { instanceId: 'persisted-1', input: { requestId: 'r1' } });
  await first.idle();
  await first.stop();

  const persisted = JSON.parse(await readFile(join(historyDir, 'persisted-1.json'), 'utf8'));
  expect(persisted).toMatchObject({ instanceId: 'persisted-1', runtimeStatus: 'Running', input: { requestId: 'r1' } });
  expect(persisted.history.length).toBeGreaterThan(0);

  const second = await openBackend(historyDir);
  expect(second.getStatus('persisted-1')).toMatchObject({ runtimeStatus: 'Running', customStatus: { stage: 'awaiting approval' } });
  await second.raiseEvent('persisted-1', 'Approval', 'yes');
  await second.idle();
  expect(second.getStatus('persisted-1')).toMatchObject({ runtimeStatus: 'Completed', output: { decision: 'yes' } });
  await expect(first.raiseEvent('persisted-1', 'Approval', 'no')).rejects.toMatchObject({ status: 503 });
});

test('a timer that fell due while the backend was stopped fires on reload', async () => {
  const historyDir = await newHistoryDir();
  const first = await openBackend(historyDir);
  await first.startNew('toyRace', { instanceId: 'persisted-timer' });
  await first.idle();
  await first.stop();

  advance(3_600_000);
  const second = await openBackend(historyDir);
  await second.idle();
  expect(second.getStatus('persisted-timer')).toMatchObject({ runtimeStatus: 'Completed', output: { outcome: 'expired' } });
});

test('an activity scheduled but not completed at stop runs again after reload', async () => {
  const historyDir = await newHistoryDir();
  const first = await openBackend(historyDir);
  const started = new Promise<void>((resolve) => (slowStarted = resolve));
  await first.startNew('toySlowFlow', { instanceId: 'rerun-1' });
  await started;
  await first.stop({ graceMs: 20 });
  expect(first.getStatus('rerun-1')?.runtimeStatus).toBe('Running');

  const second = await openBackend(historyDir);
  await second.idle();
  expect(slowCalls).toBe(2);
  expect(second.getStatus('rerun-1')).toMatchObject({ runtimeStatus: 'Completed', output: 'slow work (call 2)' });

  // The abandoned first run finishing late changes nothing.
  releaseSlowActivity?.();
  await new Promise((resolve) => setImmediate(resolve));
  await second.idle();
  // What a start after a crash now would load, read from a copy: loading files the journals away.
  const copy = await newHistoryDir();
  await cp(historyDir, copy, { recursive: true });
  const persisted = (await new InstanceFiles(copy).loadAll(() => undefined)).find((loaded) => loaded.instanceId === 'rerun-1');
  expect(persisted?.output).toBe('slow work (call 2)');
});

test('startNew on a running instance id is a 409; a finished one is replaced', async () => {
  const backend = backendWith();
  await backend.startNew('toyApproval', { instanceId: 'dup-1' });
  await backend.idle();
  const conflict = await backend.startNew('toyApproval', { instanceId: 'dup-1' }).catch((error: unknown) => error);
  expect(conflict).toBeInstanceOf(DurableBackendError);
  expect(conflict).toMatchObject({ status: 409, message: expect.stringContaining('Running') });

  await backend.terminate('dup-1', 'cancelled by test');
  expect(backend.getStatus('dup-1')).toMatchObject({ runtimeStatus: 'Terminated', output: 'cancelled by test' });
  await expect(backend.terminate('dup-1', 'again')).resolves.toBe(false);

  await backend.startNew('toyChain', { instanceId: 'dup-1', input: 2 });
  await backend.idle();
  expect(backend.getStatus('dup-1')).toMatchObject({ name: 'toyChain', runtimeStatus: 'Completed', output: { doubled: 4 } });
  expect(eventTypes(backend, 'dup-1')[1]).toBe('ExecutionStarted');
  expect(eventTypes(backend, 'dup-1')).not.toContain('ExecutionTerminated');
});

test('invalid instance ids and unknown orchestrators are rejected with 400', async () => {
  const backend = backendWith();
  for (const instanceId of ['a/b', 'a\\b', 'a?b', 'a#b', 'tab\there', '']) {
    await expect(backend.startNew('toyChain', { instanceId })).rejects.toMatchObject({ status: 400 });
  }
  await expect(backend.startNew('noSuchOrchestrator')).rejects.toMatchObject({ status: 400 });
});

test('unsupported actions and orchestrator exceptions fail the instance, not the host', async () => {
  const backend = backendWith();
  await backend.startNew('toySubOrchestrating', { instanceId: 'sub-1' });
  await backend.startNew('toyThrowing', { instanceId: 'throw-1' });
  await backend.idle();

  expect(backend.getStatus('sub-1')).toMatchObject({ runtimeStatus: 'Failed', output: expect.stringContaining('sub-orchestrations') });
  expect(backend.getStatus('throw-1')).toMatchObject({ runtimeStatus: 'Failed', output: expect.stringContaining('orchestrator gave up') });
  expect(eventTypes(backend, 'throw-1').slice(-2)).toEqual(['ExecutionFailed', 'OrchestratorCompleted']);
});

test('start() fires due timers on its own; stop() ends the polling', async () => {
  const backend = backendWith({ now: () => new Date(), timerPollIntervalMs: 10 });
  await backend.start();
  await backend.startNew('toyNap', { instanceId: 'polled-1' });
  const deadline = Date.now() + 5000;
  while (backend.getStatus('polled-1')?.runtimeStatus !== 'Completed' && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  expect(backend.getStatus('polled-1')).toMatchObject({ runtimeStatus: 'Completed', output: 'woke' });
  await backend.stop();
});
