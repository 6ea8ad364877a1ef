/** The audit chain: what chaining produces, and what verifying finds when someone changes the stored log. */
import { AuditDraft, AuditEntry, AuditHead, canonicalAuditText } from '../../src/domain/audit';
import { IntegrityError, InvariantError } from '../../src/domain/errors';
import { UserRef } from '../../src/domain/roles';
import { auditEntryId, chainEntries, hashAuditEntry, verifyChain } from '../../src/infra/auditChain';

const alice: UserRef = { id: 'user-alice', name: 'Alice Researcher', email: 'alice@example.org' };
const mia: UserRef = { id: 'user-manager', name: 'Mia Manager' };
const ids = { requestId: '0d6c3f4e-8a51-4b7e-9c2d-3f1a2b4c5d6e', workspaceId: 'ws-demo' };
const T = 1_780_000_000;

const drafts: AuditDraft[] = [
  { action: 'request.created', actor: alice, time: T, toStatus: 'draft', detail: { title: 'Survey results' } },
  { action: 'files.recorded', actor: alice, time: T + 5, files: [{ name: 'a.csv', sha256: 'a'.repeat(64) }, { name: 'b.csv', sha256: 'b'.repeat(64) }] },
  { action: 'status.changed', actor: alice, time: T + 6, fromStatus: 'draft', toStatus: 'submitted' },
  { action: 'review.recorded', actor: mia, time: T + 60, detail: { decision: 'approved', explanation: 'fine', cycle: 1, conditions: ['no names'] } },
  { action: 'status.changed', actor: mia, time: T + 61, fromStatus: 'in_review', toStatus: 'approval_in_progress' },
];

/** A log of five entries and its head, as the store would hold them. */
function intactLog(): { entries: AuditEntry[]; head: AuditHead } {
  return chainEntries(undefined, drafts, ids);
}

/** A deep copy with one entry changed by `edit`, leaving its stored hash as it was. */
function edited(entries: AuditEntry[], seq: number, edit: (entry: AuditEntry) => void): AuditEntry[] {
  const copy = structuredClone(entries);
  edit(copy[seq - 1]);
  return copy;
}

