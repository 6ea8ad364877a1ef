import { MessageBar, MessageBarBody, Spinner } from '@fluentui/react-components';
import { useEffect, useState } from 'react';
import { ApiError, useApi, type ApiClient } from '../api/client';
import type { FilePreview } from '../api/types';
import { plural } from '../review/format';
import { ProblemBar } from '../review/ProblemBar';
import { diffLines, diffTables, splitLines, withContext, type DiffOp, type RowDiff, type TableDiff } from './diff';
import { DIFF_MAX_TABLE_PAGES, DIFF_MAX_TEXT_PAGES, DIFF_TABLE_PAGE_ROWS, previewPath } from './previewPath';
import { usePreviewStyles } from './previewStyles';

/** A version of a file as far as a comparison reads it: at most a bounded number of preview pages. */
type Version =
  | { kind: 'table'; header: string[]; rows: string[][]; complete: boolean }
  | { kind: 'text'; text: string; complete: boolean }
  | { kind: 'other'; what: string };

async function readVersion(api: ApiClient, workspaceId: string, requestId: string, fileName: string, cycle: number | undefined, signal: AbortSignal): Promise<Version> {
  const page = (cursor: number) =>
    api.json<FilePreview>(previewPath(workspaceId, requestId, fileName, { cycle, cursor, rows: DIFF_TABLE_PAGE_ROWS }), { workspaceId, signal });
  let answer = await page(0);
  if (answer.kind === 'table' && answer.table) {
    const header = answer.table.header;
    const rows = [...answer.table.rows];
    for (let pages = 1; answer.table?.nextCursor != null && pages < DIFF_MAX_TABLE_PAGES; pages += 1) {
      answer = await page(answer.table.nextCursor);
      rows.push(...(answer.table?.rows ?? []));
    }
    return { kind: 'table', header, rows, complete: answer.table?.nextCursor == null };
  }
  if (answer.kind === 'text' && answer.text) {
    let text = answer.text.text;
    for (let pages = 1; answer.text?.nextCursor != null && pages < DIFF_MAX_TEXT_PAGES; pages += 1) {
      answer = await page(answer.text.nextCursor);
      text += answer.text?.text ?? '';
    }
    return { kind: 'text', text, complete: answer.text?.nextCursor == null };
  }
  return { kind: 'other', what: answer.kind };
}

type Comparison =
  | { state: 'loading' }
  | { state: 'failed'; error: unknown; oldCopyMissing: boolean }
  | { state: 'ready'; before: Version; after: Version };

/**
 * What changed inside one file between the reviewed copy of `fromCycle` and the version in review
 * now: lines for text, cells for tables, computed here from two previews (each an audited read).
 */
