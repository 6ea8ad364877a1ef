import { Badge, Button, makeStyles, tokens, type BadgeProps } from '@fluentui/react-components';
import { useState } from 'react';
import type { AirlockRequest } from '../api/types';
import { FilePreview } from '../preview/FilePreview';
import { formatBytes } from './format';
import { findingsFor, overallVerdict, type Severity } from './scanWords';

const useStyles = makeStyles({
  list: { listStyleType: 'none', padding: 0, margin: 0, display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
  file: {
    border: `1px solid ${tokens.colorNeutralStroke1}`,
    borderRadius: tokens.borderRadiusMedium,
    padding: tokens.spacingHorizontalM,
    display: 'flex',
    flexDirection: 'column',
    gap: tokens.spacingVerticalS,
    backgroundColor: tokens.colorNeutralBackground1,
  },
  head: { display: 'flex', gap: tokens.spacingHorizontalM, alignItems: 'baseline', flexWrap: 'wrap' },
  name: { margin: 0, fontSize: tokens.fontSizeBase400, fontFamily: tokens.fontFamilyMonospace, overflowWrap: 'anywhere' },
  facts: { color: tokens.colorNeutralForeground2 },
  hash: { fontFamily: tokens.fontFamilyMonospace, fontSize: tokens.fontSizeBase200, color: tokens.colorNeutralForeground2, overflowWrap: 'anywhere' },
  findings: { margin: 0, paddingLeft: tokens.spacingHorizontalXL },
});

const BADGE_COLOURS: Record<Severity, NonNullable<BadgeProps['color']>> = { good: 'success', bad: 'danger', waiting: 'warning', neutral: 'informative' };

/** Statuses in which someone may preview a request's files (as for its link, contract §2). */
const PREVIEWABLE = new Set(['draft', 'changes_requested', 'in_review', 'approved']);

/** Every file of record: its size and hash, what the scan and the content checks said, and its preview on request. */
export function ReviewFiles({ request }: { request: AirlockRequest }) {
  const styles = useStyles();
  const [open, setOpen] = useState<Set<string>>(new Set());
  const previewable = PREVIEWABLE.has(request.status);
  const toggle = (name: string) =>
    setOpen((shown) => {
      const next = new Set(shown);
      if (next.has(name)) next.delete(name);
      else next.add(name);
      return next;
    });

  if (request.files.length === 0) return <p>No files are recorded for this request yet: they are recorded when it is submitted.</p>;
  return (
    <>
      {!previewable && <p>The files can no longer be previewed: the request is past the steps in which anyone may read them.</p>}
      <ul className={styles.list}>
        {request.files.map((file) => {
          const findings = findingsFor(request.scanReport, file.name);
          const verdict = overallVerdict(findings);
          const shown = open.has(file.name);
          const previewId = `preview-${encodeURIComponent(file.name)}`;
          return (
            <li key={file.name} className={styles.file}>
              <div className={styles.head}>
                <h3 className={styles.name}>{file.name}</h3>
                <span className={styles.facts}>{formatBytes(file.size)}</span>
                <Badge appearance="tint" color={BADGE_COLOURS[verdict.severity]}>
                  Scan: {verdict.words}
                </Badge>
              </div>
              <div className={styles.hash}>SHA-256: {file.sha256 ?? 'not recorded'}</div>
              {findings.length > 0 && (
                <ul className={styles.findings} aria-label={`Scan and content-check findings for ${file.name}`}>
                  {findings.map((finding, index) => (
                    <li key={index}>{finding.sentence}</li>
                  ))}
                </ul>
              )}
              {previewable && (
                <div>
                  <Button aria-expanded={shown} aria-controls={shown ? previewId : undefined} onClick={() => toggle(file.name)}>
                    {shown ? `Hide the preview of ${file.name}` : `Preview ${file.name}`}
                  </Button>
                </div>
              )}
              {previewable && shown && (
                <div id={previewId}>
                  <FilePreview workspaceId={request.workspaceId} requestId={request.id} fileName={file.name} />
                </div>
              )}
            </li>
          );
        })}
      </ul>
    </>
  );
}
