/**
 * The files of record once a request is submitted: name, size and SHA-256 as the airlock recorded them,
 * what the scan and the content checks said of each, and, once approved, a download link per file.
 */
import {
  Link,
  MessageBar,
  MessageBarBody,
  Spinner,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  Text,
  makeStyles,
  tokens,
} from '@fluentui/react-components';
import { usePolling } from '../api/client';
import type { AirlockRequest } from '../api/types';
import { formatBytes } from '../review/format';
import { findingsFor, overallVerdict, type Severity } from '../review/scanWords';
import { blobUrl, downloadName } from '../storage/blobUrls';
import type { LinkSource } from '../storage/linkCache';

const useStyles = makeStyles({
  name: { overflowWrap: 'anywhere', fontWeight: tokens.fontWeightSemibold },
  hash: { fontFamily: tokens.fontFamilyMonospace, fontSize: tokens.fontSizeBase200, overflowWrap: 'anywhere' },
  findings: { margin: 0, paddingInlineStart: tokens.spacingHorizontalL },
  bad: { color: tokens.colorPaletteRedForeground1 },
  good: { color: tokens.colorPaletteGreenForeground1 },
  cell: { verticalAlign: 'top' },
});

const SEVERITY_CLASS: Record<Severity, 'bad' | 'good' | undefined> = { bad: 'bad', good: 'good', waiting: undefined, neutral: undefined };

export function RecordedFiles({ request, downloadLink }: { request: AirlockRequest; downloadLink?: LinkSource }) {
  const styles = useStyles();
  const download = usePolling(async () => (downloadLink ? downloadLink.get() : undefined), 0, [downloadLink]);

  if (request.files.length === 0) return <Text>No files were recorded for this request.</Text>;
  return (
    <>
      {downloadLink && download.error && (
        <MessageBar intent="error">
          <MessageBarBody>The approved files cannot be downloaded: {download.error.message}</MessageBarBody>
        </MessageBar>
      )}
      {downloadLink && !download.data && !download.error && <Spinner size="tiny" label="Preparing the download links…" />}
      <Table aria-label="Files of the request" size="small">
        <TableHeader>
          <TableRow>
            <TableHeaderCell scope="col">Name</TableHeaderCell>
            <TableHeaderCell scope="col">Size</TableHeaderCell>
            <TableHeaderCell scope="col">SHA-256</TableHeaderCell>
            <TableHeaderCell scope="col">Scan and content checks</TableHeaderCell>
            {downloadLink && <TableHeaderCell scope="col">Download</TableHeaderCell>}
          </TableRow>
        </TableHeader>
        <TableBody>
          {request.files.map((file) => {
            const findings = findingsFor(request.scanReport, file.name);
            const overall = overallVerdict(findings);
            const overallClass = SEVERITY_CLASS[overall.severity];
            return (
              <TableRow key={file.name}>
                <TableCell className={styles.cell}>
                  <span className={styles.name}>{file.name}</span>
                </TableCell>
                <TableCell className={styles.cell}>{formatBytes(file.size)}</TableCell>
                <TableCell className={styles.cell}>
                  <span className={styles.hash}>{file.sha256 ?? 'not recorded yet'}</span>
                </TableCell>
                <TableCell className={styles.cell}>
                  <Text weight="semibold" className={overallClass && styles[overallClass]}>
                    {overall.words[0].toUpperCase() + overall.words.slice(1)}
                  </Text>
                  {findings.length > 0 && (
                    <ul className={styles.findings}>
                      {findings.map((finding, index) => {
                        const severityClass = SEVERITY_CLASS[finding.severity];
                        return (
                          <li key={index} className={severityClass && styles[severityClass]}>
                            {finding.sentence}
                          </li>
                        );
                      })}
                    </ul>
                  )}
                </TableCell>
                {downloadLink && (
                  <TableCell className={styles.cell}>
                    {download.data && (
                      <Link href={blobUrl(download.data, file.name)} download={downloadName(file.name)} aria-label={`Download ${file.name}`}>
                        Download
                      </Link>
                    )}
                  </TableCell>
                )}
              </TableRow>
            );
          })}
        </TableBody>
      </Table>
    </>
  );
}
