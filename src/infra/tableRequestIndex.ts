/**
 * The list index of the Table request store (tableRequestStore.ts). Table storage returns entities
 * in (PartitionKey, RowKey) order and can filter, but cannot sort, so every request has index rows
 * in its own partition whose RowKeys sort as the list must: one per field a list may be ordered by
 * and per direction, `<range prefix><encoded value><terminator><request id>`. A page is a RowKey
 * range query on one such range, with the list's filters on the columns every index row carries
 * (status, type, createdById), followed by point reads of the page's requests.
 *
 * The rows live in the request's partition so that the store writes them in the same entity-group
 * transaction as the request (and its audit entries): a request and its index rows change together
 * or not at all. The request entity records the rows it has (`indexedAs`), so the next write knows
 * which rows to delete without looking for them.
 *
 * Key space: every RowKey and PartitionKey starting with '~' is the store's own (index rows, the
 * workspace directory, the build marker); request ids and workspace ids may not start with it.
 *
 * Order: values compare as the in-memory sort before this index did, i.e. numbers numerically and
 * strings by UTF-16 code units (JavaScript's `<`, which is also how Cosmos orders strings), and ties
 * go by request id, ascending in both directions. Only pure functions here: no I/O.
 */
import { AirlockRequest } from '../domain/request';
import { IntegrityError, InvariantError, RequestValidationError } from '../domain/errors';
import { ListQuery, ORDER_BY_FIELDS, OrderByField } from '../domain/schemas';

/** Keys the store keeps for itself start with this; no request or workspace id may. */
export const RESERVED_KEY_PREFIX = '~';

/** Bump to build a new index beside the old one (the key prefix and the build marker carry it). */
export const INDEX_VERSION = 1;

const INDEX_KEY_PREFIX = `${RESERVED_KEY_PREFIX}index.v${INDEX_VERSION}${RESERVED_KEY_PREFIX}`;

/** The partition of the store's own rows: the directory of workspaces and the build marker. */
export const META_PARTITION = `${RESERVED_KEY_PREFIX}airlock`;
/** Written once every request written before the index existed has its rows (outside the index rows' range). */
export const INDEX_BUILT_MARKER = `${RESERVED_KEY_PREFIX}built:index.v${INDEX_VERSION}`;

/** Every index row of this version, in any partition: `RowKey ge from and RowKey lt to`. */
export const INDEX_ROWS = { from: INDEX_KEY_PREFIX, to: `${INDEX_KEY_PREFIX}${RESERVED_KEY_PREFIX}` };

/** Directory rows: one per workspace that ever held a request, so a list across all workspaces knows where to look. */
const WORKSPACE_ROW_PREFIX = `${RESERVED_KEY_PREFIX}workspace:`;
export const WORKSPACE_ROWS = { from: WORKSPACE_ROW_PREFIX, to: `${RESERVED_KEY_PREFIX}workspace;` };

export function workspaceRowKey(workspaceId: string): string {
  return `${WORKSPACE_ROW_PREFIX}${workspaceId}`;
}

export function workspaceOfRowKey(rowKey: string): string {
  return rowKey.slice(WORKSPACE_ROW_PREFIX.length);
}

/**
 * Request rows only: not audit entries (`audit~...` up to `audit~~`, see auditChain.ts) and not the
 * store's own rows (RowKeys from '~' up to '~~': request ids may not start with '~').
 */
export const REQUEST_ROWS_FILTER = "(RowKey lt 'audit~' or RowKey gt 'audit~~') and (RowKey lt '~' or RowKey ge '~~')";

/**
 * Encoded strings are cut to this many characters to keep RowKeys well inside Table storage's 1 KiB:
 * an ASCII character takes 2, so every title the API accepts in ASCII is whole. Titles that agree
 * on everything kept compare equal and go by id.
 */
const MAX_ENCODED_TEXT = 600;

const ASCENDING_TERMINATOR = '!';
const DESCENDING_TERMINATOR = '~';

export interface IndexRange {
  /** Every key of the range starts with this. */
  prefix: string;
  /** Above every key of the range: the prefix with its last character (':') raised by one. */
  end: string;
}

export function indexRange(field: OrderByField, ascending: boolean): IndexRange {
  assertOrderField(field);
  const stem = `${INDEX_KEY_PREFIX}${field}${RESERVED_KEY_PREFIX}${ascending ? 'asc' : 'desc'}`;
  return { prefix: `${stem}:`, end: `${stem};` };
}

/** The RowKey of a request's index row for this order. */
export function indexKey(field: OrderByField, ascending: boolean, value: unknown, requestId: string, what: string): string {
  const ascendingValue = encodeValue(field, value, () => `${what}: ${field} is ${JSON.stringify(value) ?? 'missing'}, which cannot be ordered`);
  const encoded = ascending ? ascendingValue : complementHex(ascendingValue);
  return `${indexRange(field, ascending).prefix}${encoded}${ascending ? ASCENDING_TERMINATOR : DESCENDING_TERMINATOR}${requestId}`;
}

