/**
 * The local host's role directory: grants recorded as files (by the token CLI), read back for a
 * user across workspaces. The latest grant for a user and workspace is what they hold there.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DependencyError } from '../../../src/domain/errors';
import { defaultAirlockSettings, Workspace } from '../../../src/domain/workspace';
import { LocalFileRoleDirectory, recordLocalGrant } from '../../../src/infra/identity/localRoleDirectory';

let directory: string;

beforeEach(async () => {
  directory = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'airlock-grants-')), 'role-grants');
});

afterEach(async () => {
  await fs.rm(path.dirname(directory), { recursive: true, force: true });
});

function workspace(id: string): Workspace {
  return { id, displayName: id, audience: `api://${id}`, airlock: defaultAirlockSettings({ maxFiles: 50, maxFileSizeMb: 1024, allowedFileTypes: ['csv'] }), changes: [] };
}
const WORKSPACES = ['demo', 'ws02', 'ws03'].map(workspace);

async function rolesOf(userId: string, workspaces = WORKSPACES) {
  return Object.fromEntries(await new LocalFileRoleDirectory(directory).rolesOf(userId, workspaces));
}

test('a recorded grant is read back for the workspaces asked about, and only for its user', async () => {
  await recordLocalGrant(directory, { userId: 'bob', workspaceId: 'demo', roles: ['AirlockManager'] });
  await recordLocalGrant(directory, { userId: 'bob', workspaceId: 'ws02', roles: ['WorkspaceOwner', 'WorkspaceResearcher'] });
  await recordLocalGrant(directory, { userId: 'alice', workspaceId: 'ws03', roles: ['AirlockManager'] });

  expect(await rolesOf('bob')).toEqual({ demo: ['AirlockManager'], ws02: ['WorkspaceResearcher', 'WorkspaceOwner'] });
  expect(await rolesOf('bob', [workspace('ws02')])).toEqual({ ws02: ['WorkspaceResearcher', 'WorkspaceOwner'] });
  expect(await rolesOf('alice')).toEqual({ ws03: ['AirlockManager'] });
  expect(await rolesOf('carol')).toEqual({});
});

test('a new grant replaces the old one; a grant of no role takes every role away', async () => {
  await recordLocalGrant(directory, { userId: 'bob', workspaceId: 'demo', roles: ['AirlockManager'] });
  await recordLocalGrant(directory, { userId: 'bob', workspaceId: 'demo', roles: ['WorkspaceResearcher'] });
  expect(await rolesOf('bob')).toEqual({ demo: ['WorkspaceResearcher'] });

  await recordLocalGrant(directory, { userId: 'bob', workspaceId: 'demo', roles: [] });
  expect(await rolesOf('bob')).toEqual({});
});

test('concurrent grants for one user in different workspaces are all kept', async () => {
  const workspaces = Array.from({ length: 12 }, (_, i) => `ws${String(i).padStart(2, '0')}`);
  await Promise.all(workspaces.map((workspaceId) => recordLocalGrant(directory, { userId: 'bob', workspaceId, roles: ['AirlockManager'] })));

  expect(Object.keys(await rolesOf('bob', workspaces.map(workspace))).sort()).toEqual(workspaces);
});

test('a user id is data, never a path: ids with slashes and dots stay inside the directory and apart', async () => {
  await recordLocalGrant(directory, { userId: '../../escape', workspaceId: 'demo', roles: ['AirlockManager'] });
  await recordLocalGrant(directory, { userId: '..', workspaceId: 'demo', roles: ['WorkspaceOwner'] });

  expect(await rolesOf('../../escape')).toEqual({ demo: ['AirlockManager'] });
  expect(await rolesOf('..')).toEqual({ demo: ['WorkspaceOwner'] });
  expect(await fs.readdir(path.dirname(directory))).toEqual(['role-grants']);
  await expect(recordLocalGrant(directory, { userId: 'bob', workspaceId: '../demo', roles: ['AirlockManager'] })).rejects.toThrow(/letters, digits/);
});

test('no grants recorded yet: nobody holds a role', async () => {
  expect(await rolesOf('bob')).toEqual({});
});

test('a grant file that is not what the CLI wrote is a DependencyError naming it, not a silent "no role"', async () => {
  await recordLocalGrant(directory, { userId: 'bob', workspaceId: 'demo', roles: ['AirlockManager'] });
  const [userFolder] = await fs.readdir(directory);
  const file = path.join(directory, userFolder, 'demo.json');
  await fs.writeFile(file, '{"roles": ');

  const failure = rolesOf('bob');

  await expect(failure).rejects.toBeInstanceOf(DependencyError);
  await expect(failure).rejects.toThrow(`${file} is not a grant the token CLI wrote`);
});
