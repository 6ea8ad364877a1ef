import { Button, makeStyles, Spinner, tokens } from '@fluentui/react-components';
import { useState } from 'react';
import { usePolling, useApi } from '../api/client';
import type { RequestChanges } from '../api/types';
import { FileDiff } from '../preview/FileDiff';
import { changesPath } from '../preview/previewPath';
import { usePreviewStyles } from '../preview/previewStyles';
import { CHANGE_WORDS, changesSummary, versionInWords } from './changesWords';
import { ProblemBar } from './ProblemBar';

const useStyles = makeStyles({
  section: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS },
  table: {
    borderCollapse: 'collapse',
    width: '100%',
    '& th': { textAlign: 'left', padding: tokens.spacingHorizontalS, borderBottom: `1px solid ${tokens.colorNeutralStroke1}` },
    '& td': { padding: tokens.spacingHorizontalS, borderBottom: `1px solid ${tokens.colorNeutralStroke2}`, verticalAlign: 'top' },
  },
  name: { fontFamily: tokens.fontFamilyMonospace, overflowWrap: 'anywhere' },
  diff: { padding: `${tokens.spacingVerticalS} 0` },
});

/**
 * For a resubmission: which files were added, removed or changed (by SHA-256) since the submission
 * reviewers returned for changes, and for a changed file its line or cell differences on request.
 */
export function ChangesSection({ workspaceId, requestId, cycle }: { workspaceId: string; requestId: string; cycle: number }) {
  const api = useApi();
  const styles = useStyles();
  const previewStyles = usePreviewStyles();
  const [open, setOpen] = useState<Set<string>>(new Set());
  // Loaded once per cycle: the files of a submission do not change while it is in review.
  const { data, error } = usePolling((signal) => api.json<RequestChanges>(changesPath(workspaceId, requestId), { workspaceId, signal }), 0, [
    api,
    workspaceId,
    requestId,
    cycle,
  ]);
  const fromCycle = data?.fromCycle ?? cycle - 1;
  const headingId = `changes-${requestId}`;
  const toggle = (name: string) =>
    setOpen((shown) => {
      const next = new Set(shown);
      if (next.has(name)) next.delete(name);
      else next.add(name);
      return next;
    });

  return (
    <section className={styles.section} aria-labelledby={headingId}>
      <h2 id={headingId}>Changes since cycle {fromCycle}</h2>
      {error && !data && <ProblemBar error={error} title="Cannot list what changed" />}
      {!data && !error && <Spinner size="tiny" label="Listing what changed…" />}
      {data && (
        <>
          <p>{changesSummary(data)}</p>
          {data.fromCycle !== null && data.files.length > 0 && (
            <table className={styles.table}>
              <caption className={previewStyles.visuallyHidden}>
                Files of cycle {data.toCycle} compared with cycle {data.fromCycle}
              </caption>
              <thead>
                <tr>
                  <th scope="col">File</th>
                  <th scope="col">Change</th>
                  <th scope="col">In cycle {data.fromCycle}</th>
                  <th scope="col">Now (cycle {data.toCycle})</th>
                  <th scope="col">
                    <span className={previewStyles.visuallyHidden}>Differences</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {data.files.map((file) => {
                  const shown = open.has(file.name);
                  return [
                    <tr key={file.name}>
                      <th scope="row" className={styles.name}>
                        {file.name}
                      </th>
                      <td>{CHANGE_WORDS[file.change] ?? file.change}</td>
                      <td>{versionInWords(file.before)}</td>
                      <td>{versionInWords(file.after)}</td>
                      <td>
                        {file.change === 'changed' && (
                          <Button size="small" aria-expanded={shown} onClick={() => toggle(file.name)}>
                            {shown ? `Hide differences in ${file.name}` : `Show differences in ${file.name}`}
                          </Button>
                        )}
                      </td>
                    </tr>,
                    shown && data.fromCycle !== null && (
                      <tr key={`${file.name}-diff`}>
                        <td colSpan={5} className={styles.diff}>
                          <FileDiff workspaceId={workspaceId} requestId={requestId} fileName={file.name} fromCycle={data.fromCycle} />
                        </td>
                      </tr>
                    ),
                  ];
                })}
              </tbody>
            </table>
          )}
        </>
      )}
    </section>
  );
}
