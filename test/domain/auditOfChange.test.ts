/** What each change to a request says in its audit log, derived from the request before and after. */
import { auditOfChange, auditOfCreation, auditOfDeletion, auditOfLink } from '../../src/domain/auditOfChange';
import { AirlockRequest, AirlockReview, newDraftRequest, withChanges, withStatus } from '../../src/domain/request';
import { recordReview, ReviewInput } from '../../src/domain/review';
import { AIRLOCK_SYSTEM } from '../../src/domain/roles';
import { FileScanResult } from '../../src/domain/scan';

const RITA = { id: 'rita', name: 'Rita Researcher', email: 'rita@example.org' };
const MIA = { id: 'mia', name: 'Mia Manager' };
const NOEL = { id: 'noel', name: 'Noel Manager' };
const T = 1_780_000_000;

const draft = (): AirlockRequest =>
  newDraftRequest({ id: 'r1', workspaceId: 'ws01', type: 'import', title: 'Cohort extract', businessJustification: 'needed for the study', creator: RITA, now: T });

const uploaded = () => [
  { name: 'a.csv', size: 10, etag: '"0x1"' },
  { name: 'b.csv', size: 20, etag: '"0x2"' },
];
const hashed = () => [
  { name: 'a.csv', size: 10, etag: '"0x1"', sha256: 'a'.repeat(64) },
  { name: 'b.csv', size: 20, etag: '"0x2"', sha256: 'b'.repeat(64) },
];

const inReview = (over: Partial<AirlockRequest> = {}): AirlockRequest => ({ ...draft(), status: 'in_review', reviewCycle: 1, files: hashed(), ...over });

const review = (reviewer: typeof MIA, decision: ReviewInput['decision'], now: number, requiredApprovals = 1): ReviewInput => ({
  id: `rev-${reviewer.id}-${now}`,
  reviewer,
  decision,
  decisionExplanation: `${decision} by ${reviewer.id}`,
  now,
  requiredApprovals,
});

