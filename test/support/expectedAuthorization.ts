/**
 * The authorization matrix as the design states it: who may do what to a request in which status,
 * and what everyone else is told. Written from ../shared/DESIGN.md §5 (lifecycle) and §8 (API, links
 * by status) and the README's API table, in this file's own words and never by asking src/domain,
 * so that a wrong rule in the code disagrees with it. Only types are imported from src/domain; the
 * tests check that the statuses and roles below are exactly the domain's, so a new status cannot
 * slip past the matrix.
 *
 * Where the design is silent and the code decides, the rule says so in a comment with the reason.
 */
import type { UserAction } from '../../src/domain/permissions';
import type { WorkspaceRole } from '../../src/domain/roles';
import type { Stage } from '../../src/domain/stages';
import type { RequestStatus } from '../../src/domain/status';
import type { RequestVisibility } from '../../src/domain/workspace';

/** DESIGN §5: Azure TRE's twelve statuses and our `changes_requested`. */
export const STATUSES: readonly RequestStatus[] = [
  'draft',
  'submitted',
  'in_review',
  'approval_in_progress',
  'approved',
  'rejection_in_progress',
  'rejected',
  'cancelled',
  'blocking_in_progress',
  'blocked_by_scan',
  'failed',
  'revoked',
  'changes_requested',
];

/** DESIGN §7: the workspace roles a token's `roles` claim carries. */
export const ROLES: readonly WorkspaceRole[] = ['WorkspaceResearcher', 'WorkspaceOwner', 'AirlockManager'];

/** Every subset of the three workspace roles, the empty one included: 8 role sets. */
export const ROLE_SETS: readonly (readonly WorkspaceRole[])[] = Array.from({ length: 1 << ROLES.length }, (_, mask) =>
  ROLES.filter((_, bit) => mask & (1 << bit)),
);

export type Endpoint =
  | 'GET request'
  | 'GET list'
  | 'GET link'
  | 'GET preview'
  | 'POST submit'
  | 'POST cancel'
  | 'POST review approve'
  | 'POST review reject'
  | 'POST review changes_requested'
  | 'POST revoke';

export const ENDPOINTS: readonly Endpoint[] = [
  'GET request',
  'GET list',
  'GET link',
  'GET preview',
  'POST submit',
  'POST cancel',
  'POST review approve',
  'POST review reject',
  'POST review changes_requested',
  'POST revoke',
];

/** The caller as the matrix sees them: their workspace roles, and whether they created the request. */
export interface Person {
  roles: readonly WorkspaceRole[];
  requester: boolean;
}

export type Expected =
  | {
      allowed: true;
      /** An action's status right after it (DESIGN §5). */
      leadsTo?: RequestStatus;
      /** A link's container stage and SAS permissions (DESIGN §8, links). */
      grant?: { stage: Stage; permissions: 'rwdl' | 'rl' };
      /** The stage a preview shows the file from. */
      reads?: Stage;
    }
  | {
      allowed: false;
      /** 403 role or ownership, 400 status (illegal transition, or no link or preview in this status), 404 a request the caller may not see. */
      httpStatus: 400 | 403 | 404;
      /** What the refusal's `detail` must say. */
      says: RegExp;
    }
  /** A list that answers, without this request in it. */
  | { allowed: false; unlisted: true };

const holds = (person: Person, ...roles: WorkspaceRole[]) => roles.some((role) => person.roles.includes(role));

// ---- who ----

interface Who {
  admits(person: Person): boolean;
}

const anyOf = (...roles: WorkspaceRole[]): Who => ({ admits: (person) => holds(person, ...roles) });

/**
 * The requester, acting as a Researcher or Owner. DESIGN says "the requester" without roles; the
 * code asks the requester to still hold a role that creates requests, so a requester left with only
 * AirlockManager (or no role) is treated as anyone else. Followed here because roles can be taken
 * away after creation and a lost role should take its rights with it.
 */
const theRequesterAsCreator: Who = { admits: (person) => person.requester && holds(person, 'WorkspaceResearcher', 'WorkspaceOwner') };

const either = (...whos: Who[]): Who => ({ admits: (person) => whos.some((who) => who.admits(person)) });

// ---- visibility (README: "Researchers see only their own requests unless the workspace's requestVisibility is workspace; owners and Airlock Managers see all") ----

/**
 * Whether the caller may see the request at all; a request they may not see is answered 404, so its
 * existence is not confirmed. DESIGN's "deny by default" (§7): without a workspace role nobody sees
 * anything, their own request included.
 */
export function expectedVisible(person: Person, visibility: RequestVisibility = 'own'): boolean {
  if (holds(person, 'WorkspaceOwner', 'AirlockManager')) return true;
  if (!holds(person, 'WorkspaceResearcher')) return false;
  return visibility === 'workspace' || person.requester;
}

