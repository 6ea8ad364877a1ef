import type { AuditEntry } from '../../console/src/api/types';
import { cyclesOf, describeEntry, permissionsInWords, timelineByCycle, verificationInWords } from '../../console/src/audit/timeline';

const alice = { id: 'alice', name: 'Alice' };
const bob = { id: 'bob', name: 'Bob' };
const airlock = { id: 'airlock', name: 'Airlock' };
const HASH = '1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b';

let seq = 0;
function entry(fields: Partial<AuditEntry> & Pick<AuditEntry, 'action'>): AuditEntry {
  seq += 1;
  return { id: `e${seq}`, requestId: 'r1', workspaceId: 'demo', seq, actor: airlock, time: 1_700_000_000 + seq * 60, prevHash: '', hash: `h${seq}`, ...fields };
}
const words = (e: AuditEntry) => describeEntry(e, { timeZone: 'UTC' });

describe('audit entries in words', () => {
  test('a preview says who saw which file, by name and short hash, and where it was', () => {
    const previewed = entry({ action: 'file.previewed', actor: bob, files: [{ name: 'data.csv', sha256: HASH }], detail: { cycle: 2, stage: 'in_progress', view: 'auto', cursor: 0 } });
    expect(words(previewed)).toBe('Bob previewed data.csv (sha256 1a2b3c4d…) in the in-progress (review) stage of cycle 2');
    const laterPage = entry({ action: 'file.previewed', actor: bob, files: [{ name: 'data.csv', sha256: HASH }], detail: { cycle: 2, stage: 'in_progress', view: 'auto', cursor: 65536 } });
    expect(words(laterPage)).toBe('Bob previewed data.csv (sha256 1a2b3c4d…) from byte 65,536 in the in-progress (review) stage of cycle 2');
    const image = entry({ action: 'file.previewed', actor: bob, files: [{ name: 'plot.png' }], detail: { view: 'raw' } });
    expect(words(image)).toBe('Bob previewed plot.png (the image or PDF itself)');
  });

  test('a status change names both statuses in words, who made it if a person did, and why', () => {
    expect(words(entry({ action: 'status.changed', fromStatus: 'in_review', toStatus: 'approved', detail: { statusMessage: null, progressMessage: null } }))).toBe(
      'Status changed from in review to approved',
    );
    expect(words(entry({ action: 'status.changed', actor: alice, fromStatus: 'draft', toStatus: 'submitted' }))).toBe('Status changed from draft to submitted, by Alice');
    expect(
      words(entry({ action: 'status.changed', fromStatus: 'submitted', toStatus: 'blocking_in_progress', detail: { statusMessage: 'x.pdf: active content', progressMessage: null } })),
    ).toBe('Status changed from submitted to blocking in progress: x.pdf: active content');
    expect(words(entry({ action: 'status.changed', fromStatus: 'submitted', toStatus: 'in_review', detail: { statusMessage: null, progressMessage: 'no threats found in 3 files' } }))).toBe(
      'Status changed from submitted to in review (no threats found in 3 files)',
    );
  });

  test('reviews say the decision and the explanation', () => {
    expect(words(entry({ action: 'review.recorded', actor: bob, detail: { decision: 'changes_requested', explanation: 'round the counts', cycle: 1 } }))).toBe(
      'Bob requested changes: "round the counts"',
    );
    expect(words(entry({ action: 'review.recorded', actor: bob, detail: { decision: 'approved', explanation: 'fine', cycle: 1 } }))).toBe('Bob approved the request: "fine"');
    expect(words(entry({ action: 'review.recorded', actor: bob, detail: { decision: 'revoked', explanation: 'identifiable', cycle: 1 } }))).toBe(
      'Bob revoked the approval: "identifiable"',
    );
  });

  test('links, file records, moves, scans and deletions read as sentences', () => {
    expect(
      words(entry({ action: 'link.issued', actor: bob, detail: { stage: 'in_progress', cycle: 1, permissions: 'rl', expiresOn: '2025-12-07T10:34:00.000Z', account: 'stalexip' } })),
    ).toBe('Bob got a link to read and list the files in the in-progress (review) stage (cycle 1), valid until 10:34');
    expect(words(entry({ action: 'files.recorded', actor: alice, files: [{ name: 'a.csv', sha256: HASH }, { name: 'b.txt' }] }))).toBe(
      "Alice's submission recorded 2 files: a.csv (sha256 1a2b3c4d…), b.txt",
    );
    expect(
      words(entry({ action: 'data.moved', files: [{ name: 'a.csv' }], detail: { from: 'in_progress', to: 'draft', cycle: 2, storageVerified: true, sha256Verified: false, reviewedCopyKept: 1 } })),
    ).toBe('The airlock moved 1 file from the in-progress (review) stage to the draft stage (the storage service verified each copy); it kept the reviewed copy of cycle 1 for comparison');
    expect(words(entry({ action: 'scan.recorded', detail: { verdicts: ['a.csv: clamav clean', 'a.csv: content-checks clean'] } }))).toBe(
      'Scan results recorded: a.csv: clamav clean; a.csv: content-checks clean',
    );
    expect(words(entry({ action: 'scan.recorded', detail: { verdicts: [] } }))).toBe('Scan results cleared for the new submission');
    expect(words(entry({ action: 'data.deleted', files: [{ name: 'a.csv' }], detail: { stage: 'draft' } }))).toBe('The airlock deleted 1 file from the draft stage: a.csv');
    expect(words(entry({ action: 'request.created', actor: alice, detail: { type: 'export', title: 'Outputs', businessJustification: 'paper' } }))).toBe(
      'Alice created the export request "Outputs"',
    );
  });

  test('an action the console does not know still says who did what', () => {
    expect(words(entry({ action: 'something.new', actor: bob, files: [{ name: 'a.csv' }] }))).toBe('Bob: something.new (a.csv)');
  });

  test('permissions letters read as words', () => {
    expect(permissionsInWords('rwdl')).toBe('read, write, delete and list');
    expect(permissionsInWords('r')).toBe('read');
  });
});