describe('auditOfChange', () => {
  test('a request that did not change says nothing', () => {
    expect(auditOfChange(draft(), draft())).toEqual([]);
    expect(auditOfChange(inReview(), inReview())).toEqual([]);
  });

  test('a submit with its files hashed records the files, then the status change, by whoever made the change and when', () => {
    const before = { ...draft(), files: uploaded() };
    const after = withStatus(before, { to: 'submitted', trigger: 'submit', actor: RITA, now: T + 60, changes: { files: hashed(), reviewCycle: 1 } });
    const files = [
      { name: 'a.csv', sha256: 'a'.repeat(64) },
      { name: 'b.csv', sha256: 'b'.repeat(64) },
    ];
    expect(auditOfChange(before, after)).toStrictEqual([
      { action: 'files.recorded', actor: RITA, time: T + 60, files },
      { action: 'status.changed', actor: RITA, time: T + 60, fromStatus: 'draft', toStatus: 'submitted', files, detail: { statusMessage: null, progressMessage: null } },
    ]);
  });

  test('files are recorded by name and digest only; a file not yet hashed has no sha256 member at all', () => {
    const after = withChanges(draft(), RITA, T + 5, { files: [{ name: 'a.csv', size: 10 }, hashed()[1]] });
    const [recorded] = auditOfChange(draft(), after);
    expect(recorded.files).toStrictEqual([{ name: 'a.csv' }, { name: 'b.csv', sha256: 'b'.repeat(64) }]);
    expect(Object.keys(recorded.files![0])).toEqual(['name']);
  });

  test('any change to the file list is recorded: a file added, removed, re-uploaded or hashed', () => {
    const before = inReview({ status: 'draft' });
    const changes = [
      [...hashed(), { name: 'c.csv', size: 1 }],
      hashed().slice(1),
      [{ ...hashed()[0], etag: '"0x9"' }, hashed()[1]],
      [{ ...hashed()[0], sha256: 'f'.repeat(64) }, hashed()[1]],
    ];
    for (const files of changes) {
      expect(auditOfChange(before, withChanges(before, RITA, T + 9, { files })).map((draftEntry) => draftEntry.action)).toEqual(['files.recorded']);
    }
  });

  test('a status change records from and to, the files of record and both new messages', () => {
    const submitted = { ...inReview(), status: 'submitted' as const };
    const blocking = withStatus(submitted, { to: 'blocking_in_progress', actor: AIRLOCK_SYSTEM, now: T + 90, message: 'a.csv: Eicar-Test-Signature' });
    expect(auditOfChange(submitted, blocking)).toStrictEqual([
      {
        action: 'status.changed',
        actor: AIRLOCK_SYSTEM,
        time: T + 90,
        fromStatus: 'submitted',
        toStatus: 'blocking_in_progress',
        files: [
          { name: 'a.csv', sha256: 'a'.repeat(64) },
          { name: 'b.csv', sha256: 'b'.repeat(64) },
        ],
        detail: { statusMessage: 'a.csv: Eicar-Test-Signature', progressMessage: null },
      },
    ]);
    const inReviewAfterScan = withStatus(submitted, { to: 'in_review', actor: AIRLOCK_SYSTEM, now: T + 90, message: 'no threats found in 2 files' });
    expect(auditOfChange(submitted, inReviewAfterScan)[0].detail).toStrictEqual({ statusMessage: null, progressMessage: 'no threats found in 2 files' });
  });

  test('a status change that also changes the message records one status change, not a separate message', () => {
    const before = inReview({ status: 'blocking_in_progress', statusMessage: 'a.csv: Eicar-Test-Signature' });
    const after = withStatus(before, { to: 'blocked_by_scan', actor: AIRLOCK_SYSTEM, now: T + 100 });
    expect(auditOfChange(before, after)).toStrictEqual([
      expect.objectContaining({ action: 'status.changed', fromStatus: 'blocking_in_progress', toStatus: 'blocked_by_scan', detail: { statusMessage: null, progressMessage: null } }),
    ]);
  });

  test('a review is recorded as its reviewer said it, when they said it, with its cycle and the files reviewed', () => {
    const before = inReview({ reviewCycle: 2 });
    const after = recordReview(before, review(MIA, 'rejected', T + 300));
    const drafts = auditOfChange(before, { ...after, updatedBy: AIRLOCK_SYSTEM, updatedWhen: T + 999 });
    expect(drafts[0]).toStrictEqual({
      action: 'review.recorded',
      actor: MIA,
      time: T + 300,
      files: [
        { name: 'a.csv', sha256: 'a'.repeat(64) },
        { name: 'b.csv', sha256: 'b'.repeat(64) },
      ],
      detail: { decision: 'rejected', explanation: 'rejected by mia', cycle: 2 },
    });
    expect(drafts.map((d) => d.action)).toEqual(['review.recorded', 'status.changed']);
    expect(drafts[1]).toMatchObject({ fromStatus: 'in_review', toStatus: 'rejection_in_progress', detail: { statusMessage: null, progressMessage: 'Rejected: rejected by mia' } });
  });

  test('an approval short of the quorum records the review only: its progress message is not a separate entry', () => {
    const before = inReview();
    const after = recordReview(before, review(MIA, 'approved', T + 300, 2));
    expect(after.progressMessage).toMatch(/1 more approval needed/);
    expect(auditOfChange(before, after).map((d) => d.action)).toEqual(['review.recorded']);
  });

  test('only the reviews added by this change are recorded, one entry each, in order; a review without a cycle is of cycle 1', () => {
    const legacy: AirlockReview = { id: 'old', reviewer: NOEL, dateCreated: T + 10, reviewDecision: 'changes_requested', decisionExplanation: 'old' };
    const before = inReview({ reviews: [legacy] });
    const after = withChanges(before, MIA, T + 400, {
      reviews: [
        legacy,
        { ...legacy, id: 'n1', reviewer: MIA, dateCreated: T + 401, reviewDecision: 'approved', decisionExplanation: 'ok', cycle: 1 },
        { ...legacy, id: 'n2', reviewer: NOEL, dateCreated: T + 402, reviewDecision: 'approved', decisionExplanation: 'fine' },
      ],
    });
    expect(auditOfChange(before, after).map((d) => [d.action, d.actor.id, d.time, d.detail])).toEqual([
      ['review.recorded', 'mia', T + 401, { decision: 'approved', explanation: 'ok', cycle: 1 }],
      ['review.recorded', 'noel', T + 402, { decision: 'approved', explanation: 'fine', cycle: 1 }],
    ]);
  });

  test('a scan report that changed is recorded as one verdict line per entry', () => {
    const report: FileScanResult[] = [
      { name: 'a.csv', verdict: 'clean', engine: 'clamav', details: 'OK' },
      { name: 'b.csv', verdict: 'malicious', engine: 'clamav', details: 'Eicar' },
      { name: 'b.csv', verdict: 'policy_violation', engine: 'content-checks', details: 'type' },
    ];
    const before = inReview({ status: 'submitted' });
    const after = withChanges(before, AIRLOCK_SYSTEM, T + 200, { scanReport: report });
    expect(auditOfChange(before, after)).toStrictEqual([
      {
        action: 'scan.recorded',
        actor: AIRLOCK_SYSTEM,
        time: T + 200,
        detail: { verdicts: ['a.csv: clamav clean', 'b.csv: clamav malicious', 'b.csv: content-checks policy_violation'] },
      },
    ]);
    const revised = withChanges(after, AIRLOCK_SYSTEM, T + 201, { scanReport: [{ ...report[0], verdict: 'pending' }, ...report.slice(1)] });
    expect(auditOfChange(after, revised)[0].detail).toEqual({ verdicts: ['a.csv: clamav pending', 'b.csv: clamav malicious', 'b.csv: content-checks policy_violation'] });
  });

  test('no scan report and an empty one are the same: nothing is recorded', () => {
    const before = inReview({ status: 'submitted' });
    expect(auditOfChange(before, withChanges(before, AIRLOCK_SYSTEM, T + 200, { scanReport: [] }))).toEqual([]);
  });

  test('a progress message that changes alone is recorded as a message change, and its removal as null', () => {
    const before = inReview({ status: 'submitted' });
    const waiting = withChanges(before, AIRLOCK_SYSTEM, T + 210, { progressMessage: 'waiting for a scan verdict' });
    expect(auditOfChange(before, waiting)).toStrictEqual([
      { action: 'status.message', actor: AIRLOCK_SYSTEM, time: T + 210, detail: { statusMessage: null, progressMessage: 'waiting for a scan verdict' } },
    ]);
    const cleared = withChanges(waiting, AIRLOCK_SYSTEM, T + 220, { progressMessage: undefined });
    expect(auditOfChange(waiting, cleared)).toStrictEqual([
      { action: 'status.message', actor: AIRLOCK_SYSTEM, time: T + 220, detail: { statusMessage: null, progressMessage: null } },
    ]);
  });

  test('a message that changes with something else is not a separate entry', () => {
    const before = inReview({ status: 'submitted' });
    const after = withChanges(before, AIRLOCK_SYSTEM, T + 230, {
      progressMessage: 'waiting for a scan verdict',
      scanReport: [{ name: 'a.csv', verdict: 'pending', engine: 'defender', details: '' }],
    });
    expect(auditOfChange(before, after).map((d) => d.action)).toEqual(['scan.recorded']);
  });

  test('everything at once comes in a fixed order: reviews, files, scan, status', () => {
    const before = { ...inReview({ status: 'submitted', files: uploaded() }) };
    const after = withStatus(before, {
      to: 'in_review',
      actor: AIRLOCK_SYSTEM,
      now: T + 500,
      changes: {
        files: hashed(),
        scanReport: [{ name: 'a.csv', verdict: 'clean', engine: 'clamav', details: 'OK' }],
        reviews: [{ id: 'x', cycle: 1, reviewer: MIA, dateCreated: T + 499, reviewDecision: 'approved', decisionExplanation: 'ok' }],
      },
    });
    expect(auditOfChange(before, after).map((d) => d.action)).toEqual(['review.recorded', 'files.recorded', 'scan.recorded', 'status.changed']);
  });
});

