import { AuditDraft, AuditEntry } from '../domain/audit';
import { AirlockRequest } from '../domain/request';
import { ListQuery } from '../domain/schemas';
import { InvariantError } from '../domain/errors';

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

/** Entries `afterSeq + 1` through `throughSeq` of a log; a bound left out leaves that end open. */
export interface AuditRange {
  afterSeq?: number;
  throughSeq?: number;
}

/** Range bounds become entry keys, so each must be a whole sequence number (0 = before the first entry). */
export function assertAuditRange(range: AuditRange): void {
  for (const [name, bound] of Object.entries(range)) {
    if (bound !== undefined && !(Number.isSafeInteger(bound) && bound >= 0)) {
      throw new InvariantError(`an audit range's ${name} must be a whole number of at least 0 (got ${JSON.stringify(bound)})`);
    }
  }
}

/**
 * Where request documents live. Every write is conditional: `create` fails with ConflictError when
 * the id exists, `replace` fails with ConflictError when the stored etag is not `request.etag`.
 * Nothing is ever silently overwritten. Returned documents carry the store's current `etag`.
 *
 * Audit: `create` and `replace` take the drafts of what the change did. The store numbers and
 * hash-chains them on from the document's `auditHead` (from none for `create`), sets the new
 * `auditHead` on the document and writes the document and the entries in ONE transaction in the
 * request's partition: when the write is refused (ConflictError) nothing at all is written.
 * Without drafts (or with none) no entry is written and `auditHead` is stored as given.
 */
export interface RequestStore {
  create(request: AirlockRequest, audit?: AuditDraft[]): Promise<AirlockRequest>;
  get(workspaceId: string, id: string): Promise<AirlockRequest | undefined>;
  /**
   * The request with this id in whichever workspace holds it, for callers that know only the id
   * (a Defender scan result names the request's container, not its workspace). A query across
   * partitions, so slower than `get`; ids are UUIDs, so two matches mean the store is corrupt (throws).
   */
  getById(id: string): Promise<AirlockRequest | undefined>;
  replace(request: AirlockRequest, audit?: AuditDraft[]): Promise<AirlockRequest>;
  /**
   * The request's audit entries, ordered by their key (the zero-padded sequence number), so an
   * untampered log comes back as 1, 2, 3...; empty when the request has none. Check with verifyChain.
   * With a range, only the entries whose keys lie in it, read as a key-range query: reading the
   * newest entries of a long log costs what they are, not what the log is.
   */
  listAudit(workspaceId: string, requestId: string, range?: AuditRange): Promise<AuditEntry[]>;
  /** Never returns audit entries (nor do `get`, `getById` and `listAll`). */
  list(workspaceId: string, query: ListQuery): Promise<RequestPage>;
  listAll(query: CrossWorkspaceQuery): Promise<RequestPage>;
  /** Answers when the store is reachable; throws otherwise. */
  ping(): Promise<void>;
}

/**
 * Every request in every workspace, oldest first, a page at a time: requests created while this runs
 * land on later pages, so earlier pages stay put.
 */
export async function* everyRequest(store: RequestStore, pageSize = 100): AsyncGenerator<AirlockRequest> {
  let continuationToken: string | undefined;
  do {
    const page = await store.listAll({ orderBy: 'createdWhen', orderAscending: true, pageSize, continuationToken });
    yield* page.items;
    continuationToken = page.continuationToken;
  } while (continuationToken);
}
