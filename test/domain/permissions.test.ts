import { ForbiddenError, IllegalTransitionError, isAirlockError, ValidationError } from '../../src/domain/errors';
import {
  allowedUserActions,
  authorize,
  canAdministerAirlock,
  canReview,
  canView,
  hasPermission,
  linkGrantFor,
  requirePermission,
  requireTreAdmin,
} from '../../src/domain/permissions';
import { recordReview } from '../../src/domain/review';
import { AirlockRequest, newDraftRequest } from '../../src/domain/request';
import { Caller, WORKSPACE_ROLES, WorkspaceRole } from '../../src/domain/roles';
import { stageOfStatus } from '../../src/domain/stages';
import { REQUEST_STATUSES, RequestStatus } from '../../src/domain/status';
import { RequestVisibility } from '../../src/domain/workspace';
import {
  actionOf,
  ENDPOINTS,
  Expected,
  expectedMatrix,
  expectedUserActions,
  ROLES,
  rolesLabel,
  STATUSES,
} from '../support/expectedAuthorization';

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

const visibilities: RequestVisibility[] = ['own', 'workspace'];
const callerFor = (roles: readonly WorkspaceRole[], requester: boolean) => caller(requester ? 'alice' : 'bob', ...roles);

/** `allowed`, or the refusal's HTTP status and detail, in the form the expected matrix is compared in. */
function answerOf(decide: () => unknown): { answer: 'allowed' | number; detail?: string } {
  try {
    decide();
    return { answer: 'allowed' };
  } catch (error) {
    if (!isAirlockError(error)) throw error;
    return { answer: error.httpStatus, detail: error.detail };
  }
}

function expectAnswer(actual: { answer: 'allowed' | number; detail?: string }, expected: Expected): void {
  if (expected.allowed) {
    expect(actual).toEqual({ answer: 'allowed' });
  } else if ('httpStatus' in expected) {
    expect(actual.answer).toBe(expected.httpStatus);
    expect(actual.detail).toMatch(expected.says);
  } else {
    throw new Error('a domain decision is never "unlisted"');
  }
}

const isNotVisible = (expected: Expected) => !expected.allowed && 'httpStatus' in expected && expected.httpStatus === 404;
const labelled = <T extends { roles: readonly WorkspaceRole[] }>(items: T[]) => items.map((item) => ({ ...item, label: rolesLabel(item.roles) }));

describe('the expected authorization matrix (DESIGN §5, §8) covers the domain', () => {
  test('every status and workspace role of the domain, and no other', () => {
    expect([...STATUSES].sort()).toEqual([...REQUEST_STATUSES].sort());
    expect([...ROLES].sort()).toEqual([...WORKSPACE_ROLES].sort());
  });
});

