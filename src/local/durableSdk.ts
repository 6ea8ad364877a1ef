/**
 * Everything the local durable backend takes from durable-functions beyond its public API, in one
 * place: the replay entry points in `lib/src/util/testingUtils` (undeclared in the package's types)
 * and the wire numbers the executor reads and writes (action types, history event types, replay
 * schema versions) plus the label its failure messages carry. They are internals of the pinned
 * version below; test/local/durableSdk.test.ts compares each with the installed package and names
 * whatever an upgrade changed.
 */
import type { InvocationContext } from '@azure/functions';
import type { OrchestrationHandler } from 'durable-functions';

/** Exactly the version in package.json: these internals are only known to hold for it. */
export const PINNED_DURABLE_FUNCTIONS_VERSION = '3.5.0';

/** The trigger payload the Functions host hands an orchestrator (DurableOrchestrationBindingInfo), as built by testingUtils. */
export interface DurableOrchestrationInput {
  readonly instanceId: string;
  readonly history: unknown[];
  readonly input: unknown;
  readonly longRunningTimerIntervalDuration: string;
  readonly maximumShortTimerDuration: string;
  readonly defaultHttpAsyncRequestSleepTimeMillseconds: number;
  readonly upperSchemaVersion: number;
  readonly isReplaying: boolean;
  readonly parentInstanceId: string;
}

interface DurableOrchestrationInputConstructor {
  new (
    instanceId?: string,
    history?: unknown[],
    input?: unknown,
    longRunningTimerIntervalDuration?: string,
    maximumShortTimerDuration?: string,
    defaultHttpAsyncRequestSleepTimeMillseconds?: number,
    schemaVersion?: number,
    isReplaying?: boolean,
    parentInstanceId?: string,
  ): DurableOrchestrationInput;
}

/** What one replay returns when the orchestrator has not failed (failures throw, see OUT_OF_PROC_DATA_LABEL). */
export interface ReplayedOrchestratorState {
  isDone: boolean;
  /** V1: one array per yielded action, compound actions flattened; V2+: `[allActions]` with compound actions. */
  actions: unknown[][];
  output?: unknown;
  error?: string;
  customStatus?: unknown;
  schemaVersion: number;
}

/** The handler `df.app.orchestration` registers: `createOrchestrator(handler)`, fed the trigger payload the host would send. */
export type RegisteredOrchestrator = (trigger: DurableOrchestrationInput, context: InvocationContext) => Promise<ReplayedOrchestratorState>;

interface TestingUtils {
  DurableOrchestrationInput: DurableOrchestrationInputConstructor;
  createOrchestrator(handler: OrchestrationHandler): RegisteredOrchestrator;
}

// A require rather than an import: the module ships without type declarations, so its shape is
// stated here (TestingUtils) and checked against the package by the test.
const testingUtils: TestingUtils = require('durable-functions/lib/src/util/testingUtils');

export const DurableOrchestrationInput: DurableOrchestrationInputConstructor = testingUtils.DurableOrchestrationInput;
export const createOrchestrator: TestingUtils['createOrchestrator'] = testingUtils.createOrchestrator;

/** durable-functions' ActionType (lib/src/actions/ActionType). */
export const ActionType = {
  CallActivity: 0,
  CallActivityWithRetry: 1,
  CallSubOrchestrator: 2,
  CallSubOrchestratorWithRetry: 3,
  ContinueAsNew: 4,
  CreateTimer: 5,
  WaitForExternalEvent: 6,
  CallEntity: 7,
  CallHttp: 8,
  SignalEntity: 9,
  WhenAny: 11,
  WhenAll: 12,
  LockEntities: 13,
  ReleaseEntities: 14,
} as const;

/** The history event types this backend writes (lib/src/history/HistoryEventType). */
export const HistoryEventType = {
  ExecutionStarted: 0,
  ExecutionCompleted: 1,
  ExecutionFailed: 2,
  ExecutionTerminated: 3,
  TaskScheduled: 4,
  TaskCompleted: 5,
  TaskFailed: 6,
  TimerCreated: 10,
  TimerFired: 11,
  OrchestratorStarted: 12,
  OrchestratorCompleted: 13,
  EventRaised: 15,
} as const;

/** Replay schema versions of the JS SDK (lib/src/orchestrations/ReplaySchema); the Functions host announces V3. */
export const ReplaySchema = { V1: 0, V2: 1, V3: 2 } as const;
export type ReplaySchemaVersion = (typeof ReplaySchema)[keyof typeof ReplaySchema];

/**
 * The executor throws OrchestrationFailureError (lib/src/error), whose message is the error
 * followed by this label and the orchestrator state as JSON; the real error is `state.error`.
 */
export const OUT_OF_PROC_DATA_LABEL = '\n\n$OutOfProcData$:';
