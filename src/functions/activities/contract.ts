/**
 * The contract between the lifecycle orchestrator and its activities: for each activity, the name
 * Durable Functions dispatches on and the shapes of what goes in and what comes back. The
 * registration and the orchestrator's call both go through the same descriptor, so a renamed
 * activity or a changed input cannot leave one side behind.
 */
import { InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import type { ScanSummary } from '../../domain/scan';
import type { RequestStatus } from '../../domain/status';
import type { LifecycleInput } from '../lifecycleNames';
import type { FailInput } from './failRequest';
import type { HashedVersions } from './hashSubmittedFiles';
import type { MoveInput, MoveResult } from './moveFiles';
import type { StageInput } from './provisionContainer';
import type { PublishAuditEventsInput } from './publishAuditEvents';
import type { StoredStatus } from './readRequestStatus';
import type { ScanOutcome } from './requestScan';
import type { StatusInput } from './setRequestStatus';

declare const shapes: unique symbol;

export interface Activity<Input, Output> {
  readonly name: string;
  /** Never present at run time: Durable Functions passes plain JSON, so the shapes live in the type only. */
  readonly [shapes]?: { input: Input; output: Output };
}

export type SomeActivity = Activity<unknown, unknown>;
export type InputOf<A extends SomeActivity> = A extends Activity<infer Input, unknown> ? Input : never;
export type OutputOf<A extends SomeActivity> = A extends Activity<unknown, infer Output> ? Output : never;

/** The handler an activity's registration must supply. */
export type ActivityHandlerOf<A extends SomeActivity> = (input: InputOf<A>, context: InvocationContext) => Promise<OutputOf<A>>;

function activity<Input, Output>(name: string): Activity<Input, Output> {
  return { name };
}

export const ACTIVITIES = {
  provisionContainer: activity<StageInput, void>('provisionContainer'),
  readRequestStatus: activity<LifecycleInput, StoredStatus>('readRequestStatus'),
  hashSubmittedFiles: activity<LifecycleInput, HashedVersions>('hashSubmittedFiles'),
  moveFiles: activity<MoveInput, MoveResult>('moveFiles'),
  checkContent: activity<StageInput, ScanSummary>('checkContent'),
  requestScan: activity<StageInput, ScanOutcome>('requestScan'),
  readScanOutcome: activity<LifecycleInput, ScanSummary>('readScanOutcome'),
  setRequestStatus: activity<StatusInput, RequestStatus>('setRequestStatus'),
  deleteStageData: activity<StageInput, void>('deleteStageData'),
  failRequest: activity<FailInput, RequestStatus>('failRequest'),
  publishAuditEvents: activity<PublishAuditEventsInput, number>('publishAuditEvents'),
} as const;

/** Registers `handler` under the activity's name; the compiler holds it to the activity's shapes. */
export function registerActivity<A extends SomeActivity>(activity: A, handler: ActivityHandlerOf<A>): void {
  df.app.activity(activity.name, { handler });
}
