/** The CloudEvent that publishes each audit entry (docs/events.md), built from the entry, its request and its log. */
import { eventOfAuditEntry, statusAsOf } from '../../src/domain/airlockEvents';
import { AuditDraft, AuditEntry } from '../../src/domain/audit';
import { AirlockRequest, newDraftRequest } from '../../src/domain/request';
import { AIRLOCK_SYSTEM } from '../../src/domain/roles';

const RITA = { id: 'rita', name: 'Rita Researcher', email: 'rita@example.org' };
const MIA = { id: 'mia', name: 'Mia Manager' };
const REQUEST_ID = 'b7e2c9a4-1f3d-4e5a-8b6c-9d0e1f2a3b4c';
/** 2026-01-01T10:00:00Z */
const T = 1_767_261_600;

const request = (over: Partial<AirlockRequest> = {}): AirlockRequest => ({
  ...newDraftRequest({ id: REQUEST_ID, workspaceId: 'ws01', type: 'export', title: 'Cohort extract', businessJustification: 'b', creator: RITA, now: T }),
  ...over,
});

const entryOf = (seq: number, draft: AuditDraft): AuditEntry => ({
  ...draft,
  id: `audit~${REQUEST_ID}~${seq}`,
  requestId: REQUEST_ID,
  workspaceId: 'ws01',
  seq,
  prevHash: seq === 1 ? '' : `hash-${seq - 1}`,
  hash: `hash-${seq}`,
});

/** One request's log: created, files recorded, submitted, scanned, in review, reviewed, status message, approval. */
const LOG: AuditEntry[] = [
  entryOf(1, { action: 'request.created', actor: RITA, time: T, toStatus: 'draft' }),
  entryOf(2, { action: 'files.recorded', actor: RITA, time: T + 10, files: [{ name: 'a.csv' }] }),
  entryOf(3, { action: 'status.changed', actor: RITA, time: T + 20, fromStatus: 'draft', toStatus: 'submitted', detail: { statusMessage: null, progressMessage: null } }),
  entryOf(4, { action: 'scan.recorded', actor: AIRLOCK_SYSTEM, time: T + 30, detail: { verdicts: ['a.csv: clamav clean'] } }),
  entryOf(5, { action: 'status.changed', actor: AIRLOCK_SYSTEM, time: T + 40, fromStatus: 'submitted', toStatus: 'in_review', detail: { statusMessage: null, progressMessage: 'ready for review' } }),
  entryOf(6, { action: 'review.recorded', actor: MIA, time: T + 50, detail: { decision: 'approved', explanation: 'looks fine', cycle: 1 } }),
  entryOf(7, { action: 'status.message', actor: AIRLOCK_SYSTEM, time: T + 55, detail: { statusMessage: null, progressMessage: 'approved by 1 of 2 reviewers' } }),
  entryOf(8, { action: 'status.changed', actor: MIA, time: T + 60, fromStatus: 'in_review', toStatus: 'approval_in_progress', detail: { statusMessage: null, progressMessage: null } }),
];

describe('the envelope', () => {
  test('names the entry, the deployment, the request, and when the change happened (not when it was published)', () => {
    const event = eventOfAuditEntry(LOG[2], request({ status: 'approved' }), 'tre-prod-uks', LOG);
    expect(event).toMatchObject({
      id: `${REQUEST_ID}:3`,
      source: '/airlock/tre-prod-uks',
      type: 'Airlock.Request.StatusChanged',
      subject: `workspaces/ws01/requests/${REQUEST_ID}`,
      time: '2026-01-01T10:00:20.000Z',
      datacontenttype: 'application/json',
    });
  });

  test('the id is the same at every retry, whatever the request has become since, so consumers can drop duplicates', () => {
    const first = eventOfAuditEntry(LOG[3], request({ status: 'submitted' }), 'd1', LOG);
    const later = eventOfAuditEntry(LOG[3], request({ status: 'approved', title: 'renamed', statusMessage: 'x' }), 'd1', LOG);
    expect(later.id).toBe(first.id);
    expect(later.id).toBe(`${REQUEST_ID}:4`);
    expect(new Set(LOG.map((entry) => eventOfAuditEntry(entry, request(), 'd1', LOG).id)).size).toBe(LOG.length);
  });

  test('the subject and id name the entry\'s workspace and request', () => {
    const elsewhere = { ...LOG[0], requestId: 'other-request', workspaceId: 'ws02' };
    const event = eventOfAuditEntry(elsewhere, request(), 'd1');
    expect(event.id).toBe('other-request:1');
    expect(event.subject).toBe('workspaces/ws02/requests/other-request');
    expect(event.data).toMatchObject({ requestId: 'other-request', workspaceId: 'ws02' });
  });
});

describe('the type', () => {
  test.each([
    ['request.created', 'Airlock.Request.Created'],
    ['status.changed', 'Airlock.Request.StatusChanged'],
    ['review.recorded', 'Airlock.Request.Reviewed'],
    ['link.issued', 'Airlock.Request.LinkIssued'],
    ['files.recorded', 'Airlock.Request.FilesRecorded'],
    ['scan.recorded', 'Airlock.Request.ScanRecorded'],
    ['data.moved', 'Airlock.Request.DataMoved'],
    ['data.deleted', 'Airlock.Request.DataDeleted'],
    ['status.message', 'Airlock.Request.StatusMessageChanged'],
    ['workflow.restarted', 'Airlock.Request.WorkflowRestarted'],
    ['something.new', 'Airlock.Request.StatusMessageChanged'],
  ])('audit action %s is published as %s', (action, type) => {
    expect(eventOfAuditEntry({ ...LOG[1], action }, request(), 'd1').type).toBe(type);
  });
});

