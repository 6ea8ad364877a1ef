/** Every review of a request, by submission: who decided what, when, and what they said (what to change). */
import { Body1, Caption1, Subtitle2, Text, makeStyles, mergeClasses, tokens } from '@fluentui/react-components';
import type { AirlockReview } from '../api/types';
import { formatWhen } from '../review/format';
import { DECISION_WORDS, explanationLabel, reviewersWords } from './requestWords';

const useStyles = makeStyles({
  list: { listStyleType: 'none', margin: 0, padding: 0, display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
  review: {
    borderLeft: `${tokens.strokeWidthThickest} solid ${tokens.colorNeutralStroke1}`,
    paddingInlineStart: tokens.spacingHorizontalM,
  },
  approved: { borderLeftColor: tokens.colorPaletteGreenBorder2 },
  rejected: { borderLeftColor: tokens.colorPaletteRedBorder2 },
  revoked: { borderLeftColor: tokens.colorPaletteRedBorder2 },
  changes_requested: { borderLeftColor: tokens.colorPaletteMarigoldBorder2 },
  explanation: { whiteSpace: 'pre-wrap', overflowWrap: 'anywhere', margin: `${tokens.spacingVerticalXS} 0 0` },
});

function byCycle(reviews: readonly AirlockReview[]): [number, AirlockReview[]][] {
  const cycles = new Map<number, AirlockReview[]>();
  for (const review of [...reviews].sort((a, b) => a.dateCreated - b.dateCreated)) {
    const cycle = review.cycle ?? 1;
    cycles.set(cycle, [...(cycles.get(cycle) ?? []), review]);
  }
  return [...cycles.entries()].sort(([a], [b]) => b - a);
}

export function ReviewHistory({ reviews }: { reviews: readonly AirlockReview[] }) {
  const styles = useStyles();
  if (reviews.length === 0) return <Text>No reviews yet.</Text>;
  const cycles = byCycle(reviews);
  return (
    <>
      {cycles.map(([cycle, items]) => (
        <section key={cycle} aria-label={`Reviews of submission ${cycle}`}>
          {cycles.length > 1 && <Subtitle2 as="h3">Submission {cycle}</Subtitle2>}
          <ul className={styles.list}>
            {items.map((review) => (
              <li key={review.id} className={mergeClasses(styles.review, styles[review.reviewDecision])}>
                <Body1>
                  <strong>{DECISION_WORDS[review.reviewDecision] ?? review.reviewDecision}</strong> by {review.reviewer.name}
                </Body1>
                <br />
                <Caption1>{formatWhen(review.dateCreated)}</Caption1>
                {reviewersWords(review) && (
                  <p className={styles.explanation}>
                    <strong>{explanationLabel(review.reviewDecision)}:</strong> {reviewersWords(review)}
                  </p>
                )}
              </li>
            ))}
          </ul>
        </section>
      ))}
    </>
  );
}
