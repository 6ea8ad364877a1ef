/**
 * Approvals so far and how many remain, for the current submission cycle. The API does not say how
 * many approvals the workspace requires (its settings are for TRE admins); the airlock says it in
 * `progressMessage` once the first approval is in ("approved by 1 of 2 reviewers; 1 more approval
 * needed"), so that sentence is read here, and trusted only when it agrees with the reviews.
 */
import type { AirlockRequest, AirlockReview } from '../api/types';

export interface ApprovalProgress {
  cycle: number;
  /** every review of this cycle, oldest first */
  reviews: AirlockReview[];
  approvals: AirlockReview[];
  /** approvals the workspace requires, when known */
  required?: number;
  /** approvals still needed, when known */
  remaining?: number;
  summary: string;
}

const PROGRESS_PATTERN = /approved by (\d+) of (\d+) reviewers?/i;

export function currentCycleOf(request: Pick<AirlockRequest, 'reviewCycle'>): number {
  return request.reviewCycle ?? 1;
}

export function reviewsOfCycle(request: Pick<AirlockRequest, 'reviews'>, cycle: number): AirlockReview[] {
  return request.reviews.filter((review) => (review.cycle ?? 1) === cycle).sort((a, b) => a.dateCreated - b.dateCreated);
}

function quorumFromMessage(message: string | null | undefined, approvals: number): number | undefined {
  const match = message ? PROGRESS_PATTERN.exec(message) : null;
  if (!match) return undefined;
  // A message from an earlier cycle, or written before the latest approval, does not describe this one.
  return Number(match[1]) === approvals ? Number(match[2]) : undefined;
}

const approvalsWord = (count: number) => `${count} approval${count === 1 ? '' : 's'}`;

/**
 * `requiredApprovals` is what the API says the workspace asks for now (GET of one request); the
 * progress message, written with the last approval, says the same for the cycle under way.
 */
export function approvalProgress(request: AirlockRequest, requiredApprovals?: number): ApprovalProgress {
  const cycle = currentCycleOf(request);
  const reviews = reviewsOfCycle(request, cycle);
  const approvals = reviews.filter((review) => review.reviewDecision === 'approved');
  const base = { cycle, reviews, approvals };
  const count = approvals.length;
  switch (request.status) {
    case 'in_review': {
      const required = quorumFromMessage(request.progressMessage, count) ?? requiredApprovals;
      if (required !== undefined) {
        const remaining = Math.max(required - count, 0);
        return { ...base, required, remaining, summary: `Approved by ${count} of ${required} reviewers; ${remaining} more approval${remaining === 1 ? '' : 's'} needed.` };
      }
      if (count === 0) return { ...base, summary: 'No approvals yet in this cycle; at least 1 approval is needed.' };
      return { ...base, summary: `${approvalsWord(count)} so far in this cycle; more may be needed.` };
    }
    case 'approval_in_progress':
    case 'approved':
      return { ...base, required: count, remaining: 0, summary: `Approved by ${count} reviewer${count === 1 ? '' : 's'}; no more approvals needed.` };
    case 'draft':
    case 'submitted':
      return { ...base, summary: cycle > 1 || count > 0 ? `Not in review yet (cycle ${cycle}).` : 'Not in review yet.' };
    default:
      return { ...base, summary: `${approvalsWord(count)} in cycle ${cycle}; no more reviews are taken in this status.` };
  }
}
