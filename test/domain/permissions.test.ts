import { ForbiddenError, IllegalTransitionError, ValidationError } from '../../src/domain/errors';
import { allowedUserActions, authorize, linkGrantFor, UserAction } from '../../src/domain/permissions';
import { AirlockRequest, newDraftRequest } from '../../src/domain/request';
import { Caller, WORKSPACE_ROLES, WorkspaceRole } from '../../src/domain/roles';
import { stageOfStatus } from '../../src/domain/stages';
import { REQUEST_STATUSES, RequestStatus } from '../../src/domain/status';

/** A request in `status` after its first submission, its files where that status keeps them. */
const requestIn = (status: RequestStatus, creatorId = 'alice'): AirlockRequest => {
  const stage = stageOfStatus(status);
  return {
    ...newDraftRequest({ id: 'r1', workspaceId: 'ws', type: 'export', title: 't', businessJustification: 'b', creator: { id: creatorId, name: creatorId }, now: 1 }),
    status,
    reviewCycle: status === 'draft' ? 0 : 1,
    filesAt: stage ? { stage, cycle: status === 'changes_requested' ? 2 : 1 } : null,
  };
};
const caller = (id: string, ...roles: WorkspaceRole[]): Caller => ({ id, name: id, roles, workspaceId: 'ws' });

const roleSets: WorkspaceRole[][] = [[], ...WORKSPACE_ROLES.map((r) => [r]), ['WorkspaceResearcher', 'AirlockManager'], [...WORKSPACE_ROLES]];
const ACTIONS: UserAction[] = ['submit', 'cancel', 'review', 'revoke'];

describe('allowedUserActions', () => {
  const cases = REQUEST_STATUSES.flatMap((status) => roleSets.flatMap((roles) => [true, false].map((isRequester) => ({ status, roles, isRequester }))));

  test.each(cases)('offers exactly what authorize accepts: $status, roles $roles, requester $isRequester', ({ status, roles, isRequester }) => {
    const who = caller(isRequester ? 'alice' : 'bob', ...roles);
    const request = requestIn(status);
    const offered = allowedUserActions(who, request);
    for (const action of ACTIONS) {
      const accepted = (() => {
        try {
          authorize(action, who, request);
          return true;
        } catch {
          return false;
        }
      })();
      expect([action, offered.includes(action)]).toEqual([action, accepted]);
    }
  });

  test('a requester who is also an Airlock Manager cannot review their own request', () => {
    const both = caller('alice', 'WorkspaceResearcher', 'AirlockManager');
    expect(allowedUserActions(both, requestIn('in_review'))).toEqual(['cancel']);
    expect(() => authorize('review', both, requestIn('in_review'))).toThrow(ForbiddenError);
    expect(allowedUserActions(caller('bob', 'AirlockManager'), requestIn('in_review'))).toEqual(['review']);
  });

  test('another researcher can neither submit nor cancel; an owner can', () => {
    expect(allowedUserActions(caller('bob', 'WorkspaceResearcher'), requestIn('draft'))).toEqual([]);
    expect(allowedUserActions(caller('olga', 'WorkspaceOwner'), requestIn('draft'))).toEqual(['submit', 'cancel']);
  });

  test('a role refusal is 403 and a status refusal 400', () => {
    expect(() => authorize('submit', caller('bob', 'WorkspaceResearcher'), requestIn('draft'))).toThrow(ForbiddenError);
    expect(() => authorize('submit', caller('alice', 'WorkspaceResearcher'), requestIn('in_review'))).toThrow(IllegalTransitionError);
  });
});

describe('linkGrantFor', () => {
  test('draft: the requester gets read/write/delete/list on the draft container', () => {
    expect(linkGrantFor(caller('alice', 'WorkspaceResearcher'), requestIn('draft'))).toEqual({ stage: 'draft', at: { stage: 'draft', cycle: 1 }, permissions: 'rwdl' });
    expect(() => linkGrantFor(caller('bob', 'WorkspaceResearcher'), requestIn('draft'))).toThrow(ForbiddenError);
  });
  test('in review: managers and owners read the in-progress container, the researcher does not', () => {
    expect(linkGrantFor(caller('bob', 'AirlockManager'), requestIn('in_review'))).toEqual({ stage: 'in_progress', at: { stage: 'in_progress', cycle: 1 }, permissions: 'rl' });
    expect(() => linkGrantFor(caller('alice', 'WorkspaceResearcher'), requestIn('in_review'))).toThrow(ForbiddenError);
  });
  test('approved: the requester reads the approved container', () => {
    expect(linkGrantFor(caller('alice', 'WorkspaceResearcher'), requestIn('approved'))).toEqual({ stage: 'approved', at: { stage: 'approved', cycle: 1 }, permissions: 'rl' });
  });
  test('changes requested: the requester edits the next submission\'s draft, once the files are back there', () => {
    const returned = requestIn('changes_requested');
    expect(linkGrantFor(caller('alice', 'WorkspaceResearcher'), returned)).toEqual({ stage: 'draft', at: { stage: 'draft', cycle: 2 }, permissions: 'rwdl' });
    const stillInProgress = { ...returned, filesAt: { stage: 'in_progress' as const, cycle: 1 } };
    expect(() => linkGrantFor(caller('alice', 'WorkspaceResearcher'), stillInProgress)).toThrow(/being moved to the draft stage/);
  });
  test('approved but the files not yet in the approved stage: no link until they are', () => {
    const moving = { ...requestIn('approved'), filesAt: { stage: 'in_progress' as const, cycle: 1 } };
    expect(() => linkGrantFor(caller('alice', 'WorkspaceResearcher'), moving)).toThrow(ValidationError);
  });
  test.each(['submitted', 'approval_in_progress', 'rejection_in_progress', 'blocking_in_progress', 'cancelled', 'revoked', 'rejected', 'blocked_by_scan', 'failed'] as const)(
    '%s: no link, with a 400 that names the status',
    (status) => {
      expect(() => linkGrantFor(caller('alice', 'WorkspaceOwner', 'AirlockManager'), requestIn(status))).toThrow(ValidationError);
      expect(() => linkGrantFor(caller('alice', 'WorkspaceOwner'), requestIn(status))).toThrow(status);
    },
  );
});
