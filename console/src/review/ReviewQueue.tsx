import { Field, makeStyles, Radio, RadioGroup, Spinner, tokens } from '@fluentui/react-components';
import { useState } from 'react';
import { useApi, usePolling } from '../api/client';
import { type AirlockRequest, type RequestStatus, type RequestType } from '../api/types';
import { StatusBadge } from '../lifecycle/LifecycleDiagram';
import { usePreviewStyles } from '../preview/previewStyles';
import { RouterLink } from '../router';
import { StatusFilter, TypeFilter } from '../shell/RequestFilters';
import { formatWhen, plural } from './format';
import { ProblemBar } from './ProblemBar';
import { oldestFirst, queuePath, reviewPageHref } from './reviewQueueModel';

const POLL_MS = 15_000;

const useStyles = makeStyles({
  page: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
  title: { margin: 0, fontSize: tokens.fontSizeHero700, lineHeight: tokens.lineHeightHero700 },
  filters: { display: 'flex', gap: tokens.spacingHorizontalXL, alignItems: 'flex-end', flexWrap: 'wrap' },
  tableBox: { overflowX: 'auto' },
  table: {
    borderCollapse: 'collapse',
    width: '100%',
    '& th': { textAlign: 'left', padding: `${tokens.spacingVerticalS} ${tokens.spacingHorizontalS}`, borderBottom: `2px solid ${tokens.colorNeutralStroke1}` },
    '& td': { padding: `${tokens.spacingVerticalS} ${tokens.spacingHorizontalS}`, borderBottom: `1px solid ${tokens.colorNeutralStroke2}`, verticalAlign: 'top' },
  },
  requestTitle: { overflowWrap: 'anywhere', fontWeight: tokens.fontWeightSemibold },
});

type View = 'awaiting' | 'all';

/**
 * Every request of every workspace the user is an Airlock Manager of, oldest first: by default only
 * those awaiting this user's review, or all of them in any status. Refreshed every few seconds.
 */
export function ReviewQueue() {
  const api = useApi();
  const styles = useStyles();
  const hidden = usePreviewStyles();
  const [view, setView] = useState<View>('awaiting');
  const [status, setStatus] = useState<RequestStatus | ''>('');
  const [type, setType] = useState<RequestType | ''>('');
  const path = queuePath({ awaitingMyReview: view === 'awaiting', status: status || undefined, type: type || undefined });
  const { data, error } = usePolling((signal) => api.json<AirlockRequest[]>(path, { signal }), POLL_MS, [api, path]);
  const requests = data ? oldestFirst(data) : undefined;

  return (
    <section className={styles.page} aria-labelledby="queue-title">
      <h1 id="queue-title" className={styles.title}>
        Review queue
      </h1>
      <div className={styles.filters}>
        <Field label="Show">
          <RadioGroup value={view} onChange={(_, d) => setView(d.value as View)} layout="horizontal">
            <Radio value="awaiting" label="Awaiting my review" />
            <Radio value="all" label="All requests" />
          </RadioGroup>
        </Field>
        {view === 'all' && (
          <StatusFilter value={status} onChange={setStatus} />
        )}
        <TypeFilter value={type} onChange={setType} />
      </div>

      {error && <ProblemBar error={error} title={data ? 'The latest refresh failed; showing the list as it was' : 'Cannot load the review queue'} />}
      {!requests && !error && <Spinner label="Loading the review queue…" />}
      {requests && (
        <>
          <p aria-live="polite" aria-atomic="true">
            {requests.length === 0
              ? view === 'awaiting'
                ? 'Nothing awaits your review.'
                : 'No requests in the workspaces you manage match these filters.'
              : `${plural(requests.length, 'request')}${view === 'awaiting' ? ' awaiting your review' : ''}, oldest first.`}
          </p>
          {requests.length > 0 && (
            <div className={styles.tableBox}>
              <table className={styles.table}>
                <caption className={hidden.visuallyHidden}>
                  {view === 'awaiting' ? 'Requests awaiting your review' : 'Requests of the workspaces you manage'}, oldest first
                </caption>
                <thead>
                  <tr>
                    <th scope="col">Request</th>
                    <th scope="col">Workspace</th>
                    <th scope="col">Type</th>
                    <th scope="col">Status</th>
                    <th scope="col">Requester</th>
                    <th scope="col">Created</th>
                    <th scope="col">Last change</th>
                  </tr>
                </thead>
                <tbody>
                  {requests.map((request) => (
                    <tr key={`${request.workspaceId}/${request.id}`}>
                      <th scope="row" className={styles.requestTitle}>
                        <RouterLink href={reviewPageHref(request.workspaceId, request.id)}>{request.title}</RouterLink>
                      </th>
                      <td>{request.workspaceId}</td>
                      <td>{request.type}</td>
                      <td>
                        <StatusBadge status={request.status} />
                      </td>
                      <td>{request.createdBy.name}</td>
                      <td>{formatWhen(request.createdWhen)}</td>
                      <td>{formatWhen(request.updatedWhen)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      )}
    </section>
  );
}