describe('data.status: the status as of the entry', () => {
  test('a status change says the status it led to, and the one before', () => {
    const event = eventOfAuditEntry(LOG[4], request({ status: 'approved' }), 'd1', LOG);
    expect(event.data).toMatchObject({ status: 'in_review', previousStatus: 'submitted' });
  });

  test('any other entry says the status the log had reached at that entry, not the request\'s status now nor a later one', () => {
    const now = request({ status: 'approved' });
    const statuses = LOG.map((entry) => eventOfAuditEntry(entry, now, 'd1', LOG).data.status);
    expect(statuses).toEqual(['draft', 'draft', 'submitted', 'submitted', 'in_review', 'in_review', 'in_review', 'approval_in_progress']);
    expect(LOG.filter((entry) => !entry.fromStatus).map((entry) => eventOfAuditEntry(entry, now, 'd1', LOG).data.previousStatus)).toEqual(
      Array(5).fill(null),
    );
  });

  test('reads the log in seq order, whatever order it is given in', () => {
    const shuffled = [LOG[7], LOG[2], LOG[5], LOG[0], LOG[4], LOG[1], LOG[6], LOG[3]];
    expect(statusAsOf(LOG[3], shuffled)).toBe('submitted');
    expect(statusAsOf(LOG[6], shuffled)).toBe('in_review');
    expect(eventOfAuditEntry(LOG[5], request({ status: 'approved' }), 'd1', shuffled).data.status).toBe('in_review');
  });

  test("without the log, or when the log has no status before the entry, it is the request's status", () => {
    expect(eventOfAuditEntry(LOG[5], request({ status: 'approved' }), 'd1').data.status).toBe('approved');
    expect(eventOfAuditEntry(LOG[5], request({ status: 'approved' }), 'd1', LOG.slice(5)).data.status).toBe('approved');
    expect(statusAsOf(LOG[5], [])).toBeUndefined();
    expect(statusAsOf(LOG[4], [])).toBe('in_review');
  });
});

describe('data.reason', () => {
  const withDetail = (detail: AuditEntry['detail']): AuditEntry => ({ ...LOG[5], detail });
  const now = request({ status: 'in_review', statusMessage: 'the request says', progressMessage: 'the request says too' });

  test("a reviewer's explanation comes first, then the entry's status message, then its progress message; never the request's, which may tell of a later change", () => {
    const all = { explanation: 'looks fine', statusMessage: 'the entry failed', progressMessage: 'the entry progressed' };
    expect(eventOfAuditEntry(withDetail(all), now, 'd1').data.reason).toBe('looks fine');
    expect(eventOfAuditEntry(withDetail({ ...all, explanation: null }), now, 'd1').data.reason).toBe('the entry failed');
    expect(eventOfAuditEntry(withDetail({ statusMessage: null, progressMessage: 'the entry progressed' }), now, 'd1').data.reason).toBe('the entry progressed');
    expect(eventOfAuditEntry(withDetail({ verdicts: ['a.csv: clamav clean'] }), now, 'd1').data.reason).toBeNull();
    expect(eventOfAuditEntry(withDetail(undefined), now, 'd1').data.reason).toBeNull();
    // A status change recorded with no message stays without one, whatever the request says by publishing time.
    expect(eventOfAuditEntry(withDetail({ statusMessage: null, progressMessage: null }), now, 'd1').data.reason).toBeNull();
  });

  test('an entry written before progress had its own field gives its status message, progress or not', () => {
    expect(eventOfAuditEntry(withDetail({ statusMessage: 'approved by 1 of 2 reviewers' }), now, 'd1').data.reason).toBe('approved by 1 of 2 reviewers');
  });

  test('only text counts as an explanation or a message', () => {
    expect(eventOfAuditEntry(withDetail({ explanation: 7, statusMessage: 'the entry says' }), now, 'd1').data.reason).toBe('the entry says');
    expect(eventOfAuditEntry(withDetail({ explanation: ['a'], statusMessage: false }), now, 'd1').data.reason).toBeNull();
    expect(eventOfAuditEntry(withDetail({ statusMessage: 3, progressMessage: 'the entry progressed' }), now, 'd1').data.reason).toBe('the entry progressed');
  });

  test('null when nobody said why', () => {
    expect(eventOfAuditEntry(withDetail({ decision: 'approved' }), request(), 'd1').data.reason).toBeNull();
  });
});

describe('the rest of data', () => {
  test('who did it (the entry\'s actor), who asked (the requester), the request, the entry, its files and its details', () => {
    const now = request({ status: 'in_review', updatedBy: AIRLOCK_SYSTEM });
    expect(eventOfAuditEntry(LOG[5], now, 'd1', LOG).data).toStrictEqual({
      requestId: REQUEST_ID,
      workspaceId: 'ws01',
      requestType: 'export',
      title: 'Cohort extract',
      status: 'in_review',
      previousStatus: null,
      reason: 'looks fine',
      actor: MIA,
      requester: RITA,
      auditSeq: 6,
      files: [],
      detail: { decision: 'approved', explanation: 'looks fine', cycle: 1 },
    });
  });

  test('files as the entry lists them; no details is null', () => {
    const data = eventOfAuditEntry(LOG[1], request(), 'd1', LOG).data;
    expect(data.files).toEqual([{ name: 'a.csv' }]);
    expect(data.detail).toBeNull();
    expect(data.actor).toEqual(RITA);
  });
});
