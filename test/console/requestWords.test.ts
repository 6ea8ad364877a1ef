import { reviewersWords } from '../../console/src/requests/requestWords';
import { DEFAULT_DECISION_EXPLANATION } from '../../src/domain/schemas';

describe("reviewersWords: what a person reads as the reviewer's explanation", () => {
  test("the API's placeholder for a review given without an explanation is no one's words, and is not shown", () => {
    expect(reviewersWords({ decisionExplanation: DEFAULT_DECISION_EXPLANATION })).toBeUndefined();
    expect(reviewersWords({ decisionExplanation: '   ' })).toBeUndefined();
    expect(reviewersWords({})).toBeUndefined();
  });

  test("the reviewer's own text is shown, trimmed", () => {
    expect(reviewersWords({ decisionExplanation: ' Round the counts to ten \n' })).toBe('Round the counts to ten');
  });
});