/** Whether the caller may list the workspace's requests at all (DESIGN §8: Researcher, Owner, AirlockManager). */
export const expectedMayList = (person: Person): boolean => holds(person, ...ROLES);

// ---- actions: gates checked in order, the first that refuses decides ----

type Gate =
  | { kind: 'who'; who: Who; says: RegExp }
  | { kind: 'notTheRequester'; says: RegExp }
  | { kind: 'status'; statuses: readonly RequestStatus[] };

const onlyFor = (who: Who, says: RegExp): Gate => ({ kind: 'who', who, says });
const inStatus = (...statuses: RequestStatus[]): Gate => ({ kind: 'status', statuses });

interface ActionRule {
  action: UserAction;
  /** Role and ownership before status: DESIGN §8 lists who first, and a 403 tells a stranger nothing about the status. */
  gates: readonly Gate[];
  leadsTo: RequestStatus;
}

const reviewGates: readonly Gate[] = [
  onlyFor(anyOf('AirlockManager'), /Only an Airlock Manager/),
  // DESIGN §7: "A requester never reviews their own request", whatever roles they hold.
  { kind: 'notTheRequester', says: /own request/ },
  inStatus('in_review'),
];

const ACTION_RULES: Record<Exclude<Endpoint, 'GET request' | 'GET list' | 'GET link' | 'GET preview'>, ActionRule> = {
  'POST submit': {
    action: 'submit',
    gates: [
      onlyFor(either(theRequesterAsCreator, anyOf('WorkspaceOwner')), /requester or a Workspace Owner/),
      // DESIGN §5: draft --submit--> submitted; changes_requested --resubmit--> submitted.
      inStatus('draft', 'changes_requested'),
    ],
    leadsTo: 'submitted',
  },
  'POST cancel': {
    action: 'cancel',
    gates: [
      onlyFor(either(theRequesterAsCreator, anyOf('WorkspaceOwner')), /requester or a Workspace Owner/),
      // DESIGN §5 names draft and in_review. `changes_requested` is the code's choice (its transition
      // table allows it): a request returned for revision is a draft again, and a draft can be cancelled.
      inStatus('draft', 'in_review', 'changes_requested'),
    ],
    leadsTo: 'cancelled',
  },
  // With the workspace's default of one required approval (the e2e checks the host's setting), one
  // approval decides. Every decision is the same `review` action with the same gates.
  'POST review approve': { action: 'review', gates: reviewGates, leadsTo: 'approval_in_progress' },
  'POST review reject': { action: 'review', gates: reviewGates, leadsTo: 'rejection_in_progress' },
  'POST review changes_requested': { action: 'review', gates: reviewGates, leadsTo: 'changes_requested' },
  'POST revoke': {
    action: 'revoke',
    // DESIGN §8 says AirlockManager without excluding the requester; the code lets a manager revoke
    // their own approved request, since revoking only takes data away.
    gates: [onlyFor(anyOf('AirlockManager'), /Only an Airlock Manager/), inStatus('approved')],
    leadsTo: 'revoked',
  },
};

function throughGates(gates: readonly Gate[], person: Person, status: RequestStatus): Expected | undefined {
  for (const gate of gates) {
    if (gate.kind === 'who' && !gate.who.admits(person)) return { allowed: false, httpStatus: 403, says: gate.says };
    if (gate.kind === 'notTheRequester' && person.requester) return { allowed: false, httpStatus: 403, says: gate.says };
    if (gate.kind === 'status' && !gate.statuses.includes(status)) return { allowed: false, httpStatus: 400, says: new RegExp(`status '${status}'`) };
  }
  return undefined;
}

// ---- links (DESIGN §8, "Links") ----

interface LinkRule {
  statuses: readonly RequestStatus[];
  who: Who;
  says: RegExp;
  grant: { stage: Stage; permissions: 'rwdl' | 'rl' };
}

const LINK_RULES: readonly LinkRule[] = [
  {
    // `changes_requested` is silent in DESIGN; the code gives the requester the next submission's
    // draft link, since README says the requester edits and submits again. An Owner who is not the
    // requester gets no draft link: DESIGN gives it to "the requester" alone.
    statuses: ['draft', 'changes_requested'],
    who: theRequesterAsCreator,
    says: /Only the requester/,
    grant: { stage: 'draft', permissions: 'rwdl' },
  },
  {
    // DESIGN names AirlockManager or Owner and excludes nobody: a manager who is the requester may read it too.
    statuses: ['in_review'],
    who: anyOf('AirlockManager', 'WorkspaceOwner'),
    says: /Only an Airlock Manager or a Workspace Owner/,
    grant: { stage: 'in_progress', permissions: 'rl' },
  },
  {
    // "The requester" here is whoever created it and can still see it, whatever workspace role they
    // now hold (the code's choice: downloading what was approved for you needs no creating role).
    statuses: ['approved'],
    who: either({ admits: (person) => person.requester && holds(person, ...ROLES) }, anyOf('WorkspaceOwner')),
    says: /Only the requester or a Workspace Owner/,
    grant: { stage: 'approved', permissions: 'rl' },
  },
];

