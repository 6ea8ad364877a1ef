import { IllegalTransitionError } from '../../src/domain/errors';
import { AirlockRequest, filesLocationOf, messageOf, newDraftRequest, upgradeStoredRequest, withChanges, withStatus } from '../../src/domain/request';
import { REQUEST_STATUSES, RequestStatus } from '../../src/domain/status';

const RITA = { id: 'rita', name: 'Rita' };
const BOB = { id: 'bob', name: 'Bob' };
const draft = () => newDraftRequest({ id: 'r1', workspaceId: 'ws01', type: 'import', title: 't', businessJustification: 'b', creator: RITA, now: 100 });

describe('a new request', () => {
  test('is a draft whose files go to the draft container of its first submission', () => {
    expect(draft()).toMatchObject({ status: 'draft', files: [], reviews: [], history: [], resourceVersion: 0, filesAt: { stage: 'draft', cycle: 1 }, createdBy: RITA });
  });

  test('a document written before files were located has them in the first draft; deleted files are nowhere', () => {
    const legacy: Partial<AirlockRequest> = { ...draft(), filesAt: undefined };
    expect(filesLocationOf(legacy)).toEqual({ stage: 'draft', cycle: 1 });
    expect(filesLocationOf({ filesAt: null })).toBeNull();
  });
});

describe('withStatus', () => {
  test('keeps the previous status in history, counts the version, and carries the message only while it applies', () => {
    const submitted = withStatus(draft(), { to: 'submitted', trigger: 'submit', actor: RITA, now: 110, changes: { reviewCycle: 1 } });
    const blocked = withStatus(submitted, { to: 'blocking_in_progress', actor: BOB, now: 120, message: 'a.csv: EICAR' });
    expect(blocked).toMatchObject({ status: 'blocking_in_progress', statusMessage: 'a.csv: EICAR', resourceVersion: 2, reviewCycle: 1, updatedBy: BOB, updatedWhen: 120 });
    expect(blocked.history.map((item) => [item.resourceVersion, item.properties.previousStatus, item.properties.status])).toEqual([
      [0, 'draft', 'submitted'],
      [1, 'submitted', 'blocking_in_progress'],
    ]);
    expect(withStatus(blocked, { to: 'blocked_by_scan', actor: BOB, now: 130 }).statusMessage).toBeUndefined();
  });

  // TRE's portal shows any statusMessage as a red error bar (tre-facts §1.8); TRE sets one only for a failure or a block (§3.2).
  test("a change's message is the status message only for a failure or a block; otherwise it is progress", () => {
    const submitted = withStatus(draft(), { to: 'submitted', trigger: 'submit', actor: RITA, now: 110 });
    const inReview = withStatus(submitted, { to: 'in_review', actor: BOB, now: 120, message: 'no threats found in 1 file' });
    expect(inReview).toMatchObject({ status: 'in_review', progressMessage: 'no threats found in 1 file' });
    expect(inReview).not.toHaveProperty('statusMessage');
    expect(inReview.history[1].properties).toEqual({ previousStatus: 'submitted', status: 'in_review', progressMessage: 'no threats found in 1 file' });

    const failed = withStatus(inReview, { to: 'failed', actor: BOB, now: 130, message: 'the airlock stopped' });
    expect(failed).toMatchObject({ status: 'failed', statusMessage: 'the airlock stopped' });
    // The progress of the status it left does not linger beside the failure.
    expect(failed).not.toHaveProperty('progressMessage');
    expect(failed.history[2].properties).toEqual({ previousStatus: 'in_review', status: 'failed', statusMessage: 'the airlock stopped' });

    for (const [to, trigger] of [['rejection_in_progress', 'reject'], ['changes_requested', 'requestChanges'], ['cancelled', 'cancel']] as const) {
      const after = withStatus(inReview, { to, trigger, actor: BOB, now: 140, message: 'a reason' });
      expect([to, after.statusMessage, after.progressMessage]).toEqual([to, undefined, 'a reason']);
    }
  });

  test('a change the transition table does not allow is refused and changes nothing', () => {
    const request = draft();
    expect(() => withStatus(request, { to: 'approved', actor: BOB, now: 110 })).toThrow(IllegalTransitionError);
    expect(request).toEqual(draft());
  });
});

describe('a stored request written before progress had its own field', () => {
  const stored = (status: RequestStatus, fields: Partial<AirlockRequest> = {}): AirlockRequest => ({ ...draft(), status, ...fields });

  test('reads its progress text as the progress message, so TRE\'s portal shows no error bar for it', () => {
    const upgraded = upgradeStoredRequest(stored('in_review', { statusMessage: 'approved by 1 of 2 reviewers; 1 more approval needed' }));
    expect(upgraded).toMatchObject({ status: 'in_review', progressMessage: 'approved by 1 of 2 reviewers; 1 more approval needed' });
    expect(upgraded).not.toHaveProperty('statusMessage');
    expect(upgradeStoredRequest(stored('rejected', { statusMessage: 'Rejected: row-level data' }))).toMatchObject({ progressMessage: 'Rejected: row-level data' });
  });

  test('keeps a failure or a block as the status message, and changes nothing else', () => {
    for (const status of ['failed', 'blocking_in_progress', 'blocked_by_scan'] as const) {
      const document = stored(status, { statusMessage: 'a.csv: Eicar-Test-Signature' });
      expect(upgradeStoredRequest(document)).toEqual(document);
    }
    // Every other status moves the text: the rule is by status, not by what the text says.
    const moved = REQUEST_STATUSES.filter((status) => upgradeStoredRequest(stored(status, { statusMessage: 'x' })).statusMessage === undefined);
    expect(moved).toEqual(REQUEST_STATUSES.filter((status) => !['failed', 'blocking_in_progress', 'blocked_by_scan'].includes(status)));
    const current = stored('in_review', { progressMessage: 'no threats found in 1 file' });
    expect(upgradeStoredRequest(current)).toBe(current);
  });

  test('the history is left as it was written', () => {
    const document = stored('in_review', {
      statusMessage: 'no threats found in 1 file',
      history: [{ resourceVersion: 0, updatedWhen: 1, updatedBy: BOB, properties: { previousStatus: 'submitted', status: 'in_review', statusMessage: 'no threats found in 1 file' } }],
    });
    expect(upgradeStoredRequest(document).history).toEqual(document.history);
  });
});

describe('messageOf', () => {
  test('is what the request says now, whichever field holds it', () => {
    expect(messageOf({ statusMessage: 'blocked' })).toBe('blocked');
    expect(messageOf({ progressMessage: 'in review' })).toBe('in review');
    expect(messageOf({})).toBeUndefined();
  });
});

describe('withChanges', () => {
  test('changes fields without a status change, and still counts the version', () => {
    const moved = withChanges(draft(), BOB, 150, { filesAt: { stage: 'in_progress', cycle: 1 } });
    expect(moved).toMatchObject({ status: 'draft', filesAt: { stage: 'in_progress', cycle: 1 }, resourceVersion: 1, updatedBy: BOB, history: [] });
  });
});
