/**
 * The text an audit entry's hash covers. Key order, undefined members and the hash itself are also
 * checked through the chain in test/infra/auditChain.test.ts; here, what the text must be so that an
 * entry hashes the same when it is written and when it is read back from a JSON store, and so that
 * two different entries never hash alike.
 */
import { AuditEntry, canonicalAuditText, canonicalJson } from '../../src/domain/audit';

type EntryContent = Omit<AuditEntry, 'hash'>;

const entry = (): EntryContent => ({
  id: 'audit~r1~00000004',
  requestId: 'r1',
  workspaceId: 'ws01',
  seq: 4,
  prevHash: 'c'.repeat(64),
  action: 'review.recorded',
  actor: { id: 'mia', name: 'Mia Manager', email: 'mia@example.org' },
  time: 1_780_000_060,
  fromStatus: 'in_review',
  toStatus: 'approval_in_progress',
  files: [
    { name: 'a.csv', sha256: 'a'.repeat(64) },
    { name: 'b.csv', sha256: 'b'.repeat(64) },
  ],
  detail: { decision: 'approved', explanation: 'fine', cycle: 1, final: true, note: null, conditions: ['no names', 'no dates'] },
});

describe('canonicalAuditText', () => {
  test('is compact JSON with keys sorted at every depth and lists kept in their order', () => {
    expect(canonicalAuditText({ ...entry(), files: [{ sha256: 'f', name: 'z.csv' }], detail: { b: 1, a: ['y', 'x'] } })).toBe(
      '{"action":"review.recorded","actor":{"email":"mia@example.org","id":"mia","name":"Mia Manager"},"detail":{"a":["y","x"],"b":1},' +
        `"files":[{"name":"z.csv","sha256":"f"}],"fromStatus":"in_review","id":"audit~r1~00000004","prevHash":"${'c'.repeat(64)}","requestId":"r1",` +
        '"seq":4,"time":1780000060,"toStatus":"approval_in_progress","workspaceId":"ws01"}',
    );
  });

  test('gives the same text for an entry as written and as read back from a JSON store', () => {
    const written = { ...entry(), fromStatus: undefined, actor: { id: 'mia', name: 'Mia', email: undefined } };
    const readBack = JSON.parse(JSON.stringify(written)) as EntryContent;
    expect(Object.keys(readBack)).not.toContain('fromStatus');
    expect(canonicalAuditText(readBack)).toBe(canonicalAuditText(written));
  });

  test('leaves out a hash passed with the entry, whatever its value', () => {
    const withHash = { ...entry(), hash: 'd'.repeat(64) } as AuditEntry;
    expect(canonicalAuditText(withHash)).toBe(canonicalAuditText(entry()));
    expect(canonicalAuditText({ ...withHash, hash: '' } as AuditEntry)).toBe(canonicalAuditText(entry()));
    expect(canonicalAuditText(withHash)).not.toContain('"hash"');
  });

  test.each<[string, (content: EntryContent) => void]>([
    ['id', (c) => (c.id = 'audit~r1~00000005')],
    ['requestId', (c) => (c.requestId = 'r2')],
    ['workspaceId', (c) => (c.workspaceId = 'ws02')],
    ['seq', (c) => (c.seq = 5)],
    ['prevHash', (c) => (c.prevHash = '')],
    ['action', (c) => (c.action = 'review.deleted')],
    ['actor id', (c) => (c.actor.id = 'mallory')],
    ['actor name', (c) => (c.actor.name = 'Mallory')],
    ['actor email removed', (c) => delete c.actor.email],
    ['time', (c) => (c.time += 1)],
    ['fromStatus removed', (c) => delete c.fromStatus],
    ['toStatus', (c) => (c.toStatus = 'rejection_in_progress')],
    ["a file's digest", (c) => (c.files![1].sha256 = 'e'.repeat(64))],
    ["a file's digest removed", (c) => delete c.files![0].sha256],
    ['the order of the files', (c) => c.files!.reverse()],
    ['a file removed', (c) => c.files!.pop()],
    ['every file removed', (c) => (c.files = [])],
    ['a detail value', (c) => (c.detail!.explanation = 'fine.')],
    ['a number that became a string', (c) => (c.detail!.cycle = '1')],
    ['a boolean that became a string', (c) => (c.detail!.final = 'true')],
    ['null that became absent', (c) => delete c.detail!.note],
    ['the order within a detail list', (c) => (c.detail!.conditions = ['no dates', 'no names'])],
    ['an added detail', (c) => (c.detail!.extra = 'x')],
  ])('changes when any field changes: %s', (_label, edit) => {
    const changed = structuredClone(entry());
    edit(changed);
    expect(canonicalAuditText(changed)).not.toBe(canonicalAuditText(entry()));
  });

  test('an empty list is not the same as no list', () => {
    expect(canonicalAuditText({ ...entry(), files: [] })).not.toBe(canonicalAuditText({ ...entry(), files: undefined }));
    expect(canonicalAuditText({ ...entry(), detail: {} })).not.toBe(canonicalAuditText({ ...entry(), detail: undefined }));
  });

  test('a value that looks like JSON cannot pass for other members: quotes and separators are escaped', () => {
    const smuggled = canonicalAuditText({ ...entry(), detail: { decision: 'approved","explanation":"fine' } });
    const genuine = canonicalAuditText({ ...entry(), detail: { decision: 'approved', explanation: 'fine' } });
    expect(smuggled).not.toBe(genuine);
    expect(JSON.parse(smuggled).detail).toEqual({ decision: 'approved","explanation":"fine' });
  });

  test('a key that looks like JSON cannot pass for other members either', () => {
    const smuggled = canonicalAuditText({ ...entry(), detail: { 'decision":"approved","explanation': 'fine' } });
    const genuine = canonicalAuditText({ ...entry(), detail: { decision: 'approved', explanation: 'fine' } });
    expect(smuggled).not.toBe(genuine);
    expect(canonicalJson({ 'a"\n': 1 })).toBe('{"a\\"\\n":1}');
  });
});

