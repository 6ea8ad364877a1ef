/**
 * durable-functions 3.5.0 ships its replay entry points in `lib/src/util/testingUtils.js` without
 * declaring them. `df.app.orchestration` registers exactly `createOrchestrator(handler)`, and
 * `DurableOrchestrationInput` is the trigger payload the Functions host would hand it, so the local
 * backend drives the real replay executor through these two. Pinned version: see package.json.
 */
declare module 'durable-functions/lib/src/util/testingUtils' {
  import type { InvocationContext } from '@azure/functions';
  import type { OrchestrationHandler } from 'durable-functions';

  export class DurableOrchestrationInput {
    constructor(
      instanceId?: string,
      history?: unknown[],
      input?: unknown,
      longRunningTimerIntervalDuration?: string,
      maximumShortTimerDuration?: string,
      defaultHttpAsyncRequestSleepTimeMillseconds?: number,
      schemaVersion?: number,
      isReplaying?: boolean,
      parentInstanceId?: string,
    );
  }

  /** What one replay returns when the orchestrator has not failed (failures throw, see OrchestrationFailureError). */
  export interface ReplayedOrchestratorState {
    isDone: boolean;
    /** V1: one array per yielded action, compound actions flattened; V2+: `[allActions]` with compound actions. */
    actions: unknown[][];
    output?: unknown;
    error?: string;
    customStatus?: unknown;
    schemaVersion: number;
  }

  export type RegisteredOrchestrator = (
    trigger: DurableOrchestrationInput,
    context: InvocationContext,
  ) => Promise<ReplayedOrchestratorState>;

  export function createOrchestrator(handler: OrchestrationHandler): RegisteredOrchestrator;
}