describe('auditOfCreation', () => {
  test('records the creator, when, the draft status and what the request is for', () => {
    expect(auditOfCreation(draft())).toStrictEqual([
      {
        action: 'request.created',
        actor: RITA,
        time: T,
        toStatus: 'draft',
        detail: { type: 'import', title: 'Cohort extract', businessJustification: 'needed for the study' },
      },
    ]);
  });
});

describe('auditOfLink', () => {
  test('records who was given which access to which stage until when, and keeps what it was given', () => {
    const grant = { stage: 'draft', cycle: 2, permissions: 'rcwl', expiresOn: '2026-01-01T11:00:00.000Z', account: 'stalimexmytre' };
    const recorded = auditOfLink(RITA, T + 30, grant);
    expect(recorded).toStrictEqual({ action: 'link.issued', actor: RITA, time: T + 30, detail: { ...grant } });
    grant.permissions = 'r';
    expect(recorded.detail?.permissions).toBe('rcwl');
  });
});

describe('auditOfDeletion', () => {
  test('records which files were deleted from which stage, by whom and when', () => {
    const files = [{ name: 'a.csv', sha256: 'a'.repeat(64) }, { name: 'b.csv' }];
    expect(auditOfDeletion(AIRLOCK_SYSTEM, T + 40, 'rejected', files)).toStrictEqual({
      action: 'data.deleted',
      actor: AIRLOCK_SYSTEM,
      time: T + 40,
      files: [{ name: 'a.csv', sha256: 'a'.repeat(64) }, { name: 'b.csv' }],
      detail: { stage: 'rejected' },
    });
  });
});
