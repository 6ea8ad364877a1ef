/**
 * The persisted state of one orchestration instance in the local durable backend, and the public
 * status view derived from it. Everything here is plain JSON so an instance survives a restart of
 * the local host exactly as it was left.
 */
import type { RetryPolicy } from './activityRetry';
import type { HistoryEvent } from './historyEvents';

export type RuntimeStatus = 'Pending' | 'Running' | 'Completed' | 'Failed' | 'Terminated';

/** One attempt of an activity call; retries carry the policy so the next attempt can be scheduled. */
export interface ActivityCall {
  name: string;
  /** The input as JSON text, as it travels through Azure's queues; absent when the orchestrator passed none. */
  inputJson?: string;
  retryPolicy?: RetryPolicy;
  /** 1 for the first attempt. */
  attempt: number;
}

export interface PendingActivity extends ActivityCall {
  taskId: number;
}

export interface PendingTimer {
  timerId: number;
  fireAt: string;
  /** Position of the CreateTimer action among the orchestrator's actions, to honour `timer.cancel()`. */
  actionIndex?: number;
  /** Set for the backoff timer the framework inserts after a failed attempt of a retried activity. */
  retryOf?: ActivityCall;
}

/**
 * Work waiting for the orchestrator, in arrival order (Azure's control queue). Each message gets
 * an episode of its own: the executor numbers the retry bookkeeping tasks while it reads the
 * history, and one message per episode keeps those numbers in step with the ones assigned here.
 */
export type InboxMessage =
  | { kind: 'executionStarted' }
  | { kind: 'eventRaised'; name: string; inputJson?: string }
  | { kind: 'activityCompleted'; taskId: number; resultJson: string }
  | { kind: 'activityFailed'; taskId: number; reason: string; details: string; call: ActivityCall }
  | { kind: 'timerFired'; timerId: number; fireAt: string; retryOf?: ActivityCall };

export const INSTANCE_FORMAT_VERSION = 1;

export interface InstanceRecord {
  formatVersion: typeof INSTANCE_FORMAT_VERSION;
  instanceId: string;
  /** Changes when a finished instance is replaced, so late results of the old run are recognised. */
  executionId: string;
  name: string;
  input: unknown;
  history: HistoryEvent[];
  runtimeStatus: RuntimeStatus;
  output: unknown;
  customStatus: unknown;
  createdTime: string;
  lastUpdatedTime: string;
  /** Mirrors the replay executor's sequence counter: activities, timers and retry steps share it. */
  nextTaskId: number;
  /** How many of the orchestrator's (flattened) actions have already been turned into history. */
  handledActionCount: number;
  inbox: InboxMessage[];
  pendingTimers: PendingTimer[];
  pendingActivities: PendingActivity[];
}

export interface OrchestrationStatus {
  name: string;
  instanceId: string;
  createdTime: string;
  lastUpdatedTime: string;
  input: unknown;
  output: unknown;
  runtimeStatus: RuntimeStatus;
  customStatus: unknown;
}

/** Pending and Running instances accept events and block a new instance with the same id. */
export function isActive(status: RuntimeStatus): boolean {
  return status === 'Pending' || status === 'Running';
}

export function statusOf(record: InstanceRecord): OrchestrationStatus {
  // Copies, so a caller holding a status cannot reach into the live record.
  return {
    name: record.name,
    instanceId: record.instanceId,
    createdTime: record.createdTime,
    lastUpdatedTime: record.lastUpdatedTime,
    input: jsonCopy(record.input),
    output: jsonCopy(record.output),
    runtimeStatus: record.runtimeStatus,
    customStatus: jsonCopy(record.customStatus),
  };
}

export function jsonCopy<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}

const RUNTIME_STATUSES: readonly RuntimeStatus[] = ['Pending', 'Running', 'Completed', 'Failed', 'Terminated'];

/** Shape check for records read back from disk; a file that fails it is skipped, not trusted. */
export function isInstanceRecord(value: unknown): value is InstanceRecord {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Partial<InstanceRecord>;
  return (
    record.formatVersion === INSTANCE_FORMAT_VERSION &&
    typeof record.instanceId === 'string' &&
    typeof record.executionId === 'string' &&
    typeof record.name === 'string' &&
    Array.isArray(record.history) &&
    RUNTIME_STATUSES.includes(record.runtimeStatus as RuntimeStatus) &&
    typeof record.createdTime === 'string' &&
    typeof record.lastUpdatedTime === 'string' &&
    typeof record.nextTaskId === 'number' &&
    typeof record.handledActionCount === 'number' &&
    Array.isArray(record.inbox) &&
    Array.isArray(record.pendingTimers) &&
    Array.isArray(record.pendingActivities)
  );
}