export function FileDiff({ workspaceId, requestId, fileName, fromCycle }: { workspaceId: string; requestId: string; fileName: string; fromCycle: number }) {
  const api = useApi();
  const [comparison, setComparison] = useState<Comparison>({ state: 'loading' });

  useEffect(() => {
    const controller = new AbortController();
    setComparison({ state: 'loading' });
    const before = readVersion(api, workspaceId, requestId, fileName, fromCycle, controller.signal).catch((error: unknown) => {
      throw { error, oldCopyMissing: error instanceof ApiError && error.status === 404 };
    });
    const after = readVersion(api, workspaceId, requestId, fileName, undefined, controller.signal).catch((error: unknown) => {
      throw { error, oldCopyMissing: false };
    });
    Promise.all([before, after]).then(
      ([b, a]) => !controller.signal.aborted && setComparison({ state: 'ready', before: b, after: a }),
      (failure: { error: unknown; oldCopyMissing: boolean }) => !controller.signal.aborted && setComparison({ state: 'failed', ...failure }),
    );
    // Both reads run at once; if one fails the other's answer is not needed.
    before.catch(() => undefined);
    after.catch(() => undefined);
    return () => controller.abort();
  }, [api, workspaceId, requestId, fileName, fromCycle]);

  if (comparison.state === 'loading') return <Spinner size="tiny" label={`Comparing ${fileName} with cycle ${fromCycle}…`} />;
  if (comparison.state === 'failed') {
    if (comparison.oldCopyMissing) {
      return (
        <MessageBar intent="warning" layout="multiline">
          <MessageBarBody>
            The reviewed copy of cycle {fromCycle} is not kept, so {fileName} cannot be compared line by line; the list above still says it changed, by its
            SHA-256.
          </MessageBarBody>
        </MessageBar>
      );
    }
    return <ProblemBar error={comparison.error} title={`Cannot compare ${fileName}`} />;
  }
  const { before, after } = comparison;
  const partial = !(before.kind !== 'other' && before.complete && after.kind !== 'other' && after.complete);
  const partialNote = partial ? <p>Only the start of each version is compared: the files are longer than a comparison reads.</p> : null;

  if (before.kind === 'text' && after.kind === 'text') {
    // A text cut short may end inside a line: compare whole lines only.
    const lines = (version: { text: string; complete: boolean }) => (version.complete ? version.text : version.text.slice(0, version.text.lastIndexOf('\n') + 1));
    const outcome = diffLines(lines(before), lines(after));
    if (!outcome.ok) return <TooDifferent fileName={fileName} reason={outcome.reason} />;
    return (
      <>
        {partialNote}
        <LineDiff fileName={fileName} fromCycle={fromCycle} ops={outcome.result} totalBefore={splitLines(lines(before)).length} />
      </>
    );
  }
  if (before.kind === 'table' && after.kind === 'table') {
    const outcome = diffTables(before, after);
    if (!outcome.ok) return <TooDifferent fileName={fileName} reason={outcome.reason} />;
    return (
      <>
        {partialNote}
        <CellDiff fileName={fileName} fromCycle={fromCycle} diff={outcome.result} />
      </>
    );
  }
  const kinds = [before, after].map((version) => (version.kind === 'other' ? version.what : version.kind));
  return (
    <MessageBar intent="info" layout="multiline">
      <MessageBarBody>
        {kinds[0] === kinds[1]
          ? `${fileName} is a ${kinds[0]} file: there is no line or cell comparison for it; open its preview to look at it.`
          : `${fileName} was a ${kinds[0]} file in cycle ${fromCycle} and is a ${kinds[1]} file now: there is no line or cell comparison between them.`}
      </MessageBarBody>
    </MessageBar>
  );
}

function TooDifferent({ fileName, reason }: { fileName: string; reason: string }) {
  return (
    <MessageBar intent="info" layout="multiline">
      <MessageBarBody>
        The two versions of {fileName} differ too much to show line by line ({reason}); review the new version in its preview.
      </MessageBarBody>
    </MessageBar>
  );
}