describe('the timeline by cycle', () => {
  const log = [
    entry({ action: 'request.created', actor: alice, toStatus: 'draft', detail: { type: 'export', title: 'T' } }),
    entry({ action: 'status.changed', actor: alice, fromStatus: 'draft', toStatus: 'submitted' }),
    entry({ action: 'review.recorded', actor: bob, detail: { decision: 'changes_requested', explanation: 'x', cycle: 1 } }),
    entry({ action: 'status.changed', actor: bob, fromStatus: 'in_review', toStatus: 'changes_requested' }),
    entry({ action: 'data.moved', files: [{ name: 'a.csv' }], detail: { from: 'in_progress', to: 'draft', cycle: 2 } }),
    // written in the same change as the resubmission, before its status entry
    entry({ action: 'files.recorded', actor: alice, files: [{ name: 'a.csv' }] }),
    entry({ action: 'status.changed', actor: alice, fromStatus: 'changes_requested', toStatus: 'submitted' }),
    // a look at the earlier cycle's copy, during the second review
    entry({ action: 'file.previewed', actor: bob, files: [{ name: 'a.csv' }], detail: { cycle: 1, stage: 'reviewed copy', view: 'auto', cursor: 0 } }),
    entry({ action: 'review.recorded', actor: bob, detail: { decision: 'approved', explanation: 'ok', cycle: 2 } }),
  ];

  test('a new cycle starts right after the request is returned for changes: the edits and the resubmission belong to it', () => {
    expect(cyclesOf(log)).toEqual([1, 1, 1, 1, 2, 2, 2, 2, 2]);
  });

  test('groups entries in log order under a heading per cycle, whatever order they arrive in', () => {
    const groups = timelineByCycle([...log].reverse(), { timeZone: 'UTC' });
    expect(groups.map((g) => [g.heading, g.items.map((i) => i.seq)])).toEqual([
      ['Cycle 1: first submission', log.slice(0, 4).map((e) => e.seq)],
      ['Cycle 2: after changes were requested', log.slice(4).map((e) => e.seq)],
    ]);
    expect(groups[1].items[3].sentence).toBe('Bob previewed a.csv in the kept reviewed copy of cycle 1');
  });

  test('the chain check reads as one sentence, with the count or the problems', () => {
    expect(verificationInWords({ verified: true, entries: 12, problems: [] })).toBe('Chain verified ✓: all 12 entries link up, none altered or missing.');
    expect(verificationInWords({ verified: false, entries: 12, problems: ['entry 3: hash does not match its content'] })).toBe('Chain NOT verified: 1 problem in 12 entries.');
  });
});
