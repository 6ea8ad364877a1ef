import { IllegalTransitionError } from '../../src/domain/errors';
import { newDraftRequest, withStatus } from '../../src/domain/request';
import { AIRLOCK_SYSTEM } from '../../src/domain/roles';
import { REQUEST_STATUSES, RequestStatus } from '../../src/domain/status';
import { assertTransition, canTransition, requireTarget } from '../../src/domain/transitions';

// Written out independently of the table under test, from DESIGN §5 and Azure TRE's repository rules.
const EXPECTED = new Set([
  'draft>submitted', 'draft>cancelled', 'draft>failed',
  'submitted>in_review', 'submitted>blocking_in_progress', 'submitted>failed',
  'in_review>approval_in_progress', 'in_review>rejection_in_progress', 'in_review>changes_requested', 'in_review>cancelled', 'in_review>failed',
  'changes_requested>submitted', 'changes_requested>cancelled', 'changes_requested>failed',
  'approval_in_progress>approved', 'approval_in_progress>failed',
  'rejection_in_progress>rejected', 'rejection_in_progress>failed',
  'blocking_in_progress>blocked_by_scan', 'blocking_in_progress>failed',
  'approved>revoked',
]);

const pairs = REQUEST_STATUSES.flatMap((from) => REQUEST_STATUSES.map((to) => [from, to] as [RequestStatus, RequestStatus]));

describe('the transition table', () => {
  test.each(pairs)('%s → %s is allowed exactly when DESIGN §5 allows it', (from, to) => {
    expect(canTransition(from, to)).toBe(EXPECTED.has(`${from}>${to}`));
    if (EXPECTED.has(`${from}>${to}`)) expect(() => assertTransition(from, to)).not.toThrow();
    else expect(() => assertTransition(from, to)).toThrow(IllegalTransitionError);
  });

  test('terminal statuses have no way out', () => {
    for (const terminal of ['rejected', 'cancelled', 'blocked_by_scan', 'failed', 'revoked'] as const) {
      expect(REQUEST_STATUSES.filter((to) => canTransition(terminal, to))).toEqual([]);
    }
  });

  test('a person cannot cause a system transition, nor the system a person\'s', () => {
    expect(canTransition('submitted', 'in_review', 'submit')).toBe(false);
    expect(canTransition('in_review', 'approval_in_progress', 'system')).toBe(false);
    expect(canTransition('in_review', 'approval_in_progress', 'approve')).toBe(true);
  });

  test('refusals name the status', () => {
    expect(() => requireTarget('approved', 'cancel')).toThrow("Cannot cancel a request in status 'approved'");
    expect(() => requireTarget('draft', 'approve')).toThrow("Cannot review a request in status 'draft'");
  });
});

describe('withStatus', () => {
  const draft = newDraftRequest({
    id: 'r1', workspaceId: 'ws', type: 'import', title: 't', businessJustification: 'b', creator: { id: 'u1', name: 'U' }, now: 100,
  });

  test('records the previous status in history and counts the version', () => {
    const submitted = withStatus(draft, { to: 'submitted', actor: { id: 'u1', name: 'U' }, now: 200 });
    expect(submitted).toMatchObject({ status: 'submitted', resourceVersion: 1, updatedWhen: 200 });
    expect(submitted.history).toEqual([
      { resourceVersion: 0, updatedWhen: 200, updatedBy: { id: 'u1', name: 'U' }, properties: { previousStatus: 'draft', status: 'submitted' } },
    ]);
    expect(draft.status).toBe('draft');
  });

  test('refuses an illegal change and leaves the request as it was', () => {
    expect(() => withStatus(draft, { to: 'approved', actor: AIRLOCK_SYSTEM, now: 200 })).toThrow(IllegalTransitionError);
  });

  test('a status message is set by a change and cleared by the next one without one', () => {
    const failed = withStatus(draft, { to: 'failed', actor: AIRLOCK_SYSTEM, now: 1, message: 'why' });
    expect(failed.statusMessage).toBe('why');
    const submitted = withStatus(draft, { to: 'submitted', actor: AIRLOCK_SYSTEM, now: 1 });
    expect(submitted).not.toHaveProperty('statusMessage');
    expect(submitted).not.toHaveProperty('progressMessage');
  });
});
