import type { AirlockRequest, AirlockReview, FileScanResult } from '../../console/src/api/types';
import { approvalProgress } from '../../console/src/review/approvals';
import { formatBytes, shortHash } from '../../console/src/review/format';
import { reviewBody, revokeBody, whyNoReview } from '../../console/src/review/reviewDecision';
import { oldestFirst, queuePath, reviewPageHref } from '../../console/src/review/reviewQueueModel';
import { findingsFor, overallVerdict } from '../../console/src/review/scanWords';
import { previewPath } from '../../console/src/preview/previewPath';
import { changesSummary, comparable, versionInWords } from '../../console/src/review/changesWords';

const alice = { id: 'alice', name: 'Alice' };
const bob = { id: 'bob', name: 'Bob' };
const carol = { id: 'carol', name: 'Carol' };

function review(reviewer: { id: string; name: string }, decision: AirlockReview['reviewDecision'], cycle: number, at = 100): AirlockReview {
  return { id: `${reviewer.id}-${cycle}`, cycle, reviewer, dateCreated: at, reviewDecision: decision, decisionExplanation: 'because' };
}

function request(overrides: Partial<AirlockRequest>): AirlockRequest {
  return {
    id: 'r1',
    workspaceId: 'demo',
    type: 'export',
    title: 'Outputs',
    businessJustification: 'paper',
    status: 'in_review',
    files: [],
    reviews: [],
    reviewCycle: 1,
    createdBy: alice,
    createdWhen: 1,
    updatedBy: alice,
    updatedWhen: 1,
    history: [],
    resourceVersion: 1,
    ...overrides,
  };
}

describe('approvals so far and how many remain', () => {
  test("the airlock's progress message gives the quorum once the first approval is in", () => {
    const progress = approvalProgress(
      request({ reviews: [review(bob, 'approved', 1)], progressMessage: 'approved by 1 of 2 reviewers; 1 more approval needed' }),
    );
    expect(progress).toMatchObject({ required: 2, remaining: 1, summary: 'Approved by 1 of 2 reviewers; 1 more approval needed.' });
    expect(progress.approvals.map((r) => r.reviewer.name)).toEqual(['Bob']);
  });

  test('only the current cycle counts: an approval of an earlier submission is not an approval now', () => {
    const progress = approvalProgress(
      request({
        reviewCycle: 2,
        reviews: [review(bob, 'approved', 1), review(carol, 'changes_requested', 1)],
        progressMessage: 'approved by 1 of 2 reviewers; 1 more approval needed',
      }),
    );
    expect(progress.approvals).toEqual([]);
    expect(progress.reviews).toEqual([]);
    // The message counted cycle 1's approval: it says nothing about cycle 2.
    expect(progress.required).toBeUndefined();
    expect(progress.summary).toBe('No approvals yet in this cycle; at least 1 approval is needed.');
  });

  test('reviews without a cycle belong to cycle 1', () => {
    const legacy = { ...review(bob, 'approved', 1), cycle: undefined };
    expect(approvalProgress(request({ reviews: [legacy], progressMessage: 'approved by 1 of 3 reviewers; 2 more approvals needed' }))).toMatchObject({
      required: 3,
      remaining: 2,
      summary: 'Approved by 1 of 3 reviewers; 2 more approvals needed.',
    });
  });

  test("before the first approval, the workspace's number from the API says how many are needed", () => {
    expect(approvalProgress(request({ reviews: [] }), 2)).toMatchObject({ required: 2, remaining: 2, summary: 'Approved by 0 of 2 reviewers; 2 more approvals needed.' });
    expect(approvalProgress(request({ reviews: [] })).summary).toBe('No approvals yet in this cycle; at least 1 approval is needed.');
  });

  test('an approved request needs no more approvals', () => {
    const progress = approvalProgress(request({ status: 'approved', reviews: [review(bob, 'approved', 1), review(carol, 'approved', 1, 200)] }));
    expect(progress).toMatchObject({ remaining: 0, summary: 'Approved by 2 reviewers; no more approvals needed.' });
  });
});

