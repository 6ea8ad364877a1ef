/** The workspace role directory the configuration names (AIRLOCK_ROLE_DIRECTORY). */
import type { TokenCredential } from '@azure/identity';
import { RoleDirectoryConfig } from '../../config';
import { GraphRoleDirectory } from './graphRoleDirectory';
import { LocalFileRoleDirectory } from './localRoleDirectory';
import { EmptyRoleDirectory, WorkspaceRoleDirectory } from './workspaceRoleDirectory';

/** `credential` is asked for only with `graph`: the identity Graph is signed in with (the Function App's managed identity). */
export async function roleDirectoryFor(config: RoleDirectoryConfig | undefined, credential: () => Promise<TokenCredential>): Promise<WorkspaceRoleDirectory> {
  switch (config?.kind) {
    case 'graph':
      return new GraphRoleDirectory({ endpoint: config.endpoint, credential: await credential() });
    case 'local':
      return new LocalFileRoleDirectory(config.directory);
    case 'none':
    case undefined:
      return new EmptyRoleDirectory();
  }
}