describe.each(visibilities)('with request visibility %s, the domain answers every cell as the design says', (visibility) => {
  const cells = expectedMatrix(ENDPOINTS, visibility);

  test.each(labelled(cells.filter((cell) => cell.endpoint === 'GET request')))(
    'canView: $status, roles $label, requester $requester',
    ({ roles, requester, status, expected }) => {
      expect(canView(callerFor(roles, requester), requestIn(status), visibility)).toBe(expected.allowed);
    },
  );

  test.each(labelled(cells.filter((cell) => cell.endpoint === 'GET list' && cell.status === 'draft')))(
    'may list at all: roles $label, requester $requester',
    ({ roles, requester, expected }) => {
      const refused = !expected.allowed && 'httpStatus' in expected && expected.httpStatus === 403;
      expect(canView(callerFor(roles, requester))).toBe(!refused);
    },
  );

  // A request the caller may not see is answered 404 before the domain decides anything else.
  const decided = cells.filter((cell) => !isNotVisible(cell.expected));

  test.each(labelled(decided.filter((cell) => actionOf(cell.endpoint) !== undefined)))(
    'authorize: $endpoint, $status, roles $label, requester $requester',
    ({ endpoint, roles, requester, status, expected }) => {
      expectAnswer(answerOf(() => authorize(actionOf(endpoint)!, callerFor(roles, requester), requestIn(status))), expected);
    },
  );

  test.each(labelled(decided.filter((cell) => cell.endpoint === 'GET link')))(
    'linkGrantFor: $status, roles $label, requester $requester',
    ({ roles, requester, status, expected }) => {
      const request = requestIn(status);
      expectAnswer(answerOf(() => linkGrantFor(callerFor(roles, requester), request)), expected);
      if (expected.allowed && expected.grant) {
        expect(linkGrantFor(callerFor(roles, requester), request)).toEqual({ ...expected.grant, at: { stage: expected.grant.stage, cycle: request.filesAt!.cycle } });
      }
    },
  );

  // The preview handler asks linkGrantFor and reads from the container of the stage it grants.
  test.each(labelled(decided.filter((cell) => cell.endpoint === 'GET preview')))(
    'preview (linkGrantFor): $status, roles $label, requester $requester',
    ({ roles, requester, status, expected }) => {
      const request = requestIn(status);
      expectAnswer(answerOf(() => linkGrantFor(callerFor(roles, requester), request)), expected);
      if (expected.allowed) {
        expect(expected.reads).toBeDefined();
        expect(linkGrantFor(callerFor(roles, requester), request).at).toEqual({ stage: expected.reads, cycle: request.filesAt!.cycle });
      }
    },
  );

  test.each(labelled(decided.filter((cell) => cell.endpoint === 'GET request')))(
    'allowedUserActions offers what the design allows: $status, roles $label, requester $requester',
    ({ roles, requester, status }) => {
      expect(allowedUserActions(callerFor(roles, requester), requestIn(status))).toEqual(expectedUserActions({ roles, requester }, status, visibility));
    },
  );
});

describe('allowedUserActions', () => {
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

describe('who may do what, whatever the request', () => {
  test('an Owner or an Airlock Manager may read the audit log; a researcher may not', () => {
    expect(hasPermission(caller('olga', 'WorkspaceOwner'), 'readAudit')).toBe(true);
    expect(hasPermission(caller('bob', 'AirlockManager'), 'readAudit')).toBe(true);
    expect(hasPermission(caller('alice', 'WorkspaceResearcher'), 'readAudit')).toBe(false);
    expect(() => requirePermission(caller('alice', 'WorkspaceResearcher'), 'readAudit')).toThrow(
      new ForbiddenError('Only a Workspace Owner or an Airlock Manager can read the audit log of a request'),
    );
  });

  test('a researcher or an owner may create a request; an Airlock Manager alone may not', () => {
    expect(() => requirePermission(caller('alice', 'WorkspaceResearcher'), 'create')).not.toThrow();
    expect(() => requirePermission(caller('olga', 'WorkspaceOwner'), 'create')).not.toThrow();
    expect(() => requirePermission(caller('bob', 'AirlockManager'), 'create')).toThrow(ForbiddenError);
  });

  test('only a TRE administrator signed in for the core administers the airlock', () => {
    const admin: Caller = { id: 'root', name: 'root', roles: ['TREAdmin'] };
    expect(canAdministerAirlock(admin)).toBe(true);
    expect(canAdministerAirlock({ ...admin, workspaceId: 'ws' })).toBe(false);
    expect(canAdministerAirlock({ ...admin, roles: ['TREUser'] })).toBe(false);
    expect(() => requireTreAdmin({ ...admin, workspaceId: 'ws' }, 'change settings')).toThrow(new ForbiddenError('Only a TRE administrator can change settings'));
  });
});

describe('canReview, which the review queue also asks', () => {
  test('a manager who approved this cycle may not review again until the request is resubmitted', () => {
    const bob = caller('bob', 'AirlockManager');
    const approved = recordReview(requestIn('in_review'), {
      id: 'rev1', reviewer: { id: 'bob', name: 'bob' }, decision: 'approved', decisionExplanation: 'ok', now: 2, requiredApprovals: 2,
    });
    expect(approved.status).toBe('in_review');
    expect(canReview(bob, approved)).toBe(false);
    expect(canReview(caller('carol', 'AirlockManager'), approved)).toBe(true);
    expect(canReview(bob, { ...approved, reviewCycle: 2 })).toBe(true);
  });
});
