/**
 * Where a request stands in its lifecycle, as the diagram draws it: the main path draft → submitted →
 * in review → approved, the side endings that leave it, and the changes-requested loop back to draft.
 * Pure: the diagram and its text alternative are both drawn from this, so they cannot disagree.
 */
import type { RequestStatus, RequestType } from '../api/types';

export const MAIN_STEPS = ['draft', 'submitted', 'in_review', 'approved'] as const;
export type MainStep = (typeof MAIN_STEPS)[number];

/** Where a request can leave the main path, and the step it leaves from (failed: from any step). */
export const SIDE_ENDINGS = ['cancelled', 'blocked_by_scan', 'rejected', 'revoked', 'failed', 'changes_requested'] as const;
export type SideEnding = (typeof SIDE_ENDINGS)[number];

export const SIDE_ENDING_FROM: Record<SideEnding, MainStep | 'any'> = {
  cancelled: 'draft',
  blocked_by_scan: 'submitted',
  rejected: 'in_review',
  revoked: 'approved',
  failed: 'any',
  changes_requested: 'in_review',
};

const STATUS_WORDS: Record<RequestStatus, string> = {
  draft: 'draft',
  submitted: 'submitted',
  in_review: 'in review',
  approval_in_progress: 'approval in progress',
  approved: 'approved',
  rejection_in_progress: 'rejection in progress',
  rejected: 'rejected',
  cancelled: 'cancelled',
  blocking_in_progress: 'blocking in progress',
  blocked_by_scan: 'blocked by scan',
  failed: 'failed',
  revoked: 'revoked',
  changes_requested: 'changes requested',
};

/** A status as people say it ("in review", not "in_review"); an unknown value is shown as it came. */
export function statusInWords(status: string): string {
  return (STATUS_WORDS as Record<string, string>)[status] ?? status.replace(/_/g, ' ');
}

export interface LifecyclePosition {
  /** The furthest main step the request is known to have reached (index into MAIN_STEPS). */
  reached: number;
  /** The main step the request is at now; undefined when it left the main path. */
  current?: MainStep;
  /** The side ending or loop the request is in (or moving to); undefined on the main path. */
  ending?: SideEnding;
  /** The airlock is moving the files to this state right now (the *_in_progress statuses). */
  moving: boolean;
}

/**
 * A status alone does not say every step a request went through (a cancelled request may have been
 * in review or only drafted): `reached` is what the status proves, never a guess beyond it.
 */
export function lifecyclePosition(status: RequestStatus): LifecyclePosition {
  const step = (name: MainStep) => MAIN_STEPS.indexOf(name);
  switch (status) {
    case 'draft':
    case 'submitted':
    case 'in_review':
    case 'approved':
      return { reached: step(status), current: status, moving: false };
    case 'approval_in_progress':
      return { reached: step('approved'), current: 'approved', moving: true };
    case 'rejection_in_progress':
      return { reached: step('in_review'), ending: 'rejected', moving: true };
    case 'blocking_in_progress':
      return { reached: step('submitted'), ending: 'blocked_by_scan', moving: true };
    case 'rejected':
    case 'changes_requested':
      return { reached: step('in_review'), ending: status, moving: false };
    case 'blocked_by_scan':
      return { reached: step('submitted'), ending: status, moving: false };
    case 'revoked':
      return { reached: step('approved'), ending: status, moving: false };
    case 'cancelled':
    case 'failed':
      return { reached: step('draft'), ending: status, moving: false };
  }
}

/**
 * Statuses the airlock leaves by itself, without anyone acting: the checks of a submission, and the
 * files moving after a decision. The person looking at one is waiting for it to pass.
 */
export const PASSING_STATUSES: ReadonlySet<RequestStatus> = new Set<RequestStatus>(['submitted', 'approval_in_progress', 'rejection_in_progress', 'blocking_in_progress']);

/** The status when the airlock will move the request on by itself (see PASSING_STATUSES), else undefined. */
export function passingStatus(status: RequestStatus | undefined): RequestStatus | undefined {
  return status !== undefined && PASSING_STATUSES.has(status) ? status : undefined;
}

const ENDING_PHRASES: Record<SideEnding, string> = {
  cancelled: 'withdrawn before a decision',
  blocked_by_scan: 'ended after submitted: the scan or the content checks found a problem',
  rejected: 'ended after in review',
  revoked: 'ended after approved: the approval was withdrawn',
  failed: 'the airlock stopped it; a request can fail at any step',
  changes_requested: 'returned to the requester after in review; next: draft again, then a new submission',
};

/** "Status: in review (step 3 of 4)", and for a side ending where it left the path and what comes next. */
export function lifecycleDescription(type: RequestType, status: RequestStatus): string {
  const position = lifecyclePosition(status);
  const now = `Status: ${statusInWords(status)}`;
  const path = `${type === 'import' ? 'Import' : 'Export'} request lifecycle: draft, submitted, in review, approved.`;
  if (position.current) {
    const moving = position.moving ? `moving to ${statusInWords(position.current)}, ` : '';
    return `${now} (${moving}step ${MAIN_STEPS.indexOf(position.current) + 1} of ${MAIN_STEPS.length}). ${path}`;
  }
  const ending = position.ending!;
  const moving = position.moving ? `moving to ${statusInWords(ending)}, ` : '';
  return `${now} (${moving}${ENDING_PHRASES[ending]}). ${path}`;
}

export type NodeState = 'visited' | 'current' | 'ahead';

/** The state of every node of the diagram: main steps up to the one reached are visited, the request's own place is current. */
export function nodeStates(status: RequestStatus): { steps: Record<MainStep, NodeState>; endings: Record<SideEnding, NodeState> } {
  const position = lifecyclePosition(status);
  const steps = Object.fromEntries(
    MAIN_STEPS.map((step, index) => [step, step === position.current ? 'current' : index <= position.reached ? 'visited' : 'ahead']),
  ) as Record<MainStep, NodeState>;
  const endings = Object.fromEntries(SIDE_ENDINGS.map((ending) => [ending, ending === position.ending ? 'current' : 'ahead'])) as Record<SideEnding, NodeState>;
  return { steps, endings };
}