describe('chainEntries', () => {
  test('numbers from 1, links each entry to the one before and returns the head', () => {
    const { entries, head } = intactLog();
    expect(entries.map((entry) => entry.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(entries.map((entry) => entry.id)).toEqual([1, 2, 3, 4, 5].map((seq) => `audit~${ids.requestId}~${String(seq).padStart(8, '0')}`));
    expect(entries[0].prevHash).toBe('');
    for (let index = 1; index < entries.length; index++) expect(entries[index].prevHash).toBe(entries[index - 1].hash);
    for (const entry of entries) {
      expect(entry.hash).toMatch(/^[0-9a-f]{64}$/);
      expect(entry.hash).toBe(hashAuditEntry(entry));
      expect(entry).toMatchObject(ids);
    }
    expect(head).toEqual({ seq: 5, hash: entries[4].hash });
  });

  test('continues from a head: numbering and link', () => {
    const first = chainEntries(undefined, drafts.slice(0, 2), ids);
    const rest = chainEntries(first.head, drafts.slice(2), ids);
    expect(rest.entries.map((entry) => entry.seq)).toEqual([3, 4, 5]);
    expect(rest.entries[0].prevHash).toBe(first.head.hash);
    // Written in two steps or one, the log is the same.
    expect([...first.entries, ...rest.entries]).toEqual(intactLog().entries);
    expect(rest.head).toEqual(intactLog().head);
  });

  test('drops undefined members, as a JSON store would', () => {
    const { entries } = chainEntries(undefined, [{ action: 'status.changed', actor: { ...mia, email: undefined }, time: T, fromStatus: undefined }], ids);
    expect(Object.keys(entries[0])).not.toContain('fromStatus');
    expect(Object.keys(entries[0].actor)).not.toContain('email');
    const roundTripped = JSON.parse(JSON.stringify(entries[0])) as AuditEntry;
    expect(hashAuditEntry(roundTripped)).toBe(entries[0].hash);
  });

  test("refuses no drafts, a malformed draft and a request id that cannot carry a log: the caller's contract, broken", () => {
    const refusals = [
      () => chainEntries(undefined, [], ids),
      () => chainEntries(undefined, [{ action: '', actor: alice, time: T }], ids),
      () => chainEntries(undefined, [{ action: 'x', actor: alice, time: Number.NaN }], ids),
      () => chainEntries(undefined, drafts, { ...ids, requestId: 'a~b' }),
      () => auditEntryId('x/y', 1),
    ];
    for (const refusal of refusals) expect(refusal).toThrow(InvariantError);
    expect(refusals[0]).toThrow(/at least one audit draft/);
    expect(refusals[1]).toThrow(/needs an action/);
    expect(refusals[2]).toThrow(`an audit draft for request ${ids.requestId} (action 'x') needs a time`);
    expect(refusals[3]).toThrow(/cannot carry an audit log/);
    expect(refusals[4]).toThrow(/cannot carry an audit log/);
  });

  test('a refused draft is not repeated in the message: it may hold what people wrote about themselves', () => {
    const draft = { action: 'review.recorded', actor: { ...alice, id: '' }, time: T, detail: { explanation: 'my medical history' } };
    expect(() => chainEntries(undefined, [draft], ids)).toThrow(`an audit draft for request ${ids.requestId} (action 'review.recorded') needs an actor with an id`);
    expect(() => chainEntries(undefined, [draft], ids)).not.toThrow(/medical|alice@example\.org|Alice Researcher/);
  });

  test('a malformed stored head is an integrity failure, not a broken call', () => {
    const head = { seq: -1, hash: 'h' } as AuditHead;
    expect(() => chainEntries(head, drafts, ids)).toThrow(IntegrityError);
    expect(() => chainEntries(head, drafts, ids)).toThrow(`the audit head of request ${ids.requestId} is malformed: {"seq":-1,"hash":"h"}`);
  });
});

describe('canonicalAuditText', () => {
  test('is independent of key order at every depth and leaves out undefined and the hash', () => {
    const [entry] = intactLog().entries;
    const { hash, ...content } = entry;
    const reordered = Object.fromEntries(Object.entries({ ...content, detail: { ...content.detail }, actor: { email: alice.email, name: alice.name, id: alice.id } }).reverse());
    expect(canonicalAuditText(reordered as typeof content)).toBe(canonicalAuditText(content));
    expect(canonicalAuditText({ ...content, fromStatus: undefined })).toBe(canonicalAuditText(content));
    expect(canonicalAuditText(entry)).toBe(canonicalAuditText(content));
    expect(canonicalAuditText(content)).not.toContain(hash);
    expect(canonicalAuditText(content)).toMatch(/^\{"action":"request.created","actor":\{"email":"alice@example.org","id":"user-alice","name":"Alice Researcher"\},"detail":/);
  });
});

describe('verifyChain', () => {
  test('an intact log verifies', () => {
    const { entries, head } = intactLog();
    expect(verifyChain(entries, head)).toEqual({ verified: true, entries: 5, problems: [] });
  });

  test('a request that was never audited (no head, no entries) verifies', () => {
    expect(verifyChain([], undefined)).toEqual({ verified: true, entries: 0, problems: [] });
  });

  test.each<[string, number, (entry: AuditEntry) => void]>([
    ['the actor', 2, (entry) => (entry.actor = { ...entry.actor, name: 'Mallory' })],
    ['the actor id', 1, (entry) => (entry.actor.id = 'user-mallory')],
    ['toStatus', 3, (entry) => (entry.toStatus = 'cancelled')],
    ["a file's sha256", 2, (entry) => (entry.files![1].sha256 = 'c'.repeat(64))],
    ['a file name', 2, (entry) => (entry.files![0].name = 'other.csv')],
    ['a detail value', 4, (entry) => (entry.detail!.decision = 'rejected')],
    ['a detail list', 4, (entry) => (entry.detail!.conditions = [])],
    ['the time', 5, (entry) => (entry.time += 3600)],
    ['the action', 1, (entry) => (entry.action = 'request.deleted')],
    ['an added field', 3, (entry) => Object.assign(entry, { note: 'added later' })],
    ['a removed field', 3, (entry) => delete entry.fromStatus],
  ])('an edited entry is named: %s', (_label, seq, edit) => {
    const { entries, head } = intactLog();
    expect(verifyChain(edited(entries, seq, edit), head)).toEqual({
      verified: false,
      entries: 5,
      problems: [`entry ${seq}: hash does not match its content`],
    });
  });

  test('a deleted entry in the middle is named', () => {
    const { entries, head } = intactLog();
    const verdict = verifyChain([...entries.slice(0, 2), ...entries.slice(3)], head);
    expect(verdict).toEqual({ verified: false, entries: 4, problems: ['entry 3 is missing (sequence jumps from 2 to 4)'] });
  });

  test('several deleted entries in the middle are named as a range', () => {
    const { entries, head } = intactLog();
    expect(verifyChain([entries[0], entries[4]], head).problems).toEqual(['entries 2-4 are missing (sequence jumps from 1 to 5)']);
  });

  test('a deleted first entry is named', () => {
    const { entries, head } = intactLog();
    expect(verifyChain(entries.slice(1), head).problems).toEqual(['entry 1 is missing (sequence jumps from 0 to 2)']);
  });

  test('a deleted last entry is caught by the head, which names more', () => {
    const { entries, head } = intactLog();
    expect(verifyChain(entries.slice(0, 4), head)).toEqual({
      verified: false,
      entries: 4,
      problems: ["the request's audit head names entry 5 but the log ends at 4"],
    });
  });

  test('a log emptied out under a head is caught', () => {
    const { head } = intactLog();
    expect(verifyChain([], head).problems).toEqual(["the request's audit head names entry 5 but the log is empty"]);
  });

  test('entries without a head on the request are caught (the head was removed)', () => {
    const { entries } = intactLog();
    expect(verifyChain(entries, undefined).problems).toEqual(['the request has no audit head but its log has 5 entries']);
  });

  test('a reordered pair is caught', () => {
    const { entries, head } = intactLog();
    const swapped = [entries[0], entries[1], entries[3], entries[2], entries[4]];
    const verdict = verifyChain(swapped, head);
    expect(verdict.verified).toBe(false);
    expect(verdict.problems).toEqual([
      'entry 3 is missing (sequence jumps from 2 to 4)',
      'entry 3 is out of order (it follows entry 4)',
      'entry 3: previous-hash link broken',
      'entry 5: previous-hash link broken',
    ]);
  });

  test('a pair whose contents were swapped in the store (numbers swapped back) is caught by their hashes', () => {
    const { entries, head } = intactLog();
    const swapped = structuredClone(entries);
    [swapped[2], swapped[3]] = [{ ...swapped[3], seq: 3 }, { ...swapped[2], seq: 4 }];
    const verdict = verifyChain(swapped, head);
    expect(verdict.verified).toBe(false);
    expect(verdict.problems).toEqual(expect.arrayContaining(['entry 3: hash does not match its content', 'entry 4: hash does not match its content']));
  });

  test('a forged entry with a recomputed hash breaks its successor’s link', () => {
    const { entries, head } = intactLog();
    const forged = edited(entries, 3, (entry) => {
      entry.toStatus = 'cancelled';
      entry.hash = hashAuditEntry(entry);
    });
    expect(forged[2].hash).not.toBe(entries[2].hash);
    expect(verifyChain(forged, head)).toEqual({ verified: false, entries: 5, problems: ['entry 4: previous-hash link broken'] });
  });

  test('a forged last entry with a recomputed hash no longer matches the head', () => {
    const { entries, head } = intactLog();
    const forged = edited(entries, 5, (entry) => {
      entry.actor = alice;
      entry.hash = hashAuditEntry(entry);
    });
    expect(verifyChain(forged, head).problems).toEqual(["the request's audit head does not match entry 5 (hash differs)"]);
  });

  test('an entry inserted with a recomputed hash and the right link is caught by the renumbering it needs', () => {
    const { entries, head } = intactLog();
    // Inserting after entry 2 means the inserted entry claims seq 3 while the old entry 3 still says 3.
    const [inserted] = chainEntries({ seq: 2, hash: entries[1].hash }, [{ action: 'status.changed', actor: mia, time: T + 7 }], ids).entries;
    const verdict = verifyChain([...entries.slice(0, 2), inserted, ...entries.slice(2)], head);
    expect(verdict.verified).toBe(false);
    expect(verdict.problems).toEqual(['entry 3 appears more than once', 'entry 3: previous-hash link broken']);
  });

  test('an entry of another request is named', () => {
    const { entries, head } = intactLog();
    const other = chainEntries(undefined, drafts, { ...ids, requestId: 'another-request' }).entries;
    const mixed = [...entries.slice(0, 4), other[4]];
    expect(verifyChain(mixed, head).problems).toEqual(
      expect.arrayContaining([`entry 5: belongs to request ws-demo/another-request, not ws-demo/${ids.requestId}`, 'entry 5: previous-hash link broken']),
    );
  });
});
