import { IllegalTransitionError } from '../../src/domain/errors';
import { AirlockRequest, filesLocationOf, newDraftRequest, withChanges, withStatus } from '../../src/domain/request';

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
    const blocked = withStatus(submitted, { to: 'blocking_in_progress', actor: BOB, now: 120, statusMessage: 'a.csv: EICAR' });
    expect(blocked).toMatchObject({ status: 'blocking_in_progress', statusMessage: 'a.csv: EICAR', resourceVersion: 2, reviewCycle: 1, updatedBy: BOB, updatedWhen: 120 });
    expect(blocked.history.map((item) => [item.resourceVersion, item.properties.previousStatus, item.properties.status])).toEqual([
      [0, 'draft', 'submitted'],
      [1, 'submitted', 'blocking_in_progress'],
    ]);
    expect(withStatus(blocked, { to: 'blocked_by_scan', actor: BOB, now: 130 }).statusMessage).toBeUndefined();
  });

  test('a change the transition table does not allow is refused and changes nothing', () => {
    const request = draft();
    expect(() => withStatus(request, { to: 'approved', actor: BOB, now: 110 })).toThrow(IllegalTransitionError);
    expect(request).toEqual(draft());
  });
});

describe('withChanges', () => {
  test('changes fields without a status change, and still counts the version', () => {
    const moved = withChanges(draft(), BOB, 150, { filesAt: { stage: 'in_progress', cycle: 1 } });
    expect(moved).toMatchObject({ status: 'draft', filesAt: { stage: 'in_progress', cycle: 1 }, resourceVersion: 1, updatedBy: BOB, history: [] });
  });
});