/**
 * What a request's index rows are: their keys and the filter columns they all carry. Stored on the
 * request entity as JSON (`indexedAs`), so the next write knows what to replace.
 */
export interface IndexState {
  v: number;
  keys: string[];
  status: string;
  type: string;
  createdById: string;
}

export function indexStateOf(request: AirlockRequest): IndexState {
  const what = `Airlock request ${request.id} in workspace ${request.workspaceId}`;
  const keys = ORDER_BY_FIELDS.flatMap((field) => [true, false].map((ascending) => indexKey(field, ascending, request[field], request.id, what)));
  return { v: INDEX_VERSION, keys, status: request.status, type: request.type, createdById: request.createdBy.id };
}

/**
 * The state stored on a request entity; undefined when the entity has none (written before the
 * index, or by an older index version, whose rows are not in this version's key ranges).
 */
export function parseIndexState(entity: Record<string, unknown>): IndexState | undefined {
  const column = entity.indexedAs;
  if (column === undefined || column === null) return undefined;
  let state: Partial<IndexState> | null;
  try {
    state = JSON.parse(String(column)) as Partial<IndexState> | null;
  } catch {
    state = null;
  }
  if (state?.v !== undefined && state.v !== INDEX_VERSION) return undefined;
  const wellFormed =
    state !== null &&
    Array.isArray(state.keys) &&
    state.keys.every((key) => typeof key === 'string' && key.startsWith(INDEX_KEY_PREFIX)) &&
    typeof state.status === 'string' &&
    typeof state.type === 'string' &&
    typeof state.createdById === 'string';
  if (!wellFormed) {
    throw new IntegrityError(`Stored airlock request ${String(entity.rowKey)} in workspace ${String(entity.partitionKey)} has a malformed index record (indexedAs)`);
  }
  return state as IndexState;
}

/** A type, not an interface, so it fits the Table SDK's `TableEntity<Record<string, unknown>>`. */
export type IndexRowEntity = {
  partitionKey: string;
  rowKey: string;
  kind: 'index';
  requestId: string;
  status: string;
  type: string;
  createdById: string;
};

export function indexRowEntity(workspaceId: string, requestId: string, rowKey: string, state: IndexState): IndexRowEntity {
  return { partitionKey: workspaceId, rowKey, kind: 'index', requestId, status: state.status, type: state.type, createdById: state.createdById };
}

/**
 * The index rows a write must delete and write to go from `previous` (undefined: the request has no
 * rows yet) to `next`. Rows that keep their key are rewritten only when a filter column changed.
 */
export function indexChanges(previous: IndexState | undefined, next: IndexState): { deletes: string[]; writes: string[] } {
  if (previous === undefined) return { deletes: [], writes: [...next.keys] };
  const nextKeys = new Set(next.keys);
  const previousKeys = new Set(previous.keys);
  const columnsChanged = previous.status !== next.status || previous.type !== next.type || previous.createdById !== next.createdById;
  return {
    deletes: previous.keys.filter((key) => !nextKeys.has(key)),
    writes: columnsChanged ? [...next.keys] : next.keys.filter((key) => !previousKeys.has(key)),
  };
}

/** Refuses ids that would land in the store's own key space. */
export function assertOutsideReservedKeys(request: Pick<AirlockRequest, 'id' | 'workspaceId'>): void {
  if (request.id.startsWith(RESERVED_KEY_PREFIX)) {
    throw new InvariantError(`Airlock request id '${request.id}' is reserved for the store's index rows (ids may not start with '${RESERVED_KEY_PREFIX}')`);
  }
  if (request.workspaceId.startsWith(RESERVED_KEY_PREFIX)) {
    throw new InvariantError(`Workspace id '${request.workspaceId}' is reserved for the store's own rows (ids may not start with '${RESERVED_KEY_PREFIX}')`);
  }
}

/** The list's filters, as index-row columns. Values go through `odata` quoting at the caller. */
export function filterColumns(query: ListQuery): Array<[column: 'status' | 'type' | 'createdById', value: string]> {
  const columns: Array<['status' | 'type' | 'createdById', string]> = [];
  if (query.status !== undefined) columns.push(['status', query.status]);
  if (query.type !== undefined) columns.push(['type', query.type]);
  if (query.creatorUserId !== undefined) columns.push(['createdById', query.creatorUserId]);
  return columns;
}

/** Whether a request read after its index row still matches the list's filters (it may have changed in between). */
export function matchesFilters(request: AirlockRequest, query: ListQuery): boolean {
  return (
    (query.status === undefined || request.status === query.status) &&
    (query.type === undefined || request.type === query.type) &&
    (query.creatorUserId === undefined || request.createdBy.id === query.creatorUserId)
  );
}

