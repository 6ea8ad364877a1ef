import { AuditEntry } from '../../src/domain/audit';
import { changesBetween, lastReturnedCycleBefore } from '../../src/domain/cycleChanges';

const entry = (seq: number, action: string, detail: AuditEntry['detail'], files: AuditEntry['files'] = []): AuditEntry => ({
  id: `e${seq}`,
  requestId: 'r',
  workspaceId: 'w',
  seq,
  prevHash: '',
  hash: '',
  action,
  actor: { id: 'u', name: 'U' },
  time: seq,
  files,
  detail,
});

describe('changesBetween', () => {
  test('a file whose hash is unknown on either side is changed, never unchanged', () => {
    expect(changesBetween([{ name: 'a', sha256: 'x' }], [{ name: 'a' }]).map((row) => row.change)).toEqual(['changed']);
    expect(changesBetween([{ name: 'a' }], [{ name: 'a' }]).map((row) => row.change)).toEqual(['changed']);
  });

  test('names are compared exactly, in code-point order', () => {
    expect(changesBetween([{ name: 'B.csv', sha256: 'x' }], [{ name: 'b.csv', sha256: 'x' }, { name: 'a.csv', sha256: 'y' }])).toEqual([
      { name: 'B.csv', change: 'removed', before: { sha256: 'x' } },
      { name: 'a.csv', change: 'added', after: { sha256: 'y' } },
      { name: 'b.csv', change: 'added', after: { sha256: 'x' } },
    ]);
  });
});

describe('lastReturnedCycleBefore', () => {
  const log = [
    entry(1, 'request.created', {}),
    entry(2, 'review.recorded', { decision: 'changes_requested', cycle: 1 }, [{ name: 'one.csv', sha256: '1' }]),
    entry(3, 'review.recorded', { decision: 'approved', cycle: 2 }, [{ name: 'approved.csv', sha256: '9' }]),
    entry(4, 'review.recorded', { decision: 'changes_requested', cycle: 2 }, [{ name: 'two.csv', sha256: '2' }]),
    entry(5, 'review.recorded', { decision: 'changes_requested', cycle: 3 }, [{ name: 'three.csv', sha256: '3' }]),
  ];

  test('is the latest cycle before the given one that was returned for changes, with the files that review saw', () => {
    expect(lastReturnedCycleBefore(log, 3)).toEqual({ cycle: 2, files: [{ name: 'two.csv', sha256: '2' }] });
    expect(lastReturnedCycleBefore(log, 2)).toEqual({ cycle: 1, files: [{ name: 'one.csv', sha256: '1' }] });
  });

  test('the first submission, and a log with no return for changes, have none', () => {
    expect(lastReturnedCycleBefore(log, 1)).toBeUndefined();
    expect(lastReturnedCycleBefore(log.slice(0, 1), 5)).toBeUndefined();
  });
});
