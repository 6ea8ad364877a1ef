import { AIRLOCK_SYSTEM, Caller, hasRole, userRefOf } from '../../src/domain/roles';

const rita: Caller = { id: 'rita', name: 'Rita Researcher', email: 'rita@example.org', roles: ['WorkspaceResearcher'], workspaceId: 'ws01' };

describe('userRefOf', () => {
  test('keeps who the caller is (id, name, email) and nothing of their roles or token', () => {
    expect(userRefOf(rita)).toStrictEqual({ id: 'rita', name: 'Rita Researcher', email: 'rita@example.org' });
  });

  test('a caller without an email has no email member at all, so the stored user (and its audit hash) says nothing about one', () => {
    for (const email of [undefined, '']) {
      const ref = userRefOf({ ...rita, email });
      expect(ref).toStrictEqual({ id: 'rita', name: 'Rita Researcher' });
      expect(Object.keys(ref)).not.toContain('email');
    }
  });
});

describe('hasRole', () => {
  const manager: Caller = { id: 'mia', name: 'Mia', roles: ['WorkspaceOwner', 'AirlockManager'], workspaceId: 'ws01' };

  test('is true when the caller holds any one of the roles asked', () => {
    expect(hasRole(manager, 'AirlockManager')).toBe(true);
    expect(hasRole(manager, 'WorkspaceResearcher', 'WorkspaceOwner')).toBe(true);
    expect(hasRole(rita, 'AirlockManager', 'WorkspaceResearcher')).toBe(true);
  });

  test('is false when the caller holds none of them, when no role is asked, and for a caller with no roles', () => {
    expect(hasRole(rita, 'AirlockManager', 'WorkspaceOwner')).toBe(false);
    expect(hasRole(manager, 'TREAdmin')).toBe(false);
    expect(hasRole(manager)).toBe(false);
    expect(hasRole({ ...rita, roles: [] }, 'WorkspaceResearcher')).toBe(false);
  });

  test('a core role is a role like any other', () => {
    const admin: Caller = { id: 'ada', name: 'Ada', roles: ['TREAdmin'] };
    expect(hasRole(admin, 'TREAdmin')).toBe(true);
    expect(hasRole(admin, 'TREUser', 'WorkspaceOwner')).toBe(false);
  });
});

test('the airlock acts as {"id":"airlock","name":"Airlock"}, as the events documentation promises consumers', () => {
  expect(AIRLOCK_SYSTEM).toStrictEqual({ id: 'airlock', name: 'Airlock' });
});
