/** How the researcher's pages say a request's type and a review's decision. */
import type { RequestType, ReviewDecision } from '../api/types';

export const TYPE_WORDS: Record<RequestType, string> = { import: 'Import', export: 'Export' };

export const TYPE_HINTS: Record<RequestType, string> = {
  import: 'bring data into the workspace',
  export: 'take data out of the workspace',
};

export const DECISION_WORDS: Record<ReviewDecision, string> = {
  approved: 'Approved',
  rejected: 'Rejected',
  revoked: 'Revoked',
  changes_requested: 'Changes requested',
};

/** The label before a reviewer's explanation: for a request for changes, it says what to change. */
export function explanationLabel(decision: ReviewDecision): string {
  switch (decision) {
    case 'changes_requested':
      return 'What to change';
    case 'approved':
      return 'Comment';
    default:
      return 'Reason';
  }
}

/**
 * What the reviewer wrote, or nothing: a review recorded without an explanation carries Azure TRE's
 * placeholder (src/domain/schemas.ts, DEFAULT_DECISION_EXPLANATION), which is no one's words.
 */
export function reviewersWords(review: { decisionExplanation?: string }): string | undefined {
  const text = review.decisionExplanation?.trim();
  return text && text !== 'Decision Explanation' ? text : undefined;
}
