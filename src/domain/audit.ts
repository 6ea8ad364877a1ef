/**
 * The audit log of an airlock request: every change is recorded as an entry written in the same
 * transaction as the change. Entries are numbered 1, 2, 3... per request and hash-chained: each
 * entry's hash covers its content and the previous entry's hash, and the request document carries
 * the newest entry's number and hash (`auditHead`). Editing an entry breaks its hash; deleting or
 * reordering entries breaks the numbering or the links; deleting the newest entries leaves the head
 * pointing past the log. (Rewriting an entry AND every later entry AND the head is not detected by
 * the chain alone; that needs the head kept somewhere the writer cannot change.)
 *
 * Pure types and functions; hashing lives in infra/auditChain.ts.
 */
import { UserRef } from './roles';
import { RequestStatus } from './status';

export type AuditDetailValue = string | number | boolean | string[] | null;

/** What a call site says happened. */
export interface AuditDraft {
  /** e.g. 'request.created', 'status.changed', 'review.recorded', 'link.issued', 'files.recorded', 'data.deleted', 'scan.recorded' */
  action: string;
  actor: UserRef;
  /** epoch seconds */
  time: number;
  fromStatus?: RequestStatus;
  toStatus?: RequestStatus;
  files?: { name: string; sha256?: string }[];
  detail?: Record<string, AuditDetailValue>;
}

/** A draft as recorded: numbered within its request and linked to the entry before it. */
export interface AuditEntry extends AuditDraft {
  id: string;
  requestId: string;
  workspaceId: string;
  /** 1, 2, 3... per request */
  seq: number;
  /** the hash of entry `seq - 1`; '' for entry 1 */
  prevHash: string;
  /** hex SHA-256 of `canonicalAuditText` of everything above */
  hash: string;
}

/** Stored ON the request document as `auditHead`, updated in the same transaction as the entries. */
export interface AuditHead {
  seq: number;
  hash: string;
}

export interface ChainVerdict {
  verified: boolean;
  entries: number;
  /** e.g. "entry 3: hash does not match its content", "entry 4 is missing (sequence jumps from 3 to 5)" */
  problems: string[];
}

/**
 * The text an entry's hash is computed over: JSON with object keys sorted (recursively, by UTF-16
 * code unit), undefined members dropped and no whitespace. Values serialize as JSON.stringify would
 * (so an entry read back from a JSON store gives the same text). A `hash` member is never included,
 * even when the caller passes a whole entry.
 */
export function canonicalAuditText(entry: Omit<AuditEntry, 'hash'>): string {
  const { hash: _hash, ...content } = entry as Omit<AuditEntry, 'hash'> & { hash?: unknown };
  return canonicalJson(content) ?? 'null';
}

/** Deterministic JSON of a value; undefined for values JSON leaves out (undefined, functions, symbols). */
export function canonicalJson(value: unknown): string | undefined {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? JSON.stringify(value) : 'null';
    case 'bigint':
      throw new TypeError('an audit entry cannot hold a bigint');
  }
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item) ?? 'null').join(',')}]`;
  const withToJson = value as { toJSON?: () => unknown };
  if (typeof withToJson.toJSON === 'function') return canonicalJson(withToJson.toJSON());
  const record = value as Record<string, unknown>;
  const members: string[] = [];
  for (const key of Object.keys(record).sort()) {
    const text = canonicalJson(record[key]);
    if (text !== undefined) members.push(`${JSON.stringify(key)}:${text}`);
  }
  return `{${members.join(',')}}`;
}
