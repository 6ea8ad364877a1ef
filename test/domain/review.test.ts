import { ForbiddenError, IllegalTransitionError } from '../../src/domain/errors';
import { allowedUserActions, authorize, canView, seesOnlyOwnRequests } from '../../src/domain/permissions';
import { AirlockRequest, newDraftRequest } from '../../src/domain/request';
import { approvalsThisCycle, recordReview, ReviewInput } from '../../src/domain/review';
import { Caller, WorkspaceRole } from '../../src/domain/roles';

const inReview = (over: Partial<AirlockRequest> = {}): AirlockRequest => ({
  ...newDraftRequest({ id: 'r1', workspaceId: 'ws', type: 'export', title: 't', businessJustification: 'b', creator: { id: 'alice', name: 'Alice' }, now: 1 }),
  status: 'in_review',
  reviewCycle: 1,
  ...over,
});
const manager = (id: string): Caller => ({ id, name: id, roles: ['AirlockManager'], workspaceId: 'ws' });
const review = (reviewerId: string, decision: ReviewInput['decision'], requiredApprovals = 1): ReviewInput => ({
  id: `rev-${reviewerId}`, reviewer: { id: reviewerId, name: reviewerId }, decision, decisionExplanation: `${decision} by ${reviewerId}`, now: 10, requiredApprovals,
});

describe('recordReview', () => {
  test('one approval with a quorum of one approves', () => {
    const next = recordReview(inReview(), review('bob', 'approved'));
    expect(next.status).toBe('approval_in_progress');
    expect(next.reviews).toEqual([expect.objectContaining({ reviewer: { id: 'bob', name: 'bob' }, reviewDecision: 'approved', cycle: 1, dateCreated: 10 })]);
  });

  test('with two required approvals, the first keeps the request in review and says how many remain', () => {
    const first = recordReview(inReview({ progressMessage: 'no threats found in 1 file' }), review('bob', 'approved', 2));
    // Progress, not an error: TRE's portal would show a statusMessage as a red bar.
    expect(first).toMatchObject({ status: 'in_review', progressMessage: 'approved by 1 of 2 reviewers; 1 more approval needed' });
    expect(first).not.toHaveProperty('statusMessage');
    expect(approvalsThisCycle(first)).toBe(1);
    const second = recordReview(first, review('carol', 'approved', 2));
    expect(second.status).toBe('approval_in_progress');
    expect(second).not.toHaveProperty('progressMessage');
    expect(second.reviews.map((r) => r.reviewer.id)).toEqual(['bob', 'carol']);
  });

  test('one rejection rejects, even after approvals', () => {
    const first = recordReview(inReview(), review('bob', 'approved', 2));
    const rejected = recordReview(first, review('carol', 'rejected', 2));
    expect(rejected).toMatchObject({ status: 'rejection_in_progress', progressMessage: 'Rejected: rejected by carol' });
    expect(rejected).not.toHaveProperty('statusMessage');
  });

  test('changes requested returns the request, with the explanation', () => {
    const returned = recordReview(inReview(), review('bob', 'changes_requested'));
    expect(returned).toMatchObject({ status: 'changes_requested', progressMessage: 'Changes requested: changes_requested by bob' });
    expect(returned).not.toHaveProperty('statusMessage');
  });

  test('only a request in review can be reviewed', () => {
    expect(() => recordReview(inReview({ status: 'draft' }), review('bob', 'approved'))).toThrow(IllegalTransitionError);
  });

  test('approvals of an earlier cycle do not count after a resubmission', () => {
    const first = recordReview(inReview(), review('bob', 'approved', 2));
    const resubmitted = { ...first, reviewCycle: 2 };
    expect(approvalsThisCycle(resubmitted)).toBe(0);
    expect(recordReview(resubmitted, review('carol', 'approved', 2)).status).toBe('in_review');
  });
});

describe('who may review', () => {
  test('a reviewer cannot review twice in a cycle, but may again after a resubmission', () => {
    const reviewed = recordReview(inReview(), review('bob', 'approved', 2));
    expect(() => authorize('review', manager('bob'), reviewed)).toThrow(new ForbiddenError('You have already reviewed this request; another Airlock Manager must review it'));
    expect(allowedUserActions(manager('bob'), reviewed)).not.toContain('review');
    expect(allowedUserActions(manager('carol'), reviewed)).toContain('review');
    expect(allowedUserActions(manager('bob'), { ...reviewed, reviewCycle: 2 })).toContain('review');
  });
});

describe('who sees whose requests', () => {
  const as = (id: string, ...roles: WorkspaceRole[]): Caller => ({ id, name: id, roles, workspaceId: 'ws' });
  test('with visibility "own", a researcher sees only their own; owners and managers see all', () => {
    expect(canView(as('alice', 'WorkspaceResearcher'), inReview(), 'own')).toBe(true);
    expect(canView(as('mallory', 'WorkspaceResearcher'), inReview(), 'own')).toBe(false);
    expect(canView(as('olga', 'WorkspaceOwner'), inReview(), 'own')).toBe(true);
    expect(canView(as('bob', 'AirlockManager'), inReview(), 'own')).toBe(true);
    expect(seesOnlyOwnRequests(as('mallory', 'WorkspaceResearcher'), 'own')).toBe(true);
  });
  test('with visibility "workspace", researchers see every request', () => {
    expect(canView(as('mallory', 'WorkspaceResearcher'), inReview(), 'workspace')).toBe(true);
    expect(seesOnlyOwnRequests(as('mallory', 'WorkspaceResearcher'), 'workspace')).toBe(false);
  });
  test('no airlock role, nothing to see', () => {
    expect(canView(as('eve'), inReview(), 'workspace')).toBe(false);
  });
});
