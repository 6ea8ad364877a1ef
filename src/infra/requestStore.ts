import { AirlockRequest } from '../domain/request';
import { ListQuery } from '../domain/schemas';

export interface RequestPage {
  items: AirlockRequest[];
  /** Opaque; pass back to get the next page. Absent on the last page. */
  continuationToken?: string;
}

/** Filters for listing across all workspaces (`GET /api/requests`). */
export interface CrossWorkspaceQuery extends ListQuery {
  /** Restrict to these workspaces; undefined means all. */
  workspaceIds?: readonly string[];
}

/**
 * Where request documents live. Every write is conditional: `create` fails with ConflictError when
 * the id exists, `replace` fails with ConflictError when the stored etag is not `request.etag`.
 * Nothing is ever silently overwritten. Returned documents carry the store's current `etag`.
 */
export interface RequestStore {
  create(request: AirlockRequest): Promise<AirlockRequest>;
  get(workspaceId: string, id: string): Promise<AirlockRequest | undefined>;
  /**
   * The request with this id in whichever workspace holds it, for callers that know only the id
   * (a Defender scan result names the request's container, not its workspace). A query across
   * partitions, so slower than `get`; ids are UUIDs, so two matches mean the store is corrupt (throws).
   */
  getById(id: string): Promise<AirlockRequest | undefined>;
  replace(request: AirlockRequest): Promise<AirlockRequest>;
  list(workspaceId: string, query: ListQuery): Promise<RequestPage>;
  listAll(query: CrossWorkspaceQuery): Promise<RequestPage>;
  /** Answers when the store is reachable; throws otherwise. */
  ping(): Promise<void>;
}
