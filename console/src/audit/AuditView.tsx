import { Button, Field, makeStyles, MessageBar, MessageBarBody, Select, Spinner, tokens } from '@fluentui/react-components';
import { useState } from 'react';
import { useApi, usePolling, useSession } from '../api/client';
import type { AuditLog, RequestWithActions } from '../api/types';
import { formatWhen } from '../review/format';
import { ProblemBar } from '../review/ProblemBar';
import { requestApiPath, reviewPageHref } from '../review/reviewQueueModel';
import { RouterLink } from '../router';
import { timelineByCycle, verificationInWords } from './timeline';

const useStyles = makeStyles({
  page: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalL, maxWidth: '1100px' },
  title: { margin: 0, fontSize: tokens.fontSizeHero700, lineHeight: tokens.lineHeightHero700, overflowWrap: 'anywhere' },
  h2: { margin: 0, fontSize: tokens.fontSizeBase500 },
  links: { display: 'flex', gap: tokens.spacingHorizontalL, flexWrap: 'wrap' },
  toolbar: { display: 'flex', gap: tokens.spacingHorizontalL, alignItems: 'flex-end', flexWrap: 'wrap' },
  list: { listStyleType: 'none', margin: 0, padding: 0, borderLeft: `2px solid ${tokens.colorNeutralStroke1}` },
  item: {
    display: 'grid',
    gridTemplateColumns: '10.5rem 1fr',
    columnGap: tokens.spacingHorizontalM,
    padding: `${tokens.spacingVerticalXS} ${tokens.spacingHorizontalM}`,
    overflowWrap: 'anywhere',
  },
  preview: { backgroundColor: tokens.colorBrandBackground2 },
  time: { color: tokens.colorNeutralForeground2, fontVariantNumeric: 'tabular-nums' },
  seq: { color: tokens.colorNeutralForeground2 },
  problems: { margin: 0, paddingLeft: tokens.spacingHorizontalXL },
});

const FILTERS = {
  all: { label: 'every entry', keep: () => true },
  previews: { label: 'file previews', keep: (action: string) => action === 'file.previewed' },
  decisions: { label: 'reviews and status changes', keep: (action: string) => ['review.recorded', 'status.changed', 'status.message', 'request.created'].includes(action) },
  data: { label: 'files, links and data', keep: (action: string) => ['files.recorded', 'link.issued', 'data.moved', 'data.deleted', 'scan.recorded'].includes(action) },
} as const;
type FilterName = keyof typeof FILTERS;

/**
 * A request's audit log as a timeline in words, grouped by submission cycle, with the verification of
 * its hash chain at the top. For Workspace Owners and Airlock Managers; anyone else sees the API's
 * refusal.
 */
export function AuditView({ workspaceId, requestId }: { workspaceId: string; requestId: string }) {
  const api = useApi();
  const session = useSession();
  const styles = useStyles();
  const [filter, setFilter] = useState<FilterName>('all');
  const log = usePolling((signal) => api.json<AuditLog>(`${requestApiPath(workspaceId, requestId)}/audit`, { workspaceId, signal }), 0, [api, workspaceId, requestId]);
  // The title only makes the heading readable; the log stands without it.
  const request = usePolling((signal) => api.json<RequestWithActions>(requestApiPath(workspaceId, requestId), { workspaceId, signal }), 0, [api, workspaceId, requestId]);
  const title = request.data?.airlockRequest.title;
  const isManager = session.rolesIn(workspaceId).includes('AirlockManager');
  const back = isManager ? reviewPageHref(workspaceId, requestId) : `/api/console/requests/${encodeURIComponent(workspaceId)}/${encodeURIComponent(requestId)}`;

  const groups = log.data ? timelineByCycle(log.data.entries) : [];
  const keep = FILTERS[filter].keep;
  const shownGroups = groups.map((group) => ({ ...group, items: group.items.filter((item) => keep(item.action)) })).filter((group) => group.items.length > 0);
  const verification = log.data?.verification;

  return (
    <article className={styles.page} aria-labelledby="audit-title">
      <nav className={styles.links} aria-label="Related pages">
        <RouterLink href={back}>Back to the request</RouterLink>
      </nav>
      <h1 id="audit-title" className={styles.title}>
        Audit log{title ? `: ${title}` : ''}
      </h1>

      {!log.data && log.error && <ProblemBar error={log.error} title="Cannot show the audit log" />}
      {!log.data && !log.error && <Spinner label="Loading the audit log…" />}

      {verification && (
        <MessageBar intent={verification.verified ? 'success' : 'error'} layout="multiline" role="status">
          <MessageBarBody>
            <strong>{verificationInWords(verification)}</strong>
            {verification.problems.length > 0 && (
              <ul className={styles.problems} aria-label="Problems found in the chain">
                {verification.problems.map((problem, index) => (
                  <li key={index}>{problem}</li>
                ))}
              </ul>
            )}
          </MessageBarBody>
        </MessageBar>
      )}

      {log.data && (
        <>
          <div className={styles.toolbar}>
            <Field label="Show">
              <Select value={filter} onChange={(_, d) => setFilter(d.value as FilterName)}>
                {(Object.keys(FILTERS) as FilterName[]).map((name) => (
                  <option key={name} value={name}>
                    {FILTERS[name].label}
                  </option>
                ))}
              </Select>
            </Field>
            <Button onClick={() => log.reload()}>Refresh</Button>
          </div>
          {log.error && <ProblemBar error={log.error} title="The refresh failed; showing the log as it was" />}
          {shownGroups.length === 0 && <p>No entries of this kind.</p>}
          {shownGroups.map((group) => (
            <section key={group.cycle} aria-labelledby={`cycle-${group.cycle}`}>
              <h2 id={`cycle-${group.cycle}`} className={styles.h2}>
                {group.heading}
              </h2>
              <ol className={styles.list}>
                {group.items.map((item) => (
                  <li key={item.seq} className={item.action === 'file.previewed' ? `${styles.item} ${styles.preview}` : styles.item}>
                    <time className={styles.time} dateTime={new Date(item.time * 1000).toISOString()}>
                      {formatWhen(item.time)}
                    </time>
                    <span>
                      {item.sentence} <span className={styles.seq}>(entry {item.seq})</span>
                    </span>
                  </li>
                ))}
              </ol>
            </section>
          ))}
        </>
      )}
    </article>
  );
}
