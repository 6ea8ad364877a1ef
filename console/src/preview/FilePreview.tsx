import { Button, MessageBar, MessageBarBody, Spinner } from '@fluentui/react-components';
import { useEffect, useState, type ReactNode } from 'react';
import { useApi } from '../api/client';
import type { FilePreview as FilePreviewAnswer } from '../api/types';
import { formatBytes, plural } from '../review/format';
import { ProblemBar } from '../review/ProblemBar';
import { previewPath, TABLE_PAGE_ROWS } from './previewPath';
import { usePreviewStyles } from './previewStyles';
import { useObjectUrl } from './useObjectUrl';

interface PreviewTarget {
  workspaceId: string;
  requestId: string;
  fileName: string;
}

/**
 * One file of a request, shown in the page through the audited preview API: a table for CSV and TSV,
 * text and JSON as text, images and PDFs from their bytes, an archive's listing, or why a binary file
 * cannot be shown. Large files come a page at a time, on request, never whole.
 */
export function FilePreview({ workspaceId, requestId, fileName }: PreviewTarget) {
  const api = useApi();
  const styles = usePreviewStyles();
  const [pages, setPages] = useState<FilePreviewAnswer[]>([]);
  const [error, setError] = useState<unknown>();
  const [loadingMore, setLoadingMore] = useState(false);

  useEffect(() => {
    const controller = new AbortController();
    setPages([]);
    setError(undefined);
    api
      .json<FilePreviewAnswer>(previewPath(workspaceId, requestId, fileName, { rows: TABLE_PAGE_ROWS }), { workspaceId, signal: controller.signal })
      .then((first) => !controller.signal.aborted && setPages([first]))
      .catch((problem: unknown) => !controller.signal.aborted && setError(problem));
    return () => controller.abort();
  }, [api, workspaceId, requestId, fileName]);

  const first = pages[0];
  const last = pages[pages.length - 1];
  const nextCursor = last?.table?.nextCursor ?? last?.text?.nextCursor ?? null;

  const loadMore = async () => {
    if (nextCursor === null) return;
    setLoadingMore(true);
    setError(undefined);
    try {
      const page = await api.json<FilePreviewAnswer>(previewPath(workspaceId, requestId, fileName, { rows: TABLE_PAGE_ROWS, cursor: nextCursor }), { workspaceId });
      setPages((shown) => [...shown, page]);
    } catch (problem) {
      setError(problem);
    } finally {
      setLoadingMore(false);
    }
  };

  if (!first) {
    return error ? <ProblemBar error={error} title={`Cannot preview ${fileName}`} /> : <Spinner size="tiny" label={`Loading the preview of ${fileName}…`} />;
  }

  const moreButton = (what: string) =>
    nextCursor !== null && (
      <Button onClick={() => void loadMore()} disabled={loadingMore}>
        {loadingMore ? 'Loading…' : `Show more ${what}`}
      </Button>
    );

  let body: ReactNode;
  switch (first.kind) {
    case 'table': {
      const header = first.table?.header ?? [];
      const rows = pages.flatMap((page) => page.table?.rows ?? []);
      body = (
        <>
          <TablePage fileName={fileName} header={header} rows={rows} complete={nextCursor === null} />
          <div className={styles.more} aria-live="polite">
            <span>
              {plural(rows.length, 'row')} shown{nextCursor === null ? ', the whole file' : ', more to come'}
            </span>
            {moreButton('rows')}
          </div>
        </>
      );
      break;
    }
    case 'text': {
      const text = pages.map((page) => page.text?.text ?? '').join('');
      const json = first.text?.format === 'json';
      body = (
        <>
          <div className={styles.scrollBox} tabIndex={0} role="region" aria-label={`Text of ${fileName}`}>
            <pre className={styles.text}>{json && nextCursor === null ? prettyJson(text) : text}</pre>
          </div>
          <div className={styles.more} aria-live="polite">
            <span>
              {formatBytes(new TextEncoder().encode(text).length)} of {formatBytes(first.file.size)} shown
              {json ? ' (JSON)' : ''}
            </span>
            {moreButton('text')}
          </div>
        </>
      );
      break;
    }
    case 'image':
      body = <RawImage target={{ workspaceId, requestId, fileName }} contentType={first.image?.contentType} />;
      break;
    case 'pdf':
      body = <RawPdf target={{ workspaceId, requestId, fileName }} contentType={first.pdf?.contentType ?? 'application/pdf'} />;
      break;
    case 'archive': {
      const entries = first.archive?.entries ?? [];
      body = (
        <>
          <div className={styles.scrollBox} tabIndex={0} role="region" aria-label={`Contents of ${fileName}`}>
            <table className={styles.table}>
              <caption className={styles.visuallyHidden}>Files inside the archive {fileName}</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Kind</th>
                  <th scope="col">Size</th>
                  <th scope="col">Compressed</th>
                </tr>
              </thead>
              <tbody>
                {entries.map((entry) => (
                  <tr key={entry.name}>
                    <th scope="row">{entry.name}</th>
                    <td>{entry.directory ? 'folder' : 'file'}</td>
                    <td>{entry.directory ? '—' : formatBytes(entry.size)}</td>
                    <td>{entry.directory ? '—' : formatBytes(entry.compressedSize)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <p>
            {plural(entries.length, 'entry', 'entries')}
            {first.archive?.truncated ? '; the listing stops there (the archive holds more).' : '.'}
          </p>
        </>
      );
      break;
    }
    case 'binary':
    default:
      body = (
        <MessageBar intent="info" layout="multiline">
          <MessageBarBody>{first.binary?.reason ?? `This file cannot be shown in the browser (${first.kind}).`}</MessageBarBody>
        </MessageBar>
      );
  }

  return (
    <div>
      {body}
      {error !== undefined && <ProblemBar error={error} title={`Cannot load more of ${fileName}`} />}
    </div>
  );
}

function prettyJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

/** A table page: the file's header row as column headers, each row numbered from 1. */
export function TablePage({ fileName, header, rows, complete }: { fileName: string; header: string[]; rows: string[][]; complete: boolean }) {
  const styles = usePreviewStyles();
  const width = Math.max(header.length, ...rows.map((row) => row.length));
  const columns = Array.from({ length: width }, (_, index) => header[index] ?? `column ${index + 1}`);
  return (
    <div className={styles.scrollBox} tabIndex={0} role="region" aria-label={`Table preview of ${fileName}`}>
      <table className={styles.table}>
        <caption className={styles.visuallyHidden}>
          {fileName}: rows 1 to {rows.length}
          {complete ? ', the whole file' : ', more rows in the file'}
        </caption>
        <thead>
          <tr>
            <th scope="col" className={styles.rowNumber}>
              Row
            </th>
            {columns.map((name, index) => (
              <th scope="col" key={index}>
                {name}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row, rowIndex) => (
            <tr key={rowIndex}>
              <th scope="row" className={styles.rowNumber}>
                {rowIndex + 1}
              </th>
              {columns.map((_, index) => (
                <td key={index}>{row[index] ?? ''}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function RawImage({ target, contentType }: { target: PreviewTarget; contentType: string | undefined }) {
  const styles = usePreviewStyles();
  const { url, error } = useObjectUrl(target.workspaceId, previewPath(target.workspaceId, target.requestId, target.fileName, { view: 'raw' }), contentType);
  if (error) return <ProblemBar error={error} title={`Cannot show the image ${target.fileName}`} />;
  if (!url) return <Spinner size="tiny" label={`Loading the image ${target.fileName}…`} />;
  return <img className={styles.media} src={url} alt={`The image ${target.fileName}, as submitted`} />;
}

function RawPdf({ target, contentType }: { target: PreviewTarget; contentType: string }) {
  const styles = usePreviewStyles();
  const { url, error } = useObjectUrl(target.workspaceId, previewPath(target.workspaceId, target.requestId, target.fileName, { view: 'raw' }), contentType);
  if (error) return <ProblemBar error={error} title={`Cannot show the PDF ${target.fileName}`} />;
  if (!url) return <Spinner size="tiny" label={`Loading the PDF ${target.fileName}…`} />;
  return <iframe className={styles.pdf} src={url} title={`The PDF ${target.fileName}, as submitted`} />;
}
