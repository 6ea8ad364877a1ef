/**
 * The review of a request: reviews are counted per submission cycle; a request needs the
 * workspace's number of approvals from distinct Airlock Managers; one rejection rejects; a request
 * for changes sends it back to the requester; nobody reviews twice in a cycle.
 */
import { AirlockRequest, AirlockReview, withChanges, withStatus } from './request';
import { UserRef } from './roles';
import { ReviewDecisionInput } from './schemas';
import { requireTarget } from './transitions';

export function currentCycle(request: AirlockRequest): number {
  return request.reviewCycle ?? 1;
}

export function reviewsOfCurrentCycle(request: AirlockRequest): AirlockReview[] {
  const cycle = currentCycle(request);
  return request.reviews.filter((review) => (review.cycle ?? 1) === cycle);
}

export function hasReviewedThisCycle(reviewerId: string, request: AirlockRequest): boolean {
  return reviewsOfCurrentCycle(request).some((review) => review.reviewer.id === reviewerId && review.reviewDecision !== 'revoked');
}

export function approvalsThisCycle(request: AirlockRequest): number {
  return reviewsOfCurrentCycle(request).filter((review) => review.reviewDecision === 'approved').length;
}

export interface ReviewInput {
  id: string;
  reviewer: UserRef;
  decision: ReviewDecisionInput;
  decisionExplanation: string;
  /** epoch seconds */
  now: number;
  requiredApprovals: number;
}

/**
 * The request with the review recorded. An approval that does not yet make the quorum keeps the
 * request in review; the one that does moves it on, as a reject or a request for changes does at once.
 */
export function recordReview(request: AirlockRequest, input: ReviewInput): AirlockRequest {
  const review: AirlockReview = {
    id: input.id,
    cycle: currentCycle(request),
    reviewer: input.reviewer,
    dateCreated: input.now,
    reviewDecision: input.decision,
    decisionExplanation: input.decisionExplanation,
  };
  const reviews = [...request.reviews, review];
  const trigger = input.decision === 'approved' ? 'approve' : input.decision === 'rejected' ? 'reject' : 'requestChanges';
  const to = requireTarget(request.status, trigger);
  if (trigger === 'approve' && approvalsThisCycle(request) + 1 < input.requiredApprovals) {
    const still = input.requiredApprovals - approvalsThisCycle(request) - 1;
    return withChanges(request, input.reviewer, input.now, {
      reviews,
      progressMessage: `approved by ${approvalsThisCycle(request) + 1} of ${input.requiredApprovals} reviewers; ${still} more approval${still === 1 ? '' : 's'} needed`,
    });
  }
  return withStatus(request, {
    to,
    trigger,
    actor: input.reviewer,
    now: input.now,
    // Kept as progress, not as an error: TRE's portal shows the explanation with the review.
    message: trigger === 'approve' ? undefined : `${trigger === 'reject' ? 'Rejected' : 'Changes requested'}: ${input.decisionExplanation}`,
    changes: { reviews },
  });
}
