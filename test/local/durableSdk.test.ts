import { InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ActionType,
  createOrchestrator,
  DurableOrchestrationInput,
  HistoryEventType,
  OUT_OF_PROC_DATA_LABEL,
  PINNED_DURABLE_FUNCTIONS_VERSION,
  RegisteredOrchestrator,
  ReplaySchema,
} from '../../src/local/durableSdk';
import { registrations } from '../../src/local/functionsCore';

// The installed package's own modules, read the way the executor reads them. Loaded with require
// because they ship without type declarations; each is only read as a name → number table.
const installedVersion = (JSON.parse(readFileSync(require.resolve('durable-functions/package.json'), 'utf8')) as { version: string }).version;
const installed = {
  ActionType: enumOf(require('durable-functions/lib/src/actions/ActionType').ActionType),
  HistoryEventType: enumOf(require('durable-functions/lib/src/history/HistoryEventType').HistoryEventType),
  ReplaySchema: enumOf(require('durable-functions/lib/src/orchestrations/ReplaySchema').ReplaySchema),
};

/** A TypeScript numeric enum object without its reverse (number → name) entries. */
function enumOf(compiled: unknown): Record<string, number> {
  if (typeof compiled !== 'object' || compiled === null) throw new Error(`durable-functions ${installedVersion}: expected an enum object, found ${String(compiled)}`);
  return Object.fromEntries(Object.entries(compiled).filter((entry): entry is [string, number] => typeof entry[1] === 'number'));
}

/** Every way `ours` disagrees with the package, in words, so a failing upgrade says what moved. */
function differences(name: string, ours: Record<string, number>, theirs: Record<string, number>, complete: boolean): string[] {
  const found = Object.entries(ours).flatMap(([key, value]) =>
    theirs[key] === undefined
      ? [`${name}.${key} (${value} here) no longer exists in durable-functions ${installedVersion}`]
      : theirs[key] !== value
        ? [`${name}.${key} is ${theirs[key]} in durable-functions ${installedVersion}, ${value} here`]
        : [],
  );
  const unknown = complete ? Object.keys(theirs).filter((key) => !(key in ours)) : [];
  return [...found, ...unknown.map((key) => `${name}.${key} = ${theirs[key]} is new in durable-functions ${installedVersion} and unknown here`)];
}

df.app.activity('sdkPinShout', { handler: (text: string) => text.toUpperCase() });
df.app.orchestration('sdkPinFlow', function* (context) {
  return yield context.df.callActivity('sdkPinShout', 'pinned');
});

const context = () => new InvocationContext({ functionName: 'sdkPinFlow', invocationId: 'sdk-pin' });
const startedHistory = (at: Date) => [
  { EventType: HistoryEventType.OrchestratorStarted, EventId: -1, IsPlayed: false, Timestamp: at.toISOString() },
  { EventType: HistoryEventType.ExecutionStarted, EventId: -1, IsPlayed: false, Timestamp: at.toISOString(), Name: 'sdkPinFlow', Input: '"in"' },
];

test('the installed durable-functions is the version package.json pins and these internals were taken from', () => {
  const manifest = JSON.parse(readFileSync(join(__dirname, '../../package.json'), 'utf8')) as { dependencies: Record<string, string> };
  expect({ pinned: manifest.dependencies['durable-functions'], installed: installedVersion }).toEqual({
    pinned: PINNED_DURABLE_FUNCTIONS_VERSION,
    installed: PINNED_DURABLE_FUNCTIONS_VERSION,
  });
});

test("our ActionType, HistoryEventType and ReplaySchema numbers are the package's own", () => {
  expect([
    // Every action type: one the backend does not know would be scheduled as nothing.
    ...differences('ActionType', ActionType, installed.ActionType, true),
    ...differences('HistoryEventType', HistoryEventType, installed.HistoryEventType, false),
    ...differences('ReplaySchema', ReplaySchema, installed.ReplaySchema, false),
  ]).toEqual([]);
});

test('DurableOrchestrationInput takes its arguments in the order the backend passes them', () => {
  const history = startedHistory(new Date('2025-01-01T00:00:00Z'));
  const trigger = new DurableOrchestrationInput('i-1', history, { a: 1 }, '3.00:00:00', '36500.00:00:00', 30_000, ReplaySchema.V3);
  expect({ ...trigger }).toMatchObject({
    instanceId: 'i-1',
    history,
    input: { a: 1 },
    longRunningTimerIntervalDuration: '3.00:00:00',
    maximumShortTimerDuration: '36500.00:00:00',
    defaultHttpAsyncRequestSleepTimeMillseconds: 30_000,
    upperSchemaVersion: ReplaySchema.V3,
    isReplaying: false,
  });
});

test('df.app.orchestration registers a handler that replays a history into actions, as createOrchestrator does', async () => {
  const registered = registrations.get('sdkPinFlow')?.handler as RegisteredOrchestrator | undefined;
  expect(typeof registered).toBe('function');
  const history = startedHistory(new Date('2025-01-01T00:00:00Z'));
  for (const orchestrator of [registered!, createOrchestrator(function* (ctx) { return yield ctx.df.callActivity('sdkPinShout', 'pinned'); })]) {
    const state = await orchestrator(new DurableOrchestrationInput('i-2', structuredClone(history), 'in', '3.00:00:00', '36500.00:00:00', 30_000, ReplaySchema.V3), context());
    expect(state).toMatchObject({ isDone: false, schemaVersion: ReplaySchema.V3 });
    expect(state.actions).toEqual([[expect.objectContaining({ actionType: ActionType.CallActivity, functionName: 'sdkPinShout' })]]);
  }
});

test('an orchestrator that throws fails with the message label the backend splits on', async () => {
  const failing = createOrchestrator(function* () {
    yield* [];
    throw new Error('boom from the orchestrator');
  });
  const failure = await failing(
    new DurableOrchestrationInput('i-3', startedHistory(new Date('2025-01-01T00:00:00Z')), undefined, '3.00:00:00', '36500.00:00:00', 30_000, ReplaySchema.V3),
    context(),
  ).then(
    () => undefined,
    (error: unknown) => (error instanceof Error ? error.message : String(error)),
  );
  expect(failure).toContain(OUT_OF_PROC_DATA_LABEL);
  const state = JSON.parse(failure!.slice(failure!.indexOf(OUT_OF_PROC_DATA_LABEL) + OUT_OF_PROC_DATA_LABEL.length)) as { error?: string };
  expect(state.error).toContain('boom from the orchestrator');
});
