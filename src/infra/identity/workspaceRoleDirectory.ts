/**
 * Who holds which workspace roles, as the workspace app registrations assign them. A workspace
 * token carries its own workspace's roles; a core token carries none, so calls that span workspaces
 * (the portal's cross-workspace request list, `GET /api/workspaces`) ask this directory, the way
 * Azure TRE reads app role assignments from Microsoft Graph.
 */
import { WorkspaceRole } from '../../domain/roles';
import { Workspace } from '../../domain/workspace';

export interface WorkspaceRoleDirectory {
  /**
   * The user's roles in each of `workspaces` that gives them any, by workspace id; a workspace
   * where they hold none is absent. `userId` is the token's `oid`, as `Caller.id` carries it.
   */
  rolesOf(userId: string, workspaces: readonly Workspace[]): Promise<Map<string, WorkspaceRole[]>>;
}

/** Knows no assignments: every cross-workspace view is empty. The deny-by-default choice when none is configured. */
export class EmptyRoleDirectory implements WorkspaceRoleDirectory {
  async rolesOf(): Promise<Map<string, WorkspaceRole[]>> {
    return new Map();
  }
}
