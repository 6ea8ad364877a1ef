import { REQUEST_STATUSES } from '../../console/src/api/types';
import { lifecycleDescription, lifecyclePosition, nodeStates, statusInWords } from '../../console/src/lifecycle/lifecycleModel';

describe('the lifecycle diagram model', () => {
  test('a request in review is step 3 of 4, with draft and submitted behind it and approved ahead', () => {
    expect(lifecycleDescription('export', 'in_review')).toBe(
      'Status: in review (step 3 of 4). Export request lifecycle: draft, submitted, in review, approved.',
    );
    expect(nodeStates('in_review').steps).toEqual({ draft: 'visited', submitted: 'visited', in_review: 'current', approved: 'ahead' });
    expect(Object.values(nodeStates('in_review').endings)).toEqual(['ahead', 'ahead', 'ahead', 'ahead', 'ahead', 'ahead']);
  });

  test('each main-path status lights its own step and marks only the ones before it', () => {
    expect(nodeStates('draft').steps).toEqual({ draft: 'current', submitted: 'ahead', in_review: 'ahead', approved: 'ahead' });
    expect(nodeStates('submitted').steps).toEqual({ draft: 'visited', submitted: 'current', in_review: 'ahead', approved: 'ahead' });
    expect(nodeStates('approved').steps).toEqual({ draft: 'visited', submitted: 'visited', in_review: 'visited', approved: 'current' });
    expect(lifecycleDescription('import', 'draft')).toMatch(/^Status: draft \(step 1 of 4\)\. Import request/);
  });

  test('approval in progress is the approved step, said to be under way', () => {
    expect(lifecyclePosition('approval_in_progress')).toEqual({ reached: 3, current: 'approved', moving: true });
    expect(lifecycleDescription('import', 'approval_in_progress')).toMatch(/^Status: approval in progress \(moving to approved, step 4 of 4\)/);
  });

  test('a side ending lights the ending, not a main step, and keeps the steps the status proves were visited', () => {
    const rejected = nodeStates('rejected');
    expect(rejected.steps).toEqual({ draft: 'visited', submitted: 'visited', in_review: 'visited', approved: 'ahead' });
    expect(rejected.endings.rejected).toBe('current');
    expect(Object.entries(rejected.endings).filter(([, state]) => state === 'current')).toHaveLength(1);
    expect(nodeStates('blocked_by_scan').steps.in_review).toBe('ahead');
    expect(nodeStates('blocked_by_scan').steps.submitted).toBe('visited');
    expect(nodeStates('revoked').steps.approved).toBe('visited');
    expect(lifecycleDescription('export', 'revoked')).toMatch(/^Status: revoked \(ended after approved/);
    expect(lifecycleDescription('export', 'blocking_in_progress')).toMatch(/^Status: blocking in progress \(moving to blocked by scan, ended after submitted/);
  });

  test('changes requested is the loop back to draft, after in review', () => {
    expect(lifecyclePosition('changes_requested')).toEqual({ reached: 2, ending: 'changes_requested', moving: false });
    expect(nodeStates('changes_requested').endings.changes_requested).toBe('current');
    expect(lifecycleDescription('import', 'changes_requested')).toMatch(/returned to the requester after in review; next: draft again/);
  });

  test('every status has a position and a sentence, and no sentence shows a raw status value', () => {
    for (const status of REQUEST_STATUSES) {
      const sentence = lifecycleDescription('import', status);
      expect(sentence).toMatch(/^Status: /);
      expect(sentence).not.toMatch(/_/);
      const states = nodeStates(status);
      const current = [...Object.values(states.steps), ...Object.values(states.endings)].filter((state) => state === 'current');
      expect(current).toHaveLength(1);
    }
  });

  test('statuses read as words; an unknown one keeps its value, without underscores', () => {
    expect(statusInWords('blocked_by_scan')).toBe('blocked by scan');
    expect(statusInWords('some_new_status')).toBe('some new status');
  });
});