describe('canonicalJson', () => {
  test('sorts keys by UTF-16 code unit: upper case before lower case, a surrogate pair before U+FF21', () => {
    // Code point order (or localeCompare) would put '😀' (U+1F600) after 'Ａ' (U+FF21), and 'a' before 'B'.
    expect(canonicalJson({ a: 1, B: 2, '\uff21': 3, '😀': 4 })).toBe('{"B":2,"a":1,"😀":4,"Ａ":3}');
  });

  test('writes scalars, escapes and numbers exactly as JSON.stringify does', () => {
    const values = ['plain', 'quote " backslash \\ newline \n tab \t', '\u0000\u001f', 'é 😀 \u2028', 0, -0, 1.5, 1e21, -3e-7, true, false, null];
    for (const value of values) expect(canonicalJson(value)).toBe(JSON.stringify(value));
  });

  test('writes NaN and the infinities as null, as JSON.stringify does and as a JSON store returns them', () => {
    expect(canonicalJson(Number.NaN)).toBe('null');
    expect(canonicalJson({ a: Number.POSITIVE_INFINITY, b: [Number.NEGATIVE_INFINITY, 1] })).toBe('{"a":null,"b":[null,1]}');
  });

  test('leaves out undefined, functions and symbols as members, and writes them as null inside lists', () => {
    const value = { kept: 1, gone: undefined, fn: () => 1, sym: Symbol('s'), list: [undefined, () => 1, Symbol('s'), 2] };
    expect(canonicalJson(value)).toBe('{"kept":1,"list":[null,null,null,2]}');
    expect(canonicalJson(value)).toBe(JSON.stringify(value));
    expect(canonicalJson(undefined)).toBeUndefined();
  });

  test('uses toJSON, so a Date is its ISO text and gives the same text after a round trip', () => {
    const when = new Date(Date.UTC(2026, 0, 1, 10, 0, 0));
    expect(canonicalJson({ when })).toBe('{"when":"2026-01-01T10:00:00.000Z"}');
    expect(canonicalJson({ z: { toJSON: () => ({ b: 1, a: 2 }) } })).toBe('{"z":{"a":2,"b":1}}');
    const value = { when, nested: [{ at: when, n: Number.NaN }] };
    expect(canonicalJson(JSON.parse(JSON.stringify(value)))).toBe(canonicalJson(value));
  });

  test('refuses a bigint rather than writing something a JSON store could not give back', () => {
    expect(() => canonicalJson(10n)).toThrow(TypeError);
    expect(() => canonicalAuditText({ ...entry(), detail: { size: 10n as unknown as number } })).toThrow('an audit entry cannot hold a bigint');
  });
});
