/**
 * Reading a list page from the Table request store's index (tableRequestIndex.ts): per workspace, a
 * RowKey range query from where the last page ended, with the list's filters applied by the service;
 * across workspaces, a k-way merge of those ranges. Only the rows a page needs are read: at most the
 * page size plus one per workspace (the one that says whether another page follows).
 */
import { odata, TableClient } from '@azure/data-tables';
import { ListQuery } from '../domain/schemas';
import { comparePositions, filterColumns, IndexRange, ListPosition } from './tableRequestIndex';

/** A page of a query holds at most 1000 entities (a Table storage limit). */
const MAX_SERVICE_PAGE = 1000;

export interface IndexHit extends ListPosition {
  requestId: string;
}

export interface IndexRows {
  /** In the list's order. */
  rows: IndexHit[];
  /** Workspaces whose every remaining row is among the first `within` rows: the range was read to its end. */
  endedWithin(within: number): Set<string>;
}

/**
 * The first `count` index rows of the list across `workspaceIds`, after `after`, in the list's
 * order. Fewer when the list has fewer.
 */
export async function readIndexRows(
  table: TableClient,
  workspaceIds: readonly string[],
  range: IndexRange,
  query: ListQuery,
  after: ListPosition | undefined,
  count: number,
): Promise<IndexRows> {
  const readers = workspaceIds.map((workspaceId) => new WorkspaceIndexReader(table, indexFilter(workspaceId, range, query, after)));
  // Rows spread over workspaces: each first reads its share, and refills with what is still missing.
  const share = Math.ceil(count / Math.max(1, readers.length));
  await mapWithConcurrency(readers, READ_CONCURRENCY, (reader) => reader.fill(share));
  const merged: IndexHit[] = [];
  while (merged.length < count) {
    const missing = count - merged.length;
    await mapWithConcurrency(
      readers.filter((reader) => reader.needsRefill()),
      READ_CONCURRENCY,
      (reader) => reader.fill(missing),
    );
    let next: WorkspaceIndexReader | undefined;
    for (const reader of readers) {
      const head = reader.head();
      if (head && (!next || comparePositions(head, next.head()!) < 0)) next = reader;
    }
    if (!next) break;
    merged.push(next.take());
  }
  return {
    rows: merged,
    endedWithin(within) {
      const beyond = new Set(merged.slice(within).map((row) => row.workspaceId));
      return new Set(workspaceIds.filter((workspaceId, index) => readers[index].ended() && !beyond.has(workspaceId)));
    },
  };
}

/** Parallel requests to the table per list call: enough to hide latency, few enough not to flood the service. */
export const READ_CONCURRENCY = 16;

function indexFilter(workspaceId: string, range: IndexRange, query: ListQuery, after: ListPosition | undefined): string {
  const clauses = [odata`PartitionKey eq ${workspaceId}`];
  if (after === undefined) {
    clauses.push(odata`RowKey ge ${range.prefix}`);
  } else {
    // Rows equal to the position's key come after it only in later workspaces (ties go by workspace id).
    clauses.push(workspaceId > after.workspaceId ? odata`RowKey ge ${after.rowKey}` : odata`RowKey gt ${after.rowKey}`);
  }
  clauses.push(odata`RowKey lt ${range.end}`);
  for (const [column, value] of filterColumns(query)) clauses.push(columnEquals(column, value));
  return clauses.join(' and ');
}

/** Spelled out per column: `odata` quotes a value only where the template's text is around it. */
function columnEquals(column: 'status' | 'type' | 'createdById', value: string): string {
  switch (column) {
    case 'status':
      return odata`status eq ${value}`;
    case 'type':
      return odata`type eq ${value}`;
    case 'createdById':
      return odata`createdById eq ${value}`;
  }
}

/** One workspace's range of the index, read forward in service pages as the merge asks for rows. */
class WorkspaceIndexReader {
  private buffer: IndexHit[] = [];
  private continuationToken: string | undefined;
  private exhausted = false;

  constructor(
    private readonly table: TableClient,
    private readonly filter: string,
  ) {}

  head(): IndexHit | undefined {
    return this.buffer[0];
  }

  take(): IndexHit {
    return this.buffer.shift()!;
  }

  needsRefill(): boolean {
    return this.buffer.length === 0 && !this.exhausted;
  }

  /** Every row of the range was read and handed out. */
  ended(): boolean {
    return this.buffer.length === 0 && this.exhausted;
  }

  /** Reads until at least one more row is buffered or the range ends, asking for `wanted` rows at a time. */
  async fill(wanted: number): Promise<void> {
    const before = this.buffer.length;
    while (this.buffer.length === before && !this.exhausted) {
      const pages = this.table
        .listEntities<Record<string, unknown>>({ queryOptions: { filter: this.filter, select: ['partitionKey', 'rowKey', 'requestId'] } })
        .byPage({ maxPageSize: Math.min(MAX_SERVICE_PAGE, Math.max(1, wanted)), continuationToken: this.continuationToken });
      const { value: page, done } = await pages.next();
      // The service may answer a page with no rows and a token (a partition or time limit was hit): read on.
      for (const entity of done ? [] : page) {
        this.buffer.push({ rowKey: String(entity.rowKey), workspaceId: String(entity.partitionKey), requestId: String(entity.requestId) });
      }
      this.continuationToken = done ? undefined : page.continuationToken;
      this.exhausted = this.continuationToken === undefined;
    }
  }
}

/** `work` over `items`, at most `limit` at a time, results in the order of `items`. After a failure no new item is started. */
export async function mapWithConcurrency<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let nextIndex = 0;
  let failed = false;
  const worker = async () => {
    while (nextIndex < items.length && !failed) {
      const index = nextIndex++;
      try {
        results[index] = await work(items[index]);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