function LineDiff({ fileName, fromCycle, ops, totalBefore }: { fileName: string; fromCycle: number; ops: DiffOp<string>[]; totalBefore: number }) {
  const styles = usePreviewStyles();
  const added = ops.filter((op) => op.kind === 'added').length;
  const removed = ops.filter((op) => op.kind === 'removed').length;
  const shown = withContext(ops);
  return (
    <>
      <p>
        {added === 0 && removed === 0
          ? `The text of ${fileName} is the same as in cycle ${fromCycle} (${plural(totalBefore, 'line')}).`
          : `${plural(added, 'line')} added, ${plural(removed, 'line')} removed since cycle ${fromCycle}.`}
      </p>
      {(added > 0 || removed > 0) && (
        <div className={styles.scrollBox} tabIndex={0} role="region" aria-label={`Line differences in ${fileName}`}>
          <table className={styles.table}>
            <caption className={styles.visuallyHidden}>
              Lines of {fileName} that changed since cycle {fromCycle}, with unchanged lines around them
            </caption>
            <thead>
              <tr>
                <th scope="col">Change</th>
                <th scope="col">Line before</th>
                <th scope="col">Line now</th>
                <th scope="col">Text</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((item, index) => {
                if (item.kind === 'skipped') {
                  return (
                    <tr key={index}>
                      <td colSpan={4} className={styles.skipped}>
                        {plural(item.count, 'unchanged line')}
                      </td>
                    </tr>
                  );
                }
                const rowClass = item.kind === 'added' ? styles.added : item.kind === 'removed' ? styles.removed : undefined;
                return (
                  <tr key={index} className={rowClass}>
                    <td className={styles.marker}>
                      <span aria-hidden="true">{item.kind === 'added' ? '+' : item.kind === 'removed' ? '−' : ' '}</span>
                      <span className={styles.visuallyHidden}>{item.kind === 'equal' ? 'unchanged' : item.kind}</span>
                    </td>
                    <td className={styles.rowNumber}>{item.kind === 'added' ? '' : item.beforeIndex + 1}</td>
                    <td className={styles.rowNumber}>{item.kind === 'removed' ? '' : item.afterIndex + 1}</td>
                    <td>{item.kind === 'added' ? item.after : item.before}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

const ROW_WORDS: Record<RowDiff['kind'], string> = { equal: 'unchanged', changed: 'changed', added: 'added', removed: 'removed' };

function CellDiff({ fileName, fromCycle, diff }: { fileName: string; fromCycle: number; diff: TableDiff }) {
  const styles = usePreviewStyles();
  const count = (kind: RowDiff['kind']) => diff.rows.filter((row) => row.kind === kind).length;
  const newColumns = diff.columns.filter((column) => column.beforeIndex === undefined).map((column) => column.name);
  const droppedColumns = diff.columns.filter((column) => column.afterIndex === undefined).map((column) => column.name);
  const unchanged = count('changed') + count('added') + count('removed') === 0 && newColumns.length === 0 && droppedColumns.length === 0;
  const shown = withContext(diff.rows, 2);
  const columnNote = (column: (typeof diff.columns)[number]) => (column.beforeIndex === undefined ? ' (new column)' : column.afterIndex === undefined ? ' (removed column)' : '');
  return (
    <>
      <p>
        {unchanged
          ? `The rows of ${fileName} are the same as in cycle ${fromCycle}.`
          : `Since cycle ${fromCycle}: ${plural(count('changed'), 'row')} changed, ${count('added')} added, ${count('removed')} removed` +
            (newColumns.length ? `; new columns: ${newColumns.join(', ')}` : '') +
            (droppedColumns.length ? `; removed columns: ${droppedColumns.join(', ')}` : '') +
            '.'}
      </p>
      {!unchanged && (
        <div className={styles.scrollBox} tabIndex={0} role="region" aria-label={`Cell differences in ${fileName}`}>
          <table className={styles.table}>
            <caption className={styles.visuallyHidden}>
              Rows of {fileName} that changed since cycle {fromCycle}; a changed cell shows the old value struck out, then the new one
            </caption>
            <thead>
              <tr>
                <th scope="col">Change</th>
                <th scope="col">Row before</th>
                <th scope="col">Row now</th>
                {diff.columns.map((column, index) => (
                  <th scope="col" key={index}>
                    {column.name}
                    {columnNote(column)}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {shown.map((row, index) => {
                if (row.kind === 'skipped') {
                  return (
                    <tr key={index}>
                      <td colSpan={diff.columns.length + 3} className={styles.skipped}>
                        {plural(row.count, 'unchanged row')}
                      </td>
                    </tr>
                  );
                }
                const rowClass = row.kind === 'added' ? styles.added : row.kind === 'removed' ? styles.removed : undefined;
                const cells = row.kind === 'removed' ? row.before : row.after;
                return (
                  <tr key={index} className={rowClass}>
                    <td>{ROW_WORDS[row.kind]}</td>
                    <td className={styles.rowNumber}>{row.kind === 'added' ? '' : row.beforeRow + 1}</td>
                    <td className={styles.rowNumber}>{row.kind === 'removed' ? '' : row.afterRow + 1}</td>
                    {cells.map((cell, column) =>
                      row.kind === 'changed' && row.changedColumns.includes(column) ? (
                        <td key={column} className={styles.changed}>
                          <del className={styles.del}>{row.before[column]}</del> <ins className={styles.ins}>{cell}</ins>
                        </td>
                      ) : (
                        <td key={column}>{cell}</td>
                      ),
                    )}
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
