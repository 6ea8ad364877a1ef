import { diffLines, diffSequences, diffTables, DiffOp, planColumns, splitLines, withContext } from '../../console/src/preview/diff';

const sides = <T>(ops: DiffOp<T>[]) => ({
  before: ops.flatMap((op) => (op.kind === 'added' ? [] : [op.before])),
  after: ops.flatMap((op) => (op.kind === 'removed' ? [] : [op.after])),
  edits: ops.filter((op) => op.kind !== 'equal').length,
});

/** Insertions plus deletions of a shortest edit script, by the textbook LCS table. */
function editDistance<T>(a: readonly T[], b: readonly T[]): number {
  const lcs = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i -= 1) {
    for (let j = b.length - 1; j >= 0; j -= 1) lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  }
  return a.length + b.length - 2 * lcs[0][0];
}

/** A small deterministic generator, so a failure can be replayed. */
function random(seed: number) {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
}

describe('line diff (Myers)', () => {
  test('one changed line reads as the old line removed and the new one added, between unchanged lines', () => {
    const outcome = diffLines('a\nb\nc\n', 'a\nx\nc\n');
    expect(outcome.ok && outcome.result.map((op) => [op.kind, op.kind === 'added' ? op.after : op.before])).toEqual([
      ['equal', 'a'],
      ['removed', 'b'],
      ['added', 'x'],
      ['equal', 'c'],
    ]);
  });

  test('line numbers are those of each side', () => {
    const outcome = diffLines('keep\nold\n', 'new 1\nnew 2\nkeep\n');
    if (!outcome.ok) throw new Error(outcome.reason);
    expect(outcome.result).toEqual([
      { kind: 'added', after: 'new 1', afterIndex: 0 },
      { kind: 'added', after: 'new 2', afterIndex: 1 },
      { kind: 'equal', before: 'keep', after: 'keep', beforeIndex: 0, afterIndex: 2 },
      { kind: 'removed', before: 'old', beforeIndex: 1 },
    ]);
  });

  test('identical texts have no changes; an empty side is all added or all removed', () => {
    const same = diffLines('x\ny', 'x\ny');
    expect(same.ok && same.result.every((op) => op.kind === 'equal')).toBe(true);
    const fromNothing = diffLines('', 'p\nq');
    expect(fromNothing.ok && fromNothing.result.map((op) => op.kind)).toEqual(['added', 'added']);
    const toNothing = diffLines('p\nq\n', '');
    expect(toNothing.ok && toNothing.result.map((op) => op.kind)).toEqual(['removed', 'removed']);
    const nothing = diffLines('', '');
    expect(nothing.ok && nothing.result).toEqual([]);
  });

  test('on random inputs the script rebuilds both sides and is as short as the LCS says it can be', () => {
    const next = random(42);
    for (let round = 0; round < 300; round += 1) {
      const a = Array.from({ length: Math.floor(next() * 25) }, () => 'abcd'[Math.floor(next() * 4)]);
      const b = Array.from({ length: Math.floor(next() * 25) }, () => 'abcd'[Math.floor(next() * 4)]);
      const outcome = diffSequences(a, b);
      if (!outcome.ok) throw new Error(outcome.reason);
      const rebuilt = sides(outcome.result);
      expect(rebuilt.before).toEqual(a);
      expect(rebuilt.after).toEqual(b);
      expect(rebuilt.edits).toBe(editDistance(a, b));
    }
  });

  test('past the edit bound it says the versions are too different, rather than working on', () => {
    const before = Array.from({ length: 50 }, (_, i) => `old ${i}`);
    const after = Array.from({ length: 50 }, (_, i) => `new ${i}`);
    const outcome = diffSequences(before, after, Object.is, { maxItems: 1000, maxEdits: 60 });
    expect(outcome).toEqual({ ok: false, reason: 'more than 60 lines or rows added or removed' });
    expect(diffSequences(before, after, Object.is, { maxItems: 1000, maxEdits: 100 }).ok).toBe(true);
    expect(diffSequences(before, after, Object.is, { maxItems: 40, maxEdits: 1000 })).toEqual({ ok: false, reason: 'more than 40 differing lines or rows on one side' });
  });

  test('a long file with one change far down is cheap: the common start and end are set aside', () => {
    const before = Array.from({ length: 100_000 }, (_, i) => `line ${i}`);
    const after = [...before];
    after[70_000] = 'changed';
    const outcome = diffSequences(before, after, Object.is, { maxItems: 10, maxEdits: 10 });
    if (!outcome.ok) throw new Error(outcome.reason);
    expect(outcome.result.filter((op) => op.kind !== 'equal')).toEqual([
      { kind: 'removed', before: 'line 70000', beforeIndex: 70_000 },
      { kind: 'added', after: 'changed', afterIndex: 70_000 },
    ]);
  });

  test('lines split on LF, CRLF and CR; a final line break adds no empty line', () => {
    expect(splitLines('a\r\nb\nc\rd\n')).toEqual(['a', 'b', 'c', 'd']);
    expect(splitLines('a\n\n')).toEqual(['a', '']);
    expect(splitLines('')).toEqual([]);
  });

  test('long unchanged runs fold into one "n unchanged" item, keeping context around each change', () => {
    const before = Array.from({ length: 20 }, (_, i) => `${i}`);
    const after = [...before];
    after[10] = 'ten';
    const outcome = diffSequences(before, after);
    if (!outcome.ok) throw new Error(outcome.reason);
    const shown = withContext(outcome.result, 2);
    expect(shown.map((item) => (item.kind === 'skipped' ? `…${item.count}` : item.kind === 'added' ? `+${item.after}` : item.kind === 'removed' ? `-${item.before}` : item.before))).toEqual([
      '…8', '8', '9', '-10', '+ten', '11', '12', '…7',
    ]);
    const unchanged = diffSequences(['a', 'b'], ['a', 'b']);
    expect(unchanged.ok && withContext(unchanged.result)).toEqual([{ kind: 'skipped', count: 2 }]);
  });
});