describe('the review form', () => {
  test('an approval may go without an explanation, and then sends none (a blank one is refused by the API)', () => {
    expect(reviewBody('approved', '   ')).toEqual({ ok: true, body: { decision: 'approved' } });
    expect(reviewBody('approved', ' fine ')).toEqual({ ok: true, body: { decision: 'approved', decisionExplanation: 'fine' } });
  });

  test('a rejection or a request for changes needs an explanation', () => {
    expect(reviewBody('rejected', '')).toMatchObject({ ok: false, problem: expect.stringMatching(/why you reject/) });
    expect(reviewBody('changes_requested', '  ')).toMatchObject({ ok: false, problem: expect.stringMatching(/what the requester should change/) });
    expect(reviewBody('changes_requested', 'round the counts')).toEqual({ ok: true, body: { decision: 'changes_requested', decisionExplanation: 'round the counts' } });
    expect(reviewBody(undefined, 'x')).toMatchObject({ ok: false });
    expect(reviewBody('rejected', 'x'.repeat(4001))).toMatchObject({ ok: false, problem: expect.stringMatching(/4001 characters/) });
  });

  test('a revoke needs a reason, sent as {reason}', () => {
    expect(revokeBody(' ')).toMatchObject({ ok: false });
    expect(revokeBody(' data was identifiable ')).toEqual({ ok: true, body: { reason: 'data was identifiable' } });
  });

  test('the form says why the airlock will not take a review from this user', () => {
    expect(whyNoReview(request({}), 'alice')).toMatch(/your own request/);
    expect(whyNoReview(request({ reviews: [review(bob, 'approved', 1)] }), 'bob')).toMatch(/already reviewed/);
    // A review in an earlier cycle does not stop a review of this one.
    expect(whyNoReview(request({ reviewCycle: 2, reviews: [review(bob, 'changes_requested', 1)] }), 'bob')).toBeUndefined();
    expect(whyNoReview(request({ status: 'approved' }), 'bob')).toMatch(/in review/);
  });
});

describe('the review queue', () => {
  test('asks for the manager view, narrowed to what awaits my review when toggled, oldest first', () => {
    expect(queuePath({ awaitingMyReview: true, status: 'approved' })).toBe(
      '/api/requests?airlock_manager=true&awaiting_my_review=true&order_by=createdWhen&order_ascending=true',
    );
    expect(queuePath({ awaitingMyReview: false, status: 'blocked_by_scan', type: 'export' })).toBe(
      '/api/requests?airlock_manager=true&status=blocked_by_scan&type=export&order_by=createdWhen&order_ascending=true',
    );
  });

  test('sorts the oldest request first, whatever order the list came in', () => {
    const sorted = oldestFirst([request({ id: 'b', createdWhen: 30 }), request({ id: 'a', createdWhen: 10 }), request({ id: 'c', createdWhen: 30 })]);
    expect(sorted.map((r) => r.id)).toEqual(['a', 'b', 'c']);
  });

  test('links each row to its review page, with ids encoded', () => {
    expect(reviewPageHref('ws 1', 'abc')).toBe('/api/console/review/ws%201/abc');
  });
});

