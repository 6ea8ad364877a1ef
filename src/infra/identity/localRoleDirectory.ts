/**
 * Workspace roles on the local host, where there is no Entra ID: the token CLI records the roles of
 * every workspace token it mints as that user's grant in that workspace, and this directory reads
 * them back for callers who present a core token. A token carries all the roles its holder has in
 * its workspace, so the latest token minted for a user and workspace says what they hold there
 * (minting one with no roles takes them all away).
 *
 * One file per user and workspace, `<directory>/<user id, base64url>/<workspace id>.json`, each
 * written whole (a temporary file renamed over it): two CLI runs never lose each other's grants, and
 * a user id is data, never a path.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { dirname, join } from 'node:path';
import { DependencyError } from '../../domain/errors';
import { errorText } from '../../domain/errorText';
import { WORKSPACE_ROLES, WorkspaceRole } from '../../domain/roles';
import { Workspace } from '../../domain/workspace';
import { WorkspaceRoleDirectory } from './workspaceRoleDirectory';

/** Where, under the local host's data directory, the grants are kept. */
export const LOCAL_ROLE_GRANTS_FOLDER = 'role-grants';

export function localRoleGrantsDirectory(dataDir: string): string {
  return join(dataDir, LOCAL_ROLE_GRANTS_FOLDER);
}

export interface LocalGrant {
  userId: string;
  workspaceId: string;
  roles: WorkspaceRole[];
}

interface StoredGrant extends LocalGrant {
  /** ISO 8601; when the token that recorded it was minted */
  grantedWhen: string;
}

/** Workspace ids as the token CLI accepts them: safe as a file name. */
const WORKSPACE_ID = /^[A-Za-z0-9][A-Za-z0-9-]*$/;

function grantFile(directory: string, userId: string, workspaceId: string): string {
  if (!WORKSPACE_ID.test(workspaceId)) throw new Error(`workspace id '${workspaceId}' must be letters, digits or '-'`);
  if (!userId) throw new Error('a grant needs a user id');
  return join(directory, Buffer.from(userId, 'utf8').toString('base64url'), `${workspaceId}.json`);
}

/** Records `grant` as everything the user holds in the workspace, replacing what was recorded before. */
export async function recordLocalGrant(directory: string, grant: LocalGrant, now: Date = new Date()): Promise<void> {
  const file = grantFile(directory, grant.userId, grant.workspaceId);
  await fs.mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const stored: StoredGrant = { ...grant, roles: WORKSPACE_ROLES.filter((role) => grant.roles.includes(role)), grantedWhen: now.toISOString() };
  const temporary = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  await fs.writeFile(temporary, `${JSON.stringify(stored, null, 2)}\n`, { mode: 0o600 });
  try {
    await fs.rename(temporary, file);
  } catch (error) {
    await fs.rm(temporary, { force: true });
    throw error;
  }
}

/** Reads the grants the token CLI recorded; read afresh on every call, so a new grant counts at once. */
export class LocalFileRoleDirectory implements WorkspaceRoleDirectory {
  constructor(readonly directory: string) {}

  async rolesOf(userId: string, workspaces: readonly Workspace[]): Promise<Map<string, WorkspaceRole[]>> {
    if (!userId) return new Map();
    const held = await Promise.all(workspaces.map(async (workspace) => [workspace.id, await this.rolesIn(userId, workspace.id)] as const));
    return new Map(held.filter(([, roles]) => roles.length > 0));
  }

  private async rolesIn(userId: string, workspaceId: string): Promise<WorkspaceRole[]> {
    if (!WORKSPACE_ID.test(workspaceId)) return [];
    const file = grantFile(this.directory, userId, workspaceId);
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw new DependencyError(`workspace roles unavailable: cannot read the local grant ${file}: ${errorText(error)}`);
    }
    let grant: Partial<StoredGrant> | null;
    try {
      grant = JSON.parse(text) as Partial<StoredGrant> | null;
    } catch {
      grant = null;
    }
    // A file this directory cannot read as the CLI wrote it is a broken store, said as such, not a silent "no role".
    if (grant?.userId !== userId || grant.workspaceId !== workspaceId || !Array.isArray(grant.roles)) {
      throw new DependencyError(`workspace roles unavailable: ${file} is not a grant the token CLI wrote; mint the token again to rewrite it`);
    }
    const roles: unknown[] = grant.roles;
    return WORKSPACE_ROLES.filter((role) => roles.includes(role));
  }
}