/** DESIGN §8: in-progress statuses are refused with 400 "being processed". */
const BEING_PROCESSED: readonly RequestStatus[] = ['submitted', 'approval_in_progress', 'rejection_in_progress', 'blocking_in_progress'];

function expectedLink(person: Person, status: RequestStatus): Expected {
  const rule = LINK_RULES.find((candidate) => candidate.statuses.includes(status));
  if (rule) return rule.who.admits(person) ? { allowed: true, grant: rule.grant } : { allowed: false, httpStatus: 403, says: rule.says };
  // Whoever asks, once they can see the request: the status alone explains the refusal.
  if (BEING_PROCESSED.includes(status)) return { allowed: false, httpStatus: 400, says: /being processed/ };
  // cancelled, revoked, rejected, blocked_by_scan, failed: "400 with the reason", which names the status.
  return { allowed: false, httpStatus: 400, says: new RegExp(status) };
}

// ---- previews (issue #14: "same authorization as the link for that status") ----

/**
 * Seeing a file in the browser is reading it: whoever may get a read link for the request in its
 * status may preview its files, from the stage that link would open, and everyone else is told what
 * the link would tell them. The requester's draft link also writes; a preview only ever reads.
 */
function expectedPreview(person: Person, status: RequestStatus): Expected {
  const link = expectedLink(person, status);
  return link.allowed && link.grant ? { allowed: true, reads: link.grant.stage } : link;
}

// ---- the matrix ----

const NOT_VISIBLE: Expected = { allowed: false, httpStatus: 404, says: /does not exist/ };

/** What `endpoint` must answer `person` about a request in `status` that `person` did or did not create. */
export function expectedOutcome(endpoint: Endpoint, person: Person, status: RequestStatus, visibility: RequestVisibility = 'own'): Expected {
  const visible = expectedVisible(person, visibility);
  switch (endpoint) {
    case 'GET list':
      if (!expectedMayList(person)) return { allowed: false, httpStatus: 403, says: /airlock role/ };
      return visible ? { allowed: true } : { allowed: false, unlisted: true };
    case 'GET request':
      return visible ? { allowed: true } : NOT_VISIBLE;
    case 'GET link':
      return visible ? expectedLink(person, status) : NOT_VISIBLE;
    case 'GET preview':
      return visible ? expectedPreview(person, status) : NOT_VISIBLE;
    default: {
      if (!visible) return NOT_VISIBLE;
      const rule = ACTION_RULES[endpoint];
      return throughGates(rule.gates, person, status) ?? { allowed: true, leadsTo: rule.leadsTo };
    }
  }
}

export const actionOf = (endpoint: Endpoint): UserAction | undefined =>
  endpoint in ACTION_RULES ? ACTION_RULES[endpoint as keyof typeof ACTION_RULES].action : undefined;

/**
 * `allowedUserActions` as the design promises it: "computed by the same rules that accept or refuse
 * the action", in Azure TRE's order. Review is offered when a decision would be accepted.
 */
export function expectedUserActions(person: Person, status: RequestStatus, visibility: RequestVisibility = 'own'): UserAction[] {
  const offered = new Set<UserAction>();
  for (const endpoint of Object.keys(ACTION_RULES) as (keyof typeof ACTION_RULES)[]) {
    if (expectedOutcome(endpoint, person, status, visibility).allowed) offered.add(ACTION_RULES[endpoint].action);
  }
  return (['submit', 'cancel', 'review', 'revoke'] as const).filter((action) => offered.has(action));
}

export interface MatrixCell {
  endpoint: Endpoint;
  roles: readonly WorkspaceRole[];
  status: RequestStatus;
  requester: boolean;
  expected: Expected;
}

/** Every endpoint × role set × status × requester-or-not, with its expected answer. */
export function expectedMatrix(endpoints: readonly Endpoint[] = ENDPOINTS, visibility: RequestVisibility = 'own'): MatrixCell[] {
  return endpoints.flatMap((endpoint) =>
    ROLE_SETS.flatMap((roles) =>
      STATUSES.flatMap((status) =>
        [true, false].map((requester) => ({ endpoint, roles, status, requester, expected: expectedOutcome(endpoint, { roles, requester }, status, visibility) })),
      ),
    ),
  );
}

export const rolesLabel = (roles: readonly WorkspaceRole[]): string => (roles.length ? roles.join('+') : 'no role');

export const describeExpected = (expected: Expected): string =>
  expected.allowed
    ? `allow${expected.grant ? ` ${expected.grant.stage}/${expected.grant.permissions}` : ''}${expected.reads ? ` reads ${expected.reads}` : ''}${expected.leadsTo ? ` → ${expected.leadsTo}` : ''}`
    : 'unlisted' in expected
      ? 'unlisted'
      : `${expected.httpStatus} ${expected.says}`;