describe('files, sizes and scan findings in words', () => {
  const report: FileScanResult[] = [
    { name: 'data.csv', verdict: 'clean', engine: 'clamav', details: '' },
    { name: 'data.csv', verdict: 'policy_violation', engine: 'content-checks', details: 'extension .csv does not match content (zip)' },
    { name: 'notes.txt', verdict: 'clean', engine: 'content-checks', details: '' },
    { name: 'notes.txt', verdict: 'skipped', engine: 'none', details: 'scanning is disabled' },
  ];

  test('content checks come first, and any problem makes the file a problem whatever else is clean', () => {
    const findings = findingsFor(report, 'data.csv');
    expect(findings.map((f) => f.sentence)).toEqual(['The content checks found a problem: extension .csv does not match content (zip)', 'ClamAV found no threat.']);
    expect(overallVerdict(findings)).toEqual({ severity: 'bad', words: 'problem found' });
  });

  test('checks passed with scanning disabled says so, not "clean"', () => {
    const findings = findingsFor(report, 'notes.txt');
    expect(findings.map((f) => f.sentence)).toEqual(['The content checks passed.', 'Not scanned: scanning is disabled']);
    expect(overallVerdict(findings).words).toBe('content checks passed');
    const asTheAirlockSaysIt = findingsFor([{ name: 'y', verdict: 'skipped', engine: 'none', details: 'not scanned: scanning is disabled' }], 'y');
    expect(asTheAirlockSaysIt.map((f) => f.sentence)).toEqual(['Not scanned: scanning is disabled']);
    expect(overallVerdict(findingsFor(report, 'absent.bin')).words).toBe('no scan result yet');
    expect(overallVerdict(findingsFor([{ name: 'x', verdict: 'pending', engine: 'defender', details: '' }], 'x')).words).toBe('awaiting a verdict');
  });

  test('sizes and hashes read briefly', () => {
    expect(formatBytes(0)).toBe('0 bytes');
    expect(formatBytes(1)).toBe('1 byte');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(5 * 1024 ** 3)).toBe('5 GiB');
    expect(formatBytes(undefined)).toBe('size unknown');
    expect(shortHash('1a2b3c4d5e6f')).toBe('1a2b3c4d…');
    expect(shortHash(undefined)).toBe('no hash recorded');
  });

  test('a preview address carries the file name whole, as one query value', () => {
    expect(previewPath('demo', 'r1', 'out/a b&c.csv', { cursor: 4096, rows: 100 })).toBe(
      '/api/workspaces/demo/requests/r1/preview?file=out%2Fa+b%26c.csv&cursor=4096&rows=100',
    );
    expect(previewPath('demo', 'r1', 'x.png', { view: 'raw', cycle: 1, cursor: 0 })).toBe('/api/workspaces/demo/requests/r1/preview?file=x.png&cycle=1&view=raw');
  });
});

describe('changes since the last cycle returned for changes', () => {
  const changes = {
    fromCycle: 1,
    toCycle: 2,
    files: [
      { name: 'a.csv', change: 'changed' as const, before: { size: 2048, sha256: 'aaaaaaaaaaaa' }, after: { size: 1024, sha256: 'bbbbbbbbbbbb' } },
      { name: 'b.txt', change: 'added' as const, after: { size: 10, sha256: 'cccccccccccc' } },
      { name: 'c.png', change: 'unchanged' as const, before: { size: 5, sha256: 'dddddddddddd' }, after: { size: 5, sha256: 'dddddddddddd' } },
      { name: 'd.txt', change: 'unchanged' as const, before: { size: 5, sha256: 'eeeeeeeeeeee' }, after: { size: 5, sha256: 'eeeeeeeeeeee' } },
    ],
  };

  test('the summary counts each kind of change against the cycle it compares with', () => {
    expect(changesSummary(changes)).toBe('Since cycle 1: 1 file added, 1 changed, none removed, 2 unchanged.');
    expect(changesSummary({ fromCycle: null, toCycle: 1, files: [] })).toMatch(/nothing to compare/);
  });

  test('each version reads as size and short hash; an absent side as a dash', () => {
    expect(versionInWords(changes.files[0].before)).toBe('2 KiB, sha256 aaaaaaaa…');
    expect(versionInWords(undefined)).toBe('—');
    // The size of a copy no longer kept is unknown, not zero.
    expect(versionInWords({ sha256: 'ffffffffffff' })).toBe('size unknown, sha256 ffffffff…');
  });

  test('only changed files are offered for a line or cell comparison', () => {
    expect(comparable(changes)).toEqual(['a.csv']);
    expect(comparable({ ...changes, fromCycle: null })).toEqual([]);
  });
});