// ---- positions and continuation tokens ----

/**
 * Where a page ended: the last index row handed out. Index keys compare across workspaces as their
 * values (then ids) do, so (rowKey, workspaceId) orders every row of a list across workspaces, and
 * this one position says, for every workspace, which of its rows come next.
 */
export interface ListPosition {
  rowKey: string;
  workspaceId: string;
}

export function comparePositions(a: ListPosition, b: ListPosition): number {
  if (a.rowKey !== b.rowKey) return a.rowKey < b.rowKey ? -1 : 1;
  if (a.workspaceId !== b.workspaceId) return a.workspaceId < b.workspaceId ? -1 : 1;
  return 0;
}

interface TokenBody {
  v: number;
  by: OrderByField;
  asc: boolean;
  key: string;
  ws: string;
}

export function encodeContinuationToken(query: ListQuery, position: ListPosition): string {
  const body: TokenBody = { v: INDEX_VERSION, by: query.orderBy, asc: query.orderAscending, key: position.rowKey, ws: position.workspaceId };
  return Buffer.from(JSON.stringify(body), 'utf8').toString('base64url');
}

/**
 * The position a token names, for this query's order. A token is the caller's to pass back
 * unchanged: one that does not decode, or that belongs to a list in another order, is a malformed
 * query (422). Tokens of the store before the index ({offset}) are refused the same way.
 */
export function decodeContinuationToken(token: string | undefined, query: ListQuery): ListPosition | undefined {
  if (token === undefined) return undefined;
  const invalid = new RequestValidationError('continuationToken is not valid');
  if (!/^[A-Za-z0-9_-]+$/.test(token)) throw invalid;
  let body: Partial<TokenBody> | null;
  try {
    body = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Partial<TokenBody> | null;
  } catch {
    throw invalid;
  }
  if (typeof body !== 'object' || body === null || body.v !== INDEX_VERSION) throw invalid;
  if (body.by !== query.orderBy || body.asc !== query.orderAscending) throw invalid;
  const range = indexRange(query.orderBy, query.orderAscending);
  const { key, ws } = body;
  if (typeof key !== 'string' || !key.startsWith(range.prefix) || key >= range.end) throw invalid;
  if (typeof ws !== 'string' || ws === '') throw invalid;
  return { rowKey: key, workspaceId: ws };
}

// ---- value encoding ----

function assertOrderField(field: OrderByField): void {
  // ListQuery is typed, but a value from an unchecked cast must still never become a key range.
  if (!(ORDER_BY_FIELDS as readonly string[]).includes(field)) throw new RequestValidationError(`order_by must be one of: ${ORDER_BY_FIELDS.join(', ')}`);
}

/**
 * Lower-case hex that sorts as the value does. Numbers: the IEEE-754 bits with the sign bit flipped
 * (all bits for negatives), 16 digits. Strings: per UTF-16 code unit, 2 digits below 0x80 (leading
 * digit 0-7) or '8' and 4 digits, so no code is a prefix of another and a shorter string sorts
 * first; the terminator after the value keeps that true for whole keys.
 */
function encodeValue(field: OrderByField, value: unknown, describe: () => string): string {
  if (NUMERIC_FIELDS.has(field)) {
    if (typeof value === 'number' && Number.isFinite(value)) return encodeNumber(value);
  } else if (typeof value === 'string') {
    return encodeString(value);
  }
  throw new IntegrityError(describe());
}

/** Epoch seconds; the other order fields are text. A value of the other kind would sort apart from its neighbours, so it is refused. */
const NUMERIC_FIELDS: ReadonlySet<OrderByField> = new Set(['updatedWhen', 'createdWhen']);

function encodeNumber(value: number): string {
  const bytes = Buffer.alloc(8);
  // -0 would sort below 0, which `<` calls equal.
  bytes.writeDoubleBE(value === 0 ? 0 : value);
  if (bytes[0] & 0x80) {
    for (let index = 0; index < bytes.length; index++) bytes[index] ^= 0xff;
  } else {
    bytes[0] ^= 0x80;
  }
  return bytes.toString('hex');
}

function encodeString(value: string): string {
  let encoded = '';
  for (let index = 0; index < value.length; index++) {
    const unit = value.charCodeAt(index);
    const code = unit < 0x80 ? unit.toString(16).padStart(2, '0') : `8${unit.toString(16).padStart(4, '0')}`;
    if (encoded.length + code.length > MAX_ENCODED_TEXT) break;
    encoded += code;
  }
  return encoded;
}

/** Each hex digit d becomes 15 - d: the order of equal-length codes reverses, and the terminator ('~' above every digit) puts a shorter value after the longer. */
function complementHex(hex: string): string {
  let complement = '';
  for (const digit of hex) complement += (15 - parseInt(digit, 16)).toString(16);
  return complement;
}
