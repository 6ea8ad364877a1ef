/**
 * The review form's rules and the bodies it sends. `POST .../review` takes `{decision,
 * decisionExplanation}` (README, API): one shape for all three decisions, since Azure TRE's
 * `{approval}` cannot ask for changes. The explanation is optional for an approval, as in the API,
 * and required here for a rejection or a request for changes: the requester has to be told why.
 */

export const DECISIONS = ['approved', 'rejected', 'changes_requested'] as const;
export type Decision = (typeof DECISIONS)[number];

export const DECISION_LABELS: Record<Decision, string> = {
  approved: 'Approve',
  rejected: 'Reject',
  changes_requested: 'Request changes',
};

/** The API refuses longer explanations and reasons (schemas.ts, nonEmptyText(4000)). */
export const MAX_EXPLANATION_LENGTH = 4000;

export type BodyOrProblem<T> = { ok: true; body: T } | { ok: false; problem: string };

export interface ReviewBody {
  decision: Decision;
  decisionExplanation?: string;
}

export function reviewBody(decision: Decision | undefined, explanation: string): BodyOrProblem<ReviewBody> {
  if (!decision) return { ok: false, problem: 'Choose a decision: approve, reject or request changes.' };
  const text = explanation.trim();
  if (!text && decision !== 'approved') {
    return {
      ok: false,
      problem: decision === 'rejected' ? 'Say why you reject the request: the requester sees your explanation.' : 'Say what the requester should change.',
    };
  }
  if (text.length > MAX_EXPLANATION_LENGTH) return { ok: false, problem: `The explanation is ${text.length} characters; at most ${MAX_EXPLANATION_LENGTH} are kept.` };
  // A blank explanation is refused by the API (422): an approval without one leaves the field out.
  return { ok: true, body: text ? { decision, decisionExplanation: text } : { decision } };
}

export function revokeBody(reason: string): BodyOrProblem<{ reason: string }> {
  const text = reason.trim();
  if (!text) return { ok: false, problem: 'Say why the approval is revoked: the requester and the audit log keep the reason.' };
  if (text.length > MAX_EXPLANATION_LENGTH) return { ok: false, problem: `The reason is ${text.length} characters; at most ${MAX_EXPLANATION_LENGTH} are kept.` };
  return { ok: true, body: { reason: text } };
}

/**
 * Why the airlock will not take a review from this user now, as far as the request shows it; the
 * API's own refusal is shown if they submit anyway.
 */
export function whyNoReview(
  request: { status: string; createdBy: { id: string }; reviewCycle?: number; reviews: { cycle?: number; reviewer: { id: string }; reviewDecision: string }[] },
  userId: string,
): string | undefined {
  if (request.status !== 'in_review') return 'Only a request in review can be reviewed.';
  if (request.createdBy.id === userId) return 'This is your own request: nobody reviews their own request.';
  const cycle = request.reviewCycle ?? 1;
  if (request.reviews.some((review) => (review.cycle ?? 1) === cycle && review.reviewer.id === userId && review.reviewDecision !== 'revoked')) {
    return 'You have already reviewed this submission; another Airlock Manager must review it.';
  }
  return undefined;
}
