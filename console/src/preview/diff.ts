/**
 * Line and cell differences between a file's reviewed copy and its resubmitted version, computed in
 * the browser from two previews. Myers' O(ND) algorithm: the shortest edit script, found in time and
 * memory that grow with the number of differences, not with the file. Both are bounded: past them the
 * answer is "too different to show", never a frozen tab.
 */

export interface DiffLimits {
  /** most items (lines or rows) per side, after the common start and end are set aside */
  maxItems: number;
  /** most insertions plus deletions */
  maxEdits: number;
}

export const DIFF_LIMITS: DiffLimits = { maxItems: 20_000, maxEdits: 2_000 };

export type DiffOp<T> =
  | { kind: 'equal'; before: T; after: T; beforeIndex: number; afterIndex: number }
  | { kind: 'removed'; before: T; beforeIndex: number }
  | { kind: 'added'; after: T; afterIndex: number };

export type DiffOutcome<R> = { ok: true; result: R } | { ok: false; reason: string };

/**
 * The shortest edit script turning `before` into `after`, as a list of equal, removed and added
 * items in order (removals before additions where both happen at one place).
 */
export function diffSequences<T>(
  before: readonly T[],
  after: readonly T[],
  equals: (a: T, b: T) => boolean = Object.is,
  limits: DiffLimits = DIFF_LIMITS,
): DiffOutcome<DiffOp<T>[]> {
  let start = 0;
  while (start < before.length && start < after.length && equals(before[start], after[start])) start += 1;
  let endBefore = before.length;
  let endAfter = after.length;
  while (endBefore > start && endAfter > start && equals(before[endBefore - 1], after[endAfter - 1])) {
    endBefore -= 1;
    endAfter -= 1;
  }
  const a = before.slice(start, endBefore);
  const b = after.slice(start, endAfter);
  if (a.length > limits.maxItems || b.length > limits.maxItems) {
    return { ok: false, reason: `more than ${limits.maxItems} differing lines or rows on one side` };
  }
  const middle = shortestEditScript(a, b, equals, limits.maxEdits);
  if (!middle) return { ok: false, reason: `more than ${limits.maxEdits} lines or rows added or removed` };

  const ops: DiffOp<T>[] = [];
  for (let i = 0; i < start; i += 1) ops.push({ kind: 'equal', before: before[i], after: after[i], beforeIndex: i, afterIndex: i });
  for (const op of middle) ops.push(shifted(op, start));
  for (let i = 0; endBefore + i < before.length; i += 1) {
    ops.push({ kind: 'equal', before: before[endBefore + i], after: after[endAfter + i], beforeIndex: endBefore + i, afterIndex: endAfter + i });
  }
  return { ok: true, result: ops };
}

function shifted<T>(op: DiffOp<T>, by: number): DiffOp<T> {
  switch (op.kind) {
    case 'equal':
      return { ...op, beforeIndex: op.beforeIndex + by, afterIndex: op.afterIndex + by };
    case 'removed':
      return { ...op, beforeIndex: op.beforeIndex + by };
    case 'added':
      return { ...op, afterIndex: op.afterIndex + by };
  }
}

/**
 * Myers' greedy forward search over diagonals k = x - y, keeping for each edit count d the furthest
 * x reached on every diagonal (only diagonals -d-1..d+1 are kept per d, so memory is O(D²)), then
 * walking back through those snapshots. Undefined when more than `maxEdits` edits are needed.
 */
function shortestEditScript<T>(a: readonly T[], b: readonly T[], equals: (x: T, y: T) => boolean, maxEdits: number): DiffOp<T>[] | undefined {
  const n = a.length;
  const m = b.length;
  const max = Math.min(n + m, maxEdits);
  const offset = max + 1;
  const v = new Int32Array(2 * max + 3);
  // Snapshots of v before each round d, diagonals -d-1..d+1 only.
  const trace: Int32Array[] = [];
  v[offset + 1] = 0;
  for (let d = 0; d <= max; d += 1) {
    trace.push(v.slice(offset - d - 1, offset + d + 2));
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[offset + k - 1] < v[offset + k + 1]) ? v[offset + k + 1] : v[offset + k - 1] + 1;
      let y = x - k;
      while (x < n && y < m && equals(a[x], b[y])) {
        x += 1;
        y += 1;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) return walkBack(a, b, trace, n, m);
    }
  }
  return undefined;
}

function walkBack<T>(a: readonly T[], b: readonly T[], trace: Int32Array[], n: number, m: number): DiffOp<T>[] {
  const reversed: DiffOp<T>[] = [];
  let x = n;
  let y = m;
  for (let d = trace.length - 1; d >= 0; d -= 1) {
    const snapshot = trace[d];
    // snapshot[i] holds diagonal i - d - 1
    const at = (k: number) => snapshot[k + d + 1];
    const k = x - y;
    const previousK = k === -d || (k !== d && at(k - 1) < at(k + 1)) ? k + 1 : k - 1;
    const previousX = d === 0 ? 0 : at(previousK);
    const previousY = d === 0 ? 0 : previousX - previousK;
    while (x > previousX && y > previousY) {
      x -= 1;
      y -= 1;
      reversed.push({ kind: 'equal', before: a[x], after: b[y], beforeIndex: x, afterIndex: y });
    }
    if (d > 0) {
      if (x === previousX) reversed.push({ kind: 'added', after: b[previousY], afterIndex: previousY });
      else reversed.push({ kind: 'removed', before: a[previousX], beforeIndex: previousX });
    }
    x = previousX;
    y = previousY;
  }
  return reversed.reverse();
}

/** A text's lines; a final line break does not make an empty last line. */
export function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split(/\r\n|\n|\r/);
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

