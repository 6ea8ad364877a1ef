import { IllegalTransitionError } from './errors';
import { RequestStatus } from './status';

/**
 * What causes a transition: a person's action through the API, or the airlock itself (data moved,
 * scan verdict, unrecoverable error).
 */
export type TransitionTrigger = 'submit' | 'cancel' | 'approve' | 'reject' | 'requestChanges' | 'revoke' | 'system';

export interface Transition {
  from: RequestStatus;
  to: RequestStatus;
  trigger: TransitionTrigger;
}

/**
 * THE transition table. HTTP handlers, the orchestrator and `allowedUserActions` all ask this table;
 * nothing else decides whether a status may follow another.
 */
export const TRANSITIONS: readonly Transition[] = [
  { from: 'draft', to: 'submitted', trigger: 'submit' },
  { from: 'draft', to: 'cancelled', trigger: 'cancel' },
  { from: 'draft', to: 'failed', trigger: 'system' },

  { from: 'submitted', to: 'in_review', trigger: 'system' },
  { from: 'submitted', to: 'blocking_in_progress', trigger: 'system' },
  { from: 'submitted', to: 'failed', trigger: 'system' },

  { from: 'in_review', to: 'approval_in_progress', trigger: 'approve' },
  { from: 'in_review', to: 'rejection_in_progress', trigger: 'reject' },
  { from: 'in_review', to: 'changes_requested', trigger: 'requestChanges' },
  { from: 'in_review', to: 'cancelled', trigger: 'cancel' },
  { from: 'in_review', to: 'failed', trigger: 'system' },

  { from: 'changes_requested', to: 'submitted', trigger: 'submit' },
  { from: 'changes_requested', to: 'cancelled', trigger: 'cancel' },
  { from: 'changes_requested', to: 'failed', trigger: 'system' },

  { from: 'approval_in_progress', to: 'approved', trigger: 'system' },
  { from: 'approval_in_progress', to: 'failed', trigger: 'system' },

  { from: 'rejection_in_progress', to: 'rejected', trigger: 'system' },
  { from: 'rejection_in_progress', to: 'failed', trigger: 'system' },

  { from: 'blocking_in_progress', to: 'blocked_by_scan', trigger: 'system' },
  { from: 'blocking_in_progress', to: 'failed', trigger: 'system' },

  { from: 'approved', to: 'revoked', trigger: 'revoke' },
];

export function findTransition(from: RequestStatus, to: RequestStatus): Transition | undefined {
  return TRANSITIONS.find((t) => t.from === from && t.to === to);
}

export function canTransition(from: RequestStatus, to: RequestStatus, trigger?: TransitionTrigger): boolean {
  const transition = findTransition(from, to);
  return transition !== undefined && (trigger === undefined || transition.trigger === trigger);
}

/** The status a trigger leads to from `from`, if the table has such a transition. */
export function targetOf(from: RequestStatus, trigger: TransitionTrigger): RequestStatus | undefined {
  return TRANSITIONS.find((t) => t.from === from && t.trigger === trigger)?.to;
}

export function assertTransition(from: RequestStatus, to: RequestStatus, trigger?: TransitionTrigger): void {
  if (!canTransition(from, to, trigger)) {
    throw new IllegalTransitionError(`Airlock request status change was illegal: a request in status '${from}' cannot become '${to}'`);
  }
}

/** The status a person's action leads to, or a 400 naming the status that forbids it. */
export function requireTarget(from: RequestStatus, trigger: Exclude<TransitionTrigger, 'system'>): RequestStatus {
  const to = targetOf(from, trigger);
  if (!to) throw triggerRefusal(from, trigger);
  return to;
}

/** What a caller is told when `trigger` does not apply to a request in status `from` (400). */
export function triggerRefusal(from: RequestStatus, trigger: Exclude<TransitionTrigger, 'system'>): IllegalTransitionError {
  return new IllegalTransitionError(`Cannot ${describeTrigger(trigger)} a request in status '${from}'`);
}

function describeTrigger(trigger: Exclude<TransitionTrigger, 'system'>): string {
  switch (trigger) {
    case 'requestChanges':
      return 'request changes to';
    case 'approve':
    case 'reject':
      return 'review';
    default:
      return trigger;
  }
}

/** A status nothing leaves: the request's story has ended (its workflow only tidies its data). */
export function isFinalStatus(status: RequestStatus): boolean {
  return !TRANSITIONS.some((transition) => transition.from === status);
}
