import { makeStyles, MessageBar, MessageBarBody, MessageBarTitle, Spinner, tokens } from '@fluentui/react-components';
import { reviewersWords } from '../requests/requestWords';
import { useState } from 'react';
import { useSession } from '../api/client';
import type { AirlockReview } from '../api/types';
import { LifecycleDiagram, StatusBadge } from '../lifecycle/LifecycleDiagram';
import { statusInWords } from '../lifecycle/lifecycleModel';
import { RouterLink } from '../router';
import { useRequest } from '../requests/useRequest';
import { approvalProgress } from './approvals';
import { ChangesSection } from './ChangesSection';
import { formatWhen } from './format';
import { ProblemBar } from './ProblemBar';
import { whyNoReview } from './reviewDecision';
import { ReviewFiles } from './ReviewFiles';
import { ReviewForm, RevokeAction } from './ReviewForm';
import { auditPageHref } from './reviewQueueModel';

const POLL_MS = 10_000;

const useStyles = makeStyles({
  page: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalL, maxWidth: '1200px' },
  title: { margin: 0, fontSize: tokens.fontSizeHero700, lineHeight: tokens.lineHeightHero700, overflowWrap: 'anywhere' },
  statusLine: { display: 'flex', gap: tokens.spacingHorizontalM, alignItems: 'center', flexWrap: 'wrap' },
  facts: {
    display: 'grid',
    gridTemplateColumns: 'max-content 1fr',
    columnGap: tokens.spacingHorizontalL,
    rowGap: tokens.spacingVerticalXS,
    margin: 0,
    '& dt': { fontWeight: tokens.fontWeightSemibold },
    '& dd': { margin: 0, overflowWrap: 'anywhere', whiteSpace: 'pre-wrap' },
  },
  section: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS },
  h2: { margin: 0, fontSize: tokens.fontSizeBase500 },
  reviews: { margin: 0, paddingLeft: tokens.spacingHorizontalXL },
  links: { display: 'flex', gap: tokens.spacingHorizontalL, flexWrap: 'wrap' },
});

const REVIEW_WORDS: Record<AirlockReview['reviewDecision'], string> = {
  approved: 'approved',
  rejected: 'rejected',
  changes_requested: 'requested changes',
  revoked: 'revoked the approval',
};

function ReviewLine({ review, withCycle = false }: { review: AirlockReview; withCycle?: boolean }) {
  return (
    <li>
      {withCycle ? `Cycle ${review.cycle ?? 1}: ` : ''}
      <strong>{review.reviewer.name}</strong> {REVIEW_WORDS[review.reviewDecision] ?? review.reviewDecision} on {formatWhen(review.dateCreated)}
      {reviewersWords(review) ? `: “${reviewersWords(review)}”` : ''}
    </li>
  );
}

/**
 * An Airlock Manager's page for one request: what it is and where it stands, the approvals of this
 * cycle, every file with its findings and its preview, what changed since the last cycle returned
 * for changes, and the review form (or revoke, once approved).
 */