describe('table diff', () => {
  test('columns match by name, in the new order, with removed columns last', () => {
    expect(planColumns(['id', 'age', 'postcode'], ['age', 'id', 'score'])).toEqual([
      { name: 'age', afterIndex: 0, beforeIndex: 1 },
      { name: 'id', afterIndex: 1, beforeIndex: 0 },
      { name: 'score', afterIndex: 2, beforeIndex: undefined },
      { name: 'postcode', beforeIndex: 2 },
    ]);
  });

  test('a repeated column name matches by its occurrence', () => {
    expect(planColumns(['x', 'x'], ['x', 'y', 'x'])).toEqual([
      { name: 'x', afterIndex: 0, beforeIndex: 0 },
      { name: 'y', afterIndex: 1, beforeIndex: undefined },
      { name: 'x', afterIndex: 2, beforeIndex: 1 },
    ]);
  });

  test('a row whose cell changed is one changed row naming that column; new and dropped rows are added and removed', () => {
    const before = { header: ['id', 'count'], rows: [['1', '10'], ['2', '20'], ['3', '30'], ['4', '40']] };
    const after = { header: ['id', 'count'], rows: [['1', '10'], ['2', '<5'], ['4', '40'], ['5', '50']] };
    const outcome = diffTables(before, after);
    if (!outcome.ok) throw new Error(outcome.reason);
    expect(outcome.result.rows).toEqual([
      { kind: 'equal', before: ['1', '10'], after: ['1', '10'], beforeRow: 0, afterRow: 0 },
      { kind: 'changed', before: ['2', '20'], after: ['2', '<5'], beforeRow: 1, afterRow: 1, changedColumns: [1] },
      { kind: 'removed', before: ['3', '30'], beforeRow: 2 },
      { kind: 'equal', before: ['4', '40'], after: ['4', '40'], beforeRow: 3, afterRow: 2 },
      { kind: 'added', after: ['5', '50'], afterRow: 3 },
    ]);
  });

  test('a dropped column leaves rows equal on the columns both versions have, shown in the same column order', () => {
    const before = { header: ['id', 'name', 'postcode'], rows: [['1', 'Ann', 'AB1'], ['2', 'Bo', 'CD2']] };
    const after = { header: ['id', 'name'], rows: [['1', 'Ann'], ['2', 'Bob']] };
    const outcome = diffTables(before, after);
    if (!outcome.ok) throw new Error(outcome.reason);
    expect(outcome.result.columns.map((c) => [c.name, c.beforeIndex, c.afterIndex])).toEqual([
      ['id', 0, 0],
      ['name', 1, 1],
      ['postcode', 2, undefined],
    ]);
    expect(outcome.result.rows).toEqual([
      { kind: 'equal', before: ['1', 'Ann', 'AB1'], after: ['1', 'Ann', ''], beforeRow: 0, afterRow: 0 },
      { kind: 'changed', before: ['2', 'Bo', 'CD2'], after: ['2', 'Bob', ''], beforeRow: 1, afterRow: 1, changedColumns: [1] },
    ]);
  });

  test('a short row reads as empty cells, not as a different row shape', () => {
    const outcome = diffTables({ header: ['a', 'b'], rows: [['1']] }, { header: ['a', 'b'], rows: [['1', '']] });
    expect(outcome.ok && outcome.result.rows.map((row) => row.kind)).toEqual(['equal']);
  });
});
