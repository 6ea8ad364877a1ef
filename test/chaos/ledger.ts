/**
 * What the storm's clients were told. An action is acknowledged when the client received its 2xx
 * (create 201, upload 201, submit/review/cancel/revoke 200): from then on the airlock owes it,
 * whatever happens to the process. Everything else (no answer, a 5xx) is only an attempt.
 * Order is a logical clock, not wall time, so no check depends on timing.
 */
import { RequestStatus, RequestType } from '../../src/domain/status';

export type Ending = 'approve' | 'reject' | 'changesThenApprove' | 'cancelDraft' | 'cancelInReview' | 'revoke' | 'blockedByScan';
export type AcknowledgedAction = 'create' | 'upload' | 'submit' | 'review' | 'cancel' | 'revoke';

export interface PlannedFile {
  name: string;
  content: Buffer;
  sha256: string;
}

export interface LifecyclePlan {
  index: number;
  type: RequestType;
  requester: 'rita' | 'remy';
  reviewer: 'mona' | 'mark';
  ending: Ending;
  files: PlannedFile[];
  /** changesThenApprove: what the requester uploads after the files come back (a changed file, a new one) */
  revisedFiles: PlannedFile[];
  /** upload one more file through the draft link right after the submit was acknowledged */
  lateUpload?: PlannedFile;
}

export interface Acknowledgement {
  clock: number;
  action: AcknowledgedAction;
  /** the request's status in the response (absent for uploads) */
  statusAfter?: RequestStatus;
  detail?: string;
}

export interface AcknowledgedUpload {
  clock: number;
  name: string;
  sha256: string;
  /** the submission this upload belongs to: 1 before the first submit, 2 after changes were requested... */
  cycle: number;
  /** sent through a link of a submission already acknowledged: must not become part of it */
  late: boolean;
}

export interface Submission {
  cycle: number;
  /** when the first submit attempt was sent */
  sentAt: number;
  acknowledged: boolean;
  /** what the requester had in the draft stage when submitting: name → sha256 */
  expectedFiles: Map<string, string>;
}

/** A lifecycle's record: the plan, what was acknowledged, what the client saw go wrong. */
export interface LifecycleRecord {
  plan: LifecyclePlan;
  requestId?: string;
  acknowledgements: Acknowledgement[];
  uploads: AcknowledgedUpload[];
  submissions: Submission[];
  /** uploads that were attempted but never acknowledged: their names may or may not be present */
  unacknowledgedUploads: { name: string; sha256: string; cycle: number }[];
  /** creates that got no answer: a request may or may not exist for each */
  unansweredCreates: number;
  /** the status the plan ends in, once the lifecycle got far enough to know it */
  expectedFinal?: RequestStatus;
  /** what the client was refused or never saw, with the evidence (a lifecycle that could not go on) */
  problems: string[];
  /** where the client is, for the kill report */
  phase: string;
  finished: boolean;
}

export class Ledger {
  private clock = 0;
  readonly lifecycles: LifecycleRecord[] = [];

  tick(): number {
    return ++this.clock;
  }

  open(plan: LifecyclePlan): LifecycleRecord {
    const record: LifecycleRecord = {
      plan,
      acknowledgements: [],
      uploads: [],
      submissions: [],
      unacknowledgedUploads: [],
      unansweredCreates: 0,
      problems: [],
      phase: 'not started',
      finished: false,
    };
    this.lifecycles.push(record);
    return record;
  }

  acknowledge(record: LifecycleRecord, action: AcknowledgedAction, statusAfter?: RequestStatus, detail?: string): void {
    record.acknowledgements.push({ clock: this.tick(), action, statusAfter, detail });
  }

  acknowledgedCount(): Record<AcknowledgedAction, number> {
    const counts: Record<AcknowledgedAction, number> = { create: 0, upload: 0, submit: 0, review: 0, cancel: 0, revoke: 0 };
    for (const record of this.lifecycles) for (const ack of record.acknowledgements) counts[ack.action] += 1;
    return counts;
  }
}