export function ReviewPage({ workspaceId, requestId }: { workspaceId: string; requestId: string }) {
  const session = useSession();
  const styles = useStyles();
  const [notice, setNotice] = useState<string>();
  const { data, error, reload } = useRequest(workspaceId, requestId, POLL_MS);

  if (!data) {
    return error ? <ProblemBar error={error} title="Cannot open this request" /> : <Spinner label="Loading the request…" />;
  }
  const request = data.airlockRequest;
  const actions = data.allowedUserActions;
  const progress = approvalProgress(request, data?.requiredApprovals);
  const earlierReviews = request.reviews.filter((review) => (review.cycle ?? 1) !== progress.cycle);
  const isManager = session.rolesIn(workspaceId).includes('AirlockManager');
  const mayReview = actions.includes('review');
  const showForm = request.status === 'in_review' && (mayReview || isManager);

  return (
    <article className={styles.page} aria-labelledby="review-title">
      <nav className={styles.links} aria-label="Related pages">
        <RouterLink href="/api/console/review">Back to the review queue</RouterLink>
        <RouterLink href={auditPageHref(workspaceId, requestId)}>Audit log of this request</RouterLink>
      </nav>

      <header className={styles.section}>
        <h1 id="review-title" className={styles.title}>
          {request.title}
        </h1>
        <div className={styles.statusLine} aria-live="polite" aria-atomic="true">
          <span>{request.type === 'import' ? 'Import' : 'Export'} request, status:</span>
          <StatusBadge status={request.status} />
          {progress.cycle > 1 && <span>cycle {progress.cycle}</span>}
        </div>
        <dl className={styles.facts}>
          <dt>Requester</dt>
          <dd>
            {request.createdBy.name}
            {request.createdBy.email ? ` (${request.createdBy.email})` : ''}
          </dd>
          <dt>Workspace</dt>
          <dd>{request.workspaceId}</dd>
          <dt>Created</dt>
          <dd>{formatWhen(request.createdWhen)}</dd>
          <dt>Last change</dt>
          <dd>
            {formatWhen(request.updatedWhen)} by {request.updatedBy.name}
          </dd>
          <dt>Justification</dt>
          <dd>{request.businessJustification}</dd>
          <dt>Request id</dt>
          <dd>{request.id}</dd>
        </dl>
        <LifecycleDiagram type={request.type} status={request.status} />
        {request.statusMessage && (
          <MessageBar intent="error" layout="multiline">
            <MessageBarBody>
              <MessageBarTitle>Why it is {statusInWords(request.status)}</MessageBarTitle>
              {request.statusMessage}
            </MessageBarBody>
          </MessageBar>
        )}
        {request.progressMessage && (
          <MessageBar intent="info" layout="multiline">
            <MessageBarBody>
              <MessageBarTitle>The airlock says</MessageBarTitle>
              {request.progressMessage}
            </MessageBarBody>
          </MessageBar>
        )}
        {error && <ProblemBar error={error} title="The latest refresh failed; showing what was loaded before" />}
      </header>

      <div aria-live="polite" role="status">
        {notice && (
          <MessageBar intent="success">
            <MessageBarBody>{notice}</MessageBarBody>
          </MessageBar>
        )}
      </div>

      <section className={styles.section} aria-labelledby="approvals-heading">
        <h2 id="approvals-heading" className={styles.h2}>
          Approvals in cycle {progress.cycle}
        </h2>
        <p>{progress.summary}</p>
        {progress.reviews.length > 0 && (
          <ul className={styles.reviews} aria-label={`Reviews in cycle ${progress.cycle}`}>
            {progress.reviews.map((review) => (
              <ReviewLine key={review.id} review={review} />
            ))}
          </ul>
        )}
        {earlierReviews.length > 0 && (
          <details>
            <summary>Reviews of earlier cycles ({earlierReviews.length})</summary>
            <ul className={styles.reviews}>
              {earlierReviews.map((review) => (
                <ReviewLine key={review.id} review={review} withCycle />
              ))}
            </ul>
          </details>
        )}
      </section>

      {/* Reviewers read what changed while they review; after that the API no longer lets them read the files (contract §3). */}
      {progress.cycle > 1 && request.status === 'in_review' && <ChangesSection workspaceId={workspaceId} requestId={requestId} cycle={progress.cycle} />}

      <section className={styles.section} aria-labelledby="files-heading">
        <h2 id="files-heading" className={styles.h2}>
          Files ({request.files.length})
        </h2>
        <ReviewFiles request={request} />
      </section>

      {showForm && (
        <section className={styles.section} aria-labelledby="form-heading">
          <h2 id="form-heading" className={styles.h2}>
            Your review
          </h2>
          <ReviewForm
            request={request}
            hint={mayReview ? undefined : (whyNoReview(request, session.user.id) ?? 'The airlock does not offer you a review of this request now; if you submit one, it says why.')}
            onReviewed={(answer) => {
              setNotice(`Your review was recorded. The request is now ${statusInWords(answer.airlockRequest.status)}.`);
              reload();
            }}
          />
        </section>
      )}

      {actions.includes('revoke') && (
        <section className={styles.section} aria-labelledby="revoke-heading">
          <h2 id="revoke-heading" className={styles.h2}>
            Revoke
          </h2>
          <p>An approval can be revoked while the approved files are still in the approved stage.</p>
          <div>
            <RevokeAction
              request={request}
              onRevoked={() => {
                setNotice('The approval was revoked; the files are leaving the approved stage and its links stop working.');
                reload();
              }}
            />
          </div>
        </section>
      )}
    </article>
  );
}
