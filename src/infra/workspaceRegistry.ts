import { ConflictError, DependencyError, InvariantError } from '../domain/errors';
import { AirlockSettings, newWorkspace, seedDiffers, withSeed, Workspace, WorkspaceSeed } from '../domain/workspace';
import { describeFailure, toStoreError } from './storeErrors';

/**
 * Where workspace documents live. Writes are conditional, as in the request store: `create` fails
 * with ConflictError when the id exists, `replace` when the stored etag is not `workspace.etag`.
 * Returned documents carry the store's current `etag`.
 */
export interface WorkspaceRegistry {
  get(id: string): Promise<Workspace | undefined>;
  create(workspace: Workspace): Promise<Workspace>;
  replace(workspace: Workspace): Promise<Workspace>;
  list(): Promise<Workspace[]>;
  /**
   * The workspace as the configuration names it: created with `defaults` when missing; when present,
   * its display name and audience follow the configuration. Its settings and their history are never
   * touched: after the first start they belong to the administrators.
   */
  ensure(seed: WorkspaceSeed, defaults: AirlockSettings): Promise<Workspace>;
}

/** Several instances start at once in Azure; a few rounds settle any race between their `ensure`s. */
const ENSURE_ATTEMPTS = 5;

/** `ensure` on top of get/create/replace, shared by the adapters: a lost race is read again, not an error. */
export async function ensureWorkspace(registry: Pick<WorkspaceRegistry, 'get' | 'create' | 'replace'>, seed: WorkspaceSeed, defaults: AirlockSettings): Promise<Workspace> {
  for (let attempt = 1; ; attempt++) {
    try {
      const stored = await registry.get(seed.id);
      if (!stored) return await registry.create(newWorkspace(seed, defaults));
      if (!seedDiffers(stored, seed)) return stored;
      return await registry.replace(withSeed(stored, seed));
    } catch (error) {
      if (!(error instanceof ConflictError) || attempt >= ENSURE_ATTEMPTS) throw error;
    }
  }
}

/**
 * The request store's reading of store errors, worded for this registry: a 503 should name the
 * store that is down.
 */
export function toRegistryError(error: unknown): unknown {
  const mapped = toStoreError(error);
  if (mapped instanceof DependencyError && !(error instanceof DependencyError)) {
    return new DependencyError(`workspace registry unavailable: ${describeFailure(error)}`, { cause: error });
  }
  return mapped;
}

export function workspaceExists(id: string): ConflictError {
  return new ConflictError(`Workspace ${id} already exists`);
}

export function workspaceChangedBySomeoneElse(id: string): ConflictError {
  return new ConflictError(`Workspace ${id} was changed by someone else; reload and try again`);
}

export function requireWorkspaceEtag(workspace: Workspace): string {
  if (!workspace.etag) throw new InvariantError(`Workspace ${workspace.id} has no etag; replace needs the version it was read at`);
  return workspace.etag;
}