export function diffLines(before: string, after: string, limits: DiffLimits = DIFF_LIMITS): DiffOutcome<DiffOp<string>[]> {
  return diffSequences(splitLines(before), splitLines(after), (x, y) => x === y, limits);
}

export type Folded<I> = I | { kind: 'skipped'; count: number };

/**
 * What to show of a diff: every change with `context` unchanged items around it; longer unchanged
 * runs become one "n unchanged" item. A diff without changes is one skipped run. Works on lines and
 * on table rows alike: an item of kind 'equal' is unchanged, any other kind is a change.
 */
export function withContext<I extends { kind: string }>(items: readonly I[], context = 3): Folded<I>[] {
  const keep = items.map(() => false);
  items.forEach((item, index) => {
    if (item.kind === 'equal') return;
    for (let j = Math.max(0, index - context); j <= Math.min(items.length - 1, index + context); j += 1) keep[j] = true;
  });
  const shown: Folded<I>[] = [];
  let skipped = 0;
  items.forEach((item, index) => {
    if (keep[index]) {
      if (skipped) shown.push({ kind: 'skipped', count: skipped });
      skipped = 0;
      shown.push(item);
    } else {
      skipped += 1;
    }
  });
  if (skipped) shown.push({ kind: 'skipped', count: skipped });
  return shown;
}

// ---- tables ----

export interface TableSide {
  header: string[];
  rows: string[][];
}

/** A column of the compared table: where it is on each side (absent on a side: added or removed). */
export interface ColumnPlan {
  name: string;
  beforeIndex?: number;
  afterIndex?: number;
}

export type RowDiff =
  | { kind: 'equal'; before: string[]; after: string[]; beforeRow: number; afterRow: number }
  | { kind: 'changed'; before: string[]; after: string[]; beforeRow: number; afterRow: number; changedColumns: number[] }
  | { kind: 'removed'; before: string[]; beforeRow: number }
  | { kind: 'added'; after: string[]; afterRow: number };

export interface TableDiff {
  columns: ColumnPlan[];
  rows: RowDiff[];
}

/**
 * Columns matched by header name (a repeated name by its occurrence), in the new order, then the
 * columns that were removed.
 */
export function planColumns(before: readonly string[], after: readonly string[]): ColumnPlan[] {
  const keyed = (header: readonly string[]) => {
    const seen = new Map<string, number>();
    return header.map((name) => {
      const occurrence = (seen.get(name) ?? 0) + 1;
      seen.set(name, occurrence);
      return `${occurrence}\u0000${name}`;
    });
  };
  const beforeKeys = keyed(before);
  const afterKeys = keyed(after);
  const beforeAt = new Map(beforeKeys.map((key, index) => [key, index]));
  const plan: ColumnPlan[] = afterKeys.map((key, index) => ({ name: after[index], afterIndex: index, beforeIndex: beforeAt.get(key) }));
  const kept = new Set(afterKeys);
  beforeKeys.forEach((key, index) => {
    if (!kept.has(key)) plan.push({ name: before[index], beforeIndex: index });
  });
  return plan;
}

/** A row's cells in the plan's column order; '' for a column the side does not have or a short row. */
function project(row: readonly string[], columns: readonly ColumnPlan[], side: 'beforeIndex' | 'afterIndex'): string[] {
  return columns.map((column) => (column[side] === undefined ? '' : (row[column[side]!] ?? '')));
}

/**
 * Rows aligned by their cells in the columns both sides share; where rows were removed and added at
 * the same place, they are paired as changed rows with the differing cells named, the rest stay
 * removed or added.
 */
export function diffTables(before: TableSide, after: TableSide, limits: DiffLimits = DIFF_LIMITS): DiffOutcome<TableDiff> {
  const columns = planColumns(before.header, after.header);
  const shared = columns.flatMap((column, index) => (column.beforeIndex !== undefined && column.afterIndex !== undefined ? [index] : []));
  const beforeRows = before.rows.map((row) => project(row, columns, 'beforeIndex'));
  const afterRows = after.rows.map((row) => project(row, columns, 'afterIndex'));
  const key = (row: string[]) => JSON.stringify(shared.map((index) => row[index]));
  const beforeKeys = beforeRows.map(key);
  const afterKeys = afterRows.map(key);
  const ops = diffSequences(beforeKeys, afterKeys, (x, y) => x === y, limits);
  if (!ops.ok) return ops;

  const rows: RowDiff[] = [];
  let removed: number[] = [];
  let added: number[] = [];
  const flush = () => {
    const pairs = Math.min(removed.length, added.length);
    for (let i = 0; i < pairs; i += 1) {
      const b = beforeRows[removed[i]];
      const a = afterRows[added[i]];
      rows.push({ kind: 'changed', before: b, after: a, beforeRow: removed[i], afterRow: added[i], changedColumns: shared.filter((index) => b[index] !== a[index]) });
    }
    for (const index of removed.slice(pairs)) rows.push({ kind: 'removed', before: beforeRows[index], beforeRow: index });
    for (const index of added.slice(pairs)) rows.push({ kind: 'added', after: afterRows[index], afterRow: index });
    removed = [];
    added = [];
  };
  for (const op of ops.result) {
    if (op.kind === 'removed') removed.push(op.beforeIndex);
    else if (op.kind === 'added') added.push(op.afterIndex);
    else {
      flush();
      rows.push({ kind: 'equal', before: beforeRows[op.beforeIndex], after: afterRows[op.afterIndex], beforeRow: op.beforeIndex, afterRow: op.afterIndex });
    }
  }
  flush();
  return { ok: true, result: { columns, rows } };
}
