/**
 * Hashing, chaining and checking of audit entries (see domain/audit.ts), shared by both
 * request-store adapters and the verifier CLI.
 *
 * Entry ids are `audit~<requestId>~<seq padded to 8 digits>`, in the request's partition; the
 * padding makes key order equal sequence order, so a store lists a log in order by its keys.
 */
import { createHash } from 'node:crypto';
import { AuditDraft, AuditEntry, AuditHead, canonicalAuditText, ChainVerdict } from '../domain/audit';
import { IntegrityError, InvariantError } from '../domain/errors';

/** Every audit entry's id starts with this; no request id may (the adapters refuse one that does). */
export const AUDIT_ID_PREFIX = 'audit~';
/** The separator inside an entry id; an audited request id must not hold it. */
const AUDIT_ID_SEPARATOR = '~';
const SEQ_DIGITS = 8;

/**
 * Request ids that can be audited: UUIDs and other plain ids. The character set keeps entry ids
 * unambiguous (no '~') and valid as Table RowKeys and Cosmos ids, and keeps every entry id below
 * `audit~~`, which the Table adapter's key-range filters rely on.
 */
const AUDITABLE_REQUEST_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export function isAuditEntryId(id: string): boolean {
  return id.startsWith(AUDIT_ID_PREFIX);
}

/** Request ids in the entries' id space would be mistaken for entries (and hidden from lists); stores refuse them. */
export function assertNotAuditEntryId(requestId: string): void {
  if (isAuditEntryId(requestId)) throw new InvariantError(`Airlock request id '${requestId}' is reserved for audit entries`);
}

/** The id of entry `seq` of a request. */
export function auditEntryId(requestId: string, seq: number): string {
  return `${auditIdPrefixOf(requestId)}${String(seq).padStart(SEQ_DIGITS, '0')}`;
}

/** What every entry id of this request starts with (and no other request's entry id does). */
export function auditIdPrefixOf(requestId: string): string {
  assertAuditableRequestId(requestId);
  return `${AUDIT_ID_PREFIX}${requestId}${AUDIT_ID_SEPARATOR}`;
}

export function assertAuditableRequestId(requestId: string): void {
  if (!AUDITABLE_REQUEST_ID.test(requestId)) {
    throw new InvariantError(`Airlock request id '${requestId}' cannot carry an audit log: ids must be letters, digits, '.', '_' or '-'`);
  }
}

/** hex SHA-256 of the entry's canonical text (its `hash`, if present, is left out). */
export function hashAuditEntry(entry: Omit<AuditEntry, 'hash'>): string {
  return createHash('sha256').update(canonicalAuditText(entry), 'utf8').digest('hex');
}

/**
 * The entries for `drafts`, numbered on from `head` (from 1 when there is none) and linked to it,
 * and the head after them. Drafts are copied through JSON, so an entry equals what a store gives
 * back (undefined members dropped) and its hash stays valid after the round trip.
 */
export function chainEntries(
  head: AuditHead | undefined,
  drafts: readonly AuditDraft[],
  ids: { requestId: string; workspaceId: string },
): { entries: AuditEntry[]; head: AuditHead } {
  if (drafts.length === 0) throw new InvariantError('chainEntries needs at least one audit draft');
  assertAuditableRequestId(ids.requestId);
  // The head comes from the stored request: a malformed one is stored data gone wrong, not the caller's mistake.
  if (head !== undefined && !(Number.isSafeInteger(head.seq) && head.seq >= 0 && typeof head.hash === 'string')) {
    throw new IntegrityError(`the audit head of request ${ids.requestId} is malformed: ${JSON.stringify(head)}`);
  }
  let seq = head?.seq ?? 0;
  let prevHash = head?.hash ?? '';
  const entries: AuditEntry[] = [];
  for (const draft of drafts) {
    assertDraft(draft, ids.requestId);
    seq += 1;
    const content: Omit<AuditEntry, 'hash'> = {
      ...(JSON.parse(JSON.stringify(draft)) as AuditDraft),
      id: auditEntryId(ids.requestId, seq),
      requestId: ids.requestId,
      workspaceId: ids.workspaceId,
      seq,
      prevHash,
    };
    const entry: AuditEntry = { ...content, hash: hashAuditEntry(content) };
    entries.push(entry);
    prevHash = entry.hash;
  }
  return { entries, head: { seq, hash: prevHash } };
}

