/**
 * WorkspaceRegistry on Azure Table storage (Azurite locally): one partition, RowKey = workspace id,
 * the JSON document in doc0..docN as in the table request store. Every write is conditional on the
 * entity's etag.
 */
import { odata, TableClient, TableEntity, TableEntityResult } from '@azure/data-tables';
import { DependencyError, IntegrityError } from '../domain/errors';
import { AirlockSettings, Workspace, WorkspaceSeed } from '../domain/workspace';
import { statusOf } from './storeErrors';
import { documentChunks, joinDocumentChunks, tableClientFromConnectionString, tableCreator } from './tableDocuments';
import {
  ensureWorkspace,
  requireWorkspaceEtag,
  toRegistryError,
  workspaceChangedBySomeoneElse,
  workspaceExists,
  WorkspaceRegistry,
} from './workspaceRegistry';

export const WORKSPACES_TABLE = 'airlockworkspaces';
/** Workspaces are few; one partition lets `list` read them in one query. */
const WORKSPACE_PARTITION = 'workspace';

export type TableWorkspaceRegistryOptions = { connectionString: string; table?: string } | { tableClient: TableClient };

export class TableWorkspaceRegistry implements WorkspaceRegistry {
  private readonly table: TableClient;

  constructor(options: TableWorkspaceRegistryOptions) {
    this.table = 'tableClient' in options ? options.tableClient : tableClientFromConnectionString(options.connectionString, options.table ?? WORKSPACES_TABLE);
    this.ensureTable = tableCreator(this.table, toRegistryError);
  }

  /** Builds the registry and creates its table now, so a bad connection string fails at start-up. */
  static async connect(options: { connectionString: string; tableName?: string }): Promise<TableWorkspaceRegistry> {
    const registry = new TableWorkspaceRegistry({ connectionString: options.connectionString, table: options.tableName });
    await registry.ensureTable();
    return registry;
  }

  /** Creates the table when it is missing (see tableCreator); call it to fail fast at start-up. */
  readonly ensureTable: () => Promise<void>;

  async get(id: string): Promise<Workspace | undefined> {
    await this.ensureTable();
    try {
      return fromEntity(await this.table.getEntity<Record<string, unknown>>(WORKSPACE_PARTITION, id));
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw toRegistryError(error);
    }
  }

  async create(workspace: Workspace): Promise<Workspace> {
    await this.ensureTable();
    try {
      const json = serialize(workspace);
      const { etag } = await this.table.createEntity(toEntity(workspace, json));
      return storedVersion(json, requireEtag(etag, workspace.id));
    } catch (error) {
      if (statusOf(error) === 409) throw workspaceExists(workspace.id);
      throw toRegistryError(error);
    }
  }

  async replace(workspace: Workspace): Promise<Workspace> {
    const readAt = requireWorkspaceEtag(workspace);
    await this.ensureTable();
    try {
      const json = serialize(workspace);
      const { etag } = await this.table.updateEntity(toEntity(workspace, json), 'Replace', { etag: readAt });
      return storedVersion(json, requireEtag(etag, workspace.id));
    } catch (error) {
      // 404: the workspace vanished since it was read, which is a change by someone else too.
      const status = statusOf(error);
      if (status === 412 || status === 404) throw workspaceChangedBySomeoneElse(workspace.id);
      throw toRegistryError(error);
    }
  }

  async list(): Promise<Workspace[]> {
    await this.ensureTable();
    const workspaces: Workspace[] = [];
    try {
      const entities = this.table.listEntities<Record<string, unknown>>({ queryOptions: { filter: odata`PartitionKey eq ${WORKSPACE_PARTITION}` } });
      for await (const entity of entities) workspaces.push(fromEntity(entity));
    } catch (error) {
      throw toRegistryError(error);
    }
    return workspaces.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  ensure(seed: WorkspaceSeed, defaults: AirlockSettings): Promise<Workspace> {
    return ensureWorkspace(this, seed, defaults);
  }
}

/** Everything but `etag`: the entity's own etag is the version, a copy would go stale. */
function serialize(workspace: Workspace): string {
  const body: Partial<Workspace> = { ...workspace };
  delete body.etag;
  return JSON.stringify(body);
}

function toEntity(workspace: Workspace, json: string): TableEntity<Record<string, string>> {
  return { partitionKey: WORKSPACE_PARTITION, rowKey: workspace.id, ...documentChunks(`Workspace ${workspace.id}`, json) };
}

function fromEntity(entity: TableEntityResult<Record<string, unknown>>): Workspace {
  const etag = requireEtag(entity.etag, String(entity.rowKey));
  try {
    return storedVersion(joinDocumentChunks(entity), etag);
  } catch {
    throw new IntegrityError(`Stored workspace ${entity.rowKey} is not valid JSON`);
  }
}

/** What a write returns: the document as stored (so it equals a later `get`) with its new etag. */
function storedVersion(json: string, etag: string): Workspace {
  return { ...(JSON.parse(json) as Workspace), etag };
}

function requireEtag(etag: string | undefined, id: string): string {
  if (!etag) throw new DependencyError(`workspace registry unavailable: the table returned workspace ${id} without an etag`);
  return etag;
}
