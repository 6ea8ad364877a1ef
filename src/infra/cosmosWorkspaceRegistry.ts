/**
 * WorkspaceRegistry on Azure Cosmos DB (NoSQL API): container `workspaces` in the requests'
 * database, partitioned by /id (each workspace is its own logical partition; they are few and read
 * one at a time). Writes are conditional, as in the request store: `create` on the id being new,
 * `replace` on an If-Match of `_etag`.
 */
import { Container, CosmosClient, ItemDefinition } from '@azure/cosmos';
import { DependencyError } from '../domain/errors';
import { AirlockSettings, Workspace, WorkspaceSeed } from '../domain/workspace';
import { clientOptions, CosmosConnectOptions } from './cosmosRequestStore';
import { statusOf } from './storeErrors';
import {
  ensureWorkspace,
  requireWorkspaceEtag,
  toRegistryError,
  workspaceChangedBySomeoneElse,
  workspaceExists,
  WorkspaceRegistry,
} from './workspaceRegistry';

export const WORKSPACES_CONTAINER = 'workspaces';
export const WORKSPACES_PARTITION_KEY_PATH = '/id';

/** Where the request store connects, with the container defaulting to `workspaces`. */
export type CosmosWorkspaceRegistryOptions = Omit<CosmosConnectOptions, 'container'> & { container?: string };

/** Fields Cosmos adds to every stored item; the domain document never carries them. */
const COSMOS_SYSTEM_FIELDS = ['_rid', '_self', '_ts', '_attachments', '_etag'] as const;

type StoredItem = ItemDefinition & Partial<Record<(typeof COSMOS_SYSTEM_FIELDS)[number], unknown>>;

export class CosmosWorkspaceRegistry implements WorkspaceRegistry {
  private readonly container: Container;
  /** Set only when this registry created the client, so `close` never disposes someone else's. */
  private readonly ownedClient?: CosmosClient;

  constructor(options: { container: Container; ownedClient?: CosmosClient }) {
    this.container = options.container;
    this.ownedClient = options.ownedClient;
  }

  /** Connects and creates the database and the container when they are missing (as the request store does). */
  static async connect(options: CosmosWorkspaceRegistryOptions): Promise<CosmosWorkspaceRegistry> {
    const containerId = options.container ?? WORKSPACES_CONTAINER;
    const client = new CosmosClient(clientOptions({ ...options, container: containerId }));
    try {
      const { database } = await client.databases.createIfNotExists({ id: options.database });
      const { container } = await database.containers.createIfNotExists({
        id: containerId,
        partitionKey: { paths: [WORKSPACES_PARTITION_KEY_PATH] },
      });
      return new CosmosWorkspaceRegistry({ container, ownedClient: client });
    } catch (error) {
      client.dispose();
      throw toRegistryError(error);
    }
  }

  /** Stops the client's background timers when this registry created the client. */
  close(): void {
    this.ownedClient?.dispose();
  }

  async get(id: string): Promise<Workspace | undefined> {
    try {
      const { resource, statusCode } = await this.container.item(id, id).read<StoredItem>();
      if (statusCode === 404 || !resource) return undefined;
      return fromStoredItem(resource);
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw toRegistryError(error);
    }
  }

  async create(workspace: Workspace): Promise<Workspace> {
    try {
      const { resource } = await this.container.items.create(toStoredBody(workspace));
      return fromStoredItem(requireResource(resource, workspace.id));
    } catch (error) {
      if (statusOf(error) === 409) throw workspaceExists(workspace.id);
      throw toRegistryError(error);
    }
  }

  async replace(workspace: Workspace): Promise<Workspace> {
    const readAt = requireWorkspaceEtag(workspace);
    try {
      const { resource } = await this.container
        .item(workspace.id, workspace.id)
        .replace(toStoredBody(workspace), { accessCondition: { type: 'IfMatch', condition: readAt } });
      return fromStoredItem(requireResource(resource, workspace.id));
    } catch (error) {
      // 404: the workspace vanished since it was read, which is a change by someone else too.
      const status = statusOf(error);
      if (status === 412 || status === 404) throw workspaceChangedBySomeoneElse(workspace.id);
      throw toRegistryError(error);
    }
  }

  async list(): Promise<Workspace[]> {
    try {
      const { resources } = await this.container.items.query<StoredItem>('SELECT * FROM c ORDER BY c.id').fetchAll();
      return resources.map(fromStoredItem);
    } catch (error) {
      throw toRegistryError(error);
    }
  }

  ensure(seed: WorkspaceSeed, defaults: AirlockSettings): Promise<Workspace> {
    return ensureWorkspace(this, seed, defaults);
  }
}

/** The body Cosmos stores: the document without our `etag` and without Cosmos' own fields. */
function toStoredBody(workspace: Workspace): ItemDefinition {
  const body: Record<string, unknown> = { ...workspace };
  delete body.etag;
  for (const field of COSMOS_SYSTEM_FIELDS) delete body[field];
  return body as ItemDefinition;
}

function fromStoredItem(item: StoredItem): Workspace {
  const document: Record<string, unknown> = { ...item };
  for (const field of COSMOS_SYSTEM_FIELDS) delete document[field];
  if (typeof item._etag !== 'string') throw new DependencyError('workspace registry unavailable: a stored workspace came back without an _etag');
  return { ...(document as unknown as Workspace), etag: item._etag };
}

function requireResource(resource: StoredItem | undefined, id: string): StoredItem {
  if (!resource) throw new DependencyError(`workspace registry unavailable: the write of workspace ${id} returned no document`);
  return resource;
}
