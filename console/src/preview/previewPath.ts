/** Addresses of the preview API (`GET .../preview`, contract §2) and of the changes list (§3). */

export interface PreviewQuery {
  /** byte offset where the page starts: a previous answer's nextCursor */
  cursor?: number;
  /** rows per table page, 1..500 */
  rows?: number;
  /** a submission cycle other than the current one */
  cycle?: number;
  view?: 'auto' | 'raw';
}

/** A file name is data: it travels whole as one query value, however many slashes it has. */
export function previewPath(workspaceId: string, requestId: string, fileName: string, query: PreviewQuery = {}): string {
  const params = new URLSearchParams({ file: fileName });
  if (query.cursor !== undefined && query.cursor > 0) params.set('cursor', String(query.cursor));
  if (query.rows !== undefined) params.set('rows', String(query.rows));
  if (query.cycle !== undefined) params.set('cycle', String(query.cycle));
  if (query.view === 'raw') params.set('view', 'raw');
  return `/api/workspaces/${encodeURIComponent(workspaceId)}/requests/${encodeURIComponent(requestId)}/preview?${params.toString()}`;
}

export function changesPath(workspaceId: string, requestId: string): string {
  return `/api/workspaces/${encodeURIComponent(workspaceId)}/requests/${encodeURIComponent(requestId)}/changes`;
}

/** Rows per table page the console asks for. */
export const TABLE_PAGE_ROWS = 100;
/** How much of each version a diff reads, at most: previews are paged, and a diff must not read a whole large file. */
export const DIFF_MAX_TABLE_PAGES = 10;
export const DIFF_TABLE_PAGE_ROWS = 500;
export const DIFF_MAX_TEXT_PAGES = 4;
