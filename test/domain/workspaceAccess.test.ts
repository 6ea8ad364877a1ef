/**
 * Who sees which workspace (domain/permissions.ts, WORKSPACE_ACCESS): members through their workspace
 * token or, with a core token, through the role directory; TRE administrators everywhere; and who is
 * told that a workspace does not exist.
 */
import { ForbiddenError, NotFoundError } from '../../src/domain/errors';
import {
  canSeeWorkspace,
  DirectoryRoles,
  isTreUser,
  needsRoleDirectory,
  requireTreUser,
  requireWorkspaceVisible,
  rolesInWorkspace,
  visibleWorkspaces,
  workspaceReadRefusal,
} from '../../src/domain/permissions';
import { Caller, CoreRole, WORKSPACE_ROLES, WorkspaceRole } from '../../src/domain/roles';

const core = (id: string, ...roles: CoreRole[]): Caller => ({ id, name: id, roles });
const member = (workspaceId: string, ...roles: WorkspaceRole[]): Caller => ({ id: 'wendy', name: 'Wendy', roles, workspaceId });
const directory = (entries: Record<string, WorkspaceRole[]>): DirectoryRoles => new Map(Object.entries(entries));

const WORKSPACES = [{ id: 'ws01' }, { id: 'ws02' }, { id: 'ws03' }];
const ids = (workspaces: { id: string }[]) => workspaces.map((workspace) => workspace.id);

describe('who sees a workspace', () => {
  test.each(WORKSPACE_ROLES)('a workspace token with %s sees its own workspace and no other', (role) => {
    expect(canSeeWorkspace(member('ws01', role), 'ws01')).toBe(true);
    expect(canSeeWorkspace(member('ws01', role), 'ws02')).toBe(false);
  });

  test('a workspace token without a workspace role sees nothing', () => {
    expect(canSeeWorkspace(member('ws01'), 'ws01')).toBe(false);
  });

  test('a workspace token is not widened by the directory', () => {
    expect(canSeeWorkspace(member('ws01', 'WorkspaceResearcher'), 'ws02', directory({ ws02: ['AirlockManager'] }))).toBe(false);
  });

  test('a TRE administrator sees every workspace, without any workspace role', () => {
    expect(ids(visibleWorkspaces(core('ada', 'TREAdmin'), WORKSPACES))).toEqual(['ws01', 'ws02', 'ws03']);
  });

  test('a TRE user sees exactly the workspaces where the directory gives them a role', () => {
    const tina = core('tina', 'TREUser');
    expect(ids(visibleWorkspaces(tina, WORKSPACES, directory({ ws01: ['AirlockManager'], ws03: ['WorkspaceResearcher'], ws02: [] })))).toEqual(['ws01', 'ws03']);
    expect(visibleWorkspaces(tina, WORKSPACES)).toEqual([]);
  });

  test('a core token without a TRE role sees nothing, whatever the directory says', () => {
    expect(visibleWorkspaces(core('nina'), WORKSPACES, directory({ ws01: ['WorkspaceOwner'] }))).toEqual([]);
  });

  test('roles in a workspace come from the token for its own workspace, from the directory for a TRE user', () => {
    expect(rolesInWorkspace(member('ws01', 'WorkspaceOwner', 'AirlockManager'), 'ws01')).toEqual(['WorkspaceOwner', 'AirlockManager']);
    expect(rolesInWorkspace(member('ws01', 'WorkspaceOwner'), 'ws02')).toEqual([]);
    expect(rolesInWorkspace(core('tina', 'TREUser'), 'ws01', directory({ ws01: ['AirlockManager'] }))).toEqual(['AirlockManager']);
    expect(rolesInWorkspace(core('tina'), 'ws01', directory({ ws01: ['AirlockManager'] }))).toEqual([]);
  });

  test('the directory is asked only for a TRE user\'s core token that does not see everything anyway', () => {
    expect(needsRoleDirectory(core('tina', 'TREUser'))).toBe(true);
    expect(needsRoleDirectory(core('ada', 'TREAdmin'))).toBe(false);
    expect(needsRoleDirectory(core('nina'))).toBe(false);
    expect(needsRoleDirectory(member('ws01', 'WorkspaceOwner'))).toBe(false);
  });
});

describe('reading one workspace: 403, or 404 only to those who may learn which workspaces exist', () => {
  test('allowed: a member\'s workspace token, an administrator, a TRE user with a directory role', () => {
    expect(workspaceReadRefusal(member('ws01', 'WorkspaceResearcher'), 'ws01', true)).toBeUndefined();
    expect(workspaceReadRefusal(core('ada', 'TREAdmin'), 'ws01', true)).toBeUndefined();
    expect(workspaceReadRefusal(core('tina', 'TREUser'), 'ws01', true, directory({ ws01: ['WorkspaceOwner'] }))).toBeUndefined();
  });

  test('a TRE user without a role there: 403; a workspace that does not exist: 404', () => {
    expect(workspaceReadRefusal(core('tina', 'TREUser'), 'ws01', true)).toEqual(expect.any(ForbiddenError));
    expect(workspaceReadRefusal(core('tina', 'TREUser'), 'nope', false)).toEqual(expect.any(NotFoundError));
    expect(workspaceReadRefusal(core('ada', 'TREAdmin'), 'nope', false)).toEqual(expect.any(NotFoundError));
  });

  test.each([
    ['a core token without a TRE role', core('nina')],
    ['a workspace token for another workspace', member('ws02', 'WorkspaceOwner')],
    ['a workspace token without roles', member('ws01')],
  ])('%s gets the same 403 whether the workspace exists or not', (_case, caller) => {
    const existing = workspaceReadRefusal(caller, 'ws01', true);
    const missing = workspaceReadRefusal(caller, 'ws01', false);
    expect(existing).toEqual(expect.any(ForbiddenError));
    expect(missing).toEqual(expect.any(ForbiddenError));
    expect(missing?.detail).toBe(existing?.detail);
  });

  test('requireWorkspaceVisible throws the refusal', () => {
    expect(() => requireWorkspaceVisible(member('ws02', 'WorkspaceOwner'), 'ws01', { id: 'ws01' })).toThrow(/This token is for workspace 'ws02'/);
    expect(() => requireWorkspaceVisible(member('ws01', 'WorkspaceOwner'), 'ws01', { id: 'ws01' })).not.toThrow();
  });
});

describe('TRE-wide routes want a TRE user\'s core token', () => {
  test.each([
    ['TREUser', core('tina', 'TREUser'), true],
    ['TREAdmin', core('ada', 'TREAdmin'), true],
    ['a core token without a TRE role', core('nina'), false],
    ['a workspace token', member('ws01', 'WorkspaceOwner'), false],
  ])('%s', (_case, caller, allowed) => {
    expect(isTreUser(caller)).toBe(allowed);
    if (allowed) expect(() => requireTreUser(caller, 'list operations')).not.toThrow();
    else expect(() => requireTreUser(caller, 'list operations')).toThrow(ForbiddenError);
  });
});
