/**
 * Orchestration history in the JSON shape the Functions host sends to the JavaScript worker
 * (PascalCase fields, ISO timestamps, results and inputs as JSON text). The durable-functions replay
 * executor reads exactly these fields; anything it ignores is kept only so a persisted history reads
 * like the one Azure would show.
 */

import { HistoryEventType } from './durableSdk';

export type HistoryEventTypeName = keyof typeof HistoryEventType;

export interface HistoryEvent {
  EventType: number;
  /** The task id for TaskScheduled/TimerCreated; -1 for everything else. */
  EventId: number;
  IsPlayed: boolean;
  Timestamp: string;
  Name?: string;
  Input?: string;
  Result?: string;
  Reason?: string;
  Details?: string;
  TaskScheduledId?: number;
  TimerId?: number;
  FireAt?: string;
  OrchestrationStatus?: string;
}

function event(type: number, at: Date, fields: Partial<HistoryEvent> = {}): HistoryEvent {
  return { EventType: type, EventId: -1, IsPlayed: false, Timestamp: at.toISOString(), ...fields };
}

export const historyEvents = {
  orchestratorStarted: (at: Date) => event(HistoryEventType.OrchestratorStarted, at),
  orchestratorCompleted: (at: Date) => event(HistoryEventType.OrchestratorCompleted, at),
  executionStarted: (at: Date, name: string, inputJson: string | undefined) =>
    event(HistoryEventType.ExecutionStarted, at, { Name: name, Input: inputJson }),
  executionCompleted: (at: Date, status: 'Completed' | 'Failed', resultJson: string | undefined) =>
    event(status === 'Completed' ? HistoryEventType.ExecutionCompleted : HistoryEventType.ExecutionFailed, at, {
      OrchestrationStatus: status,
      Result: resultJson,
    }),
  executionTerminated: (at: Date, reason: string) =>
    event(HistoryEventType.ExecutionTerminated, at, { Input: JSON.stringify(reason) }),
  taskScheduled: (at: Date, taskId: number, name: string, inputJson: string | undefined) =>
    event(HistoryEventType.TaskScheduled, at, { EventId: taskId, Name: name, Input: inputJson }),
  taskCompleted: (at: Date, taskId: number, resultJson: string) =>
    event(HistoryEventType.TaskCompleted, at, { TaskScheduledId: taskId, Result: resultJson }),
  taskFailed: (at: Date, taskId: number, reason: string, details: string) =>
    event(HistoryEventType.TaskFailed, at, { TaskScheduledId: taskId, Reason: reason, Details: details }),
  timerCreated: (at: Date, timerId: number, fireAt: string) =>
    event(HistoryEventType.TimerCreated, at, { EventId: timerId, FireAt: fireAt }),
  timerFired: (at: Date, timerId: number, fireAt: string) =>
    event(HistoryEventType.TimerFired, at, { TimerId: timerId, FireAt: fireAt }),
  eventRaised: (at: Date, name: string, inputJson: string | undefined) =>
    event(HistoryEventType.EventRaised, at, { Name: name, Input: inputJson }),
};

/** Readable names, for tests and logs: `[ 'OrchestratorStarted', 'ExecutionStarted', ... ]`. */
export function historyEventTypeName(type: number): HistoryEventTypeName | `EventType${number}` {
  const entry = Object.entries(HistoryEventType).find(([, value]) => value === type);
  return entry ? (entry[0] as HistoryEventTypeName) : `EventType${type}`;
}