function assertDraft(draft: AuditDraft, requestId: string): void {
  const problems: string[] = [];
  if (typeof draft.action !== 'string' || draft.action === '') problems.push('an action');
  if (typeof draft.actor?.id !== 'string' || draft.actor.id === '') problems.push('an actor with an id');
  if (typeof draft.time !== 'number' || !Number.isFinite(draft.time)) problems.push('a time (epoch seconds)');
  // The draft itself stays out of the message: it may hold people's names, addresses and reasons.
  if (problems.length > 0) throw new InvariantError(`an audit draft for request ${requestId}${actionOf(draft)} needs ${problems.join(', ')}`);
}

/** ` (action 'x')` when the draft names a plausible action: actions are the airlock's own words, safe to repeat. */
function actionOf(draft: AuditDraft): string {
  return typeof draft.action === 'string' && /^[\w.-]{1,64}$/.test(draft.action) ? ` (action '${draft.action}')` : '';
}

/**
 * Checks a request's log, in the order the store lists it (by key, i.e. by sequence number), against
 * the request's `auditHead`. Every problem found is named; `verified` only when there is none.
 * A request with no head and no entries (written before auditing, or never audited) verifies.
 */
export function verifyChain(entries: readonly AuditEntry[], head: AuditHead | undefined): ChainVerdict {
  const problems: string[] = [];
  let expectedSeq = 1;
  let previous: AuditEntry | undefined;
  const first = entries[0];
  for (const [position, entry] of entries.entries()) {
    const label = Number.isSafeInteger(entry.seq) ? `entry ${entry.seq}` : `the entry at position ${position + 1}`;
    if (entry.hash !== hashAuditEntry(entry)) problems.push(`${label}: hash does not match its content`);
    if (entry.requestId !== first.requestId || entry.workspaceId !== first.workspaceId) {
      problems.push(`${label}: belongs to request ${entry.workspaceId}/${entry.requestId}, not ${first.workspaceId}/${first.requestId}`);
    }

    let linkCheckable = true;
    if (!Number.isSafeInteger(entry.seq)) {
      problems.push(`${label}: has no valid sequence number`);
      linkCheckable = false;
    } else if (entry.seq > expectedSeq) {
      const missing = entry.seq - expectedSeq === 1 ? `entry ${expectedSeq} is missing` : `entries ${expectedSeq}-${entry.seq - 1} are missing`;
      problems.push(`${missing} (sequence jumps from ${expectedSeq - 1} to ${entry.seq})`);
      // The link to the missing entry cannot be checked; the gap is the finding.
      linkCheckable = false;
    } else if (entry.seq < expectedSeq) {
      problems.push(
        previous?.seq === entry.seq ? `${label} appears more than once` : `${label} is out of order (it follows entry ${previous?.seq ?? expectedSeq - 1})`,
      );
    }
    if (linkCheckable) {
      const expectedPrevHash = previous?.hash ?? '';
      if (entry.prevHash !== expectedPrevHash) problems.push(`${label}: previous-hash link broken`);
    }

    previous = entry;
    if (Number.isSafeInteger(entry.seq)) expectedSeq = Math.max(expectedSeq, entry.seq + 1);
  }

  const last = entries[entries.length - 1];
  if (head === undefined) {
    if (last !== undefined) problems.push(`the request has no audit head but its log has ${entries.length} entries`);
  } else if (last === undefined) {
    if (head.seq !== 0) problems.push(`the request's audit head names entry ${head.seq} but the log is empty`);
  } else if (head.seq !== last.seq) {
    problems.push(`the request's audit head names entry ${head.seq} but the log ends at ${last.seq}`);
  } else if (head.hash !== last.hash) {
    problems.push(`the request's audit head does not match entry ${last.seq} (hash differs)`);
  }

  return { verified: problems.length === 0, entries: entries.length, problems };
}
