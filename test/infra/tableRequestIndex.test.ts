/**
 * The list index's keys (src/infra/tableRequestIndex.ts), without a table: Table storage orders
 * RowKeys as plain strings, so the keys alone must put requests in the order a list promises.
 */
import { IntegrityError, InvariantError, RequestValidationError } from '../../src/domain/errors';
import { AirlockRequest, newDraftRequest } from '../../src/domain/request';
import { ListQuery, ORDER_BY_FIELDS, OrderByField } from '../../src/domain/schemas';
import {
  assertOutsideReservedKeys,
  decodeContinuationToken,
  encodeContinuationToken,
  indexChanges,
  indexKey,
  indexRange,
  indexStateOf,
  parseIndexState,
} from '../../src/infra/tableRequestIndex';

/** Deterministic, so a failure can be run again as it was. */
function seededRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

const random = seededRandom(13);
const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)];

/** Strings that share prefixes, mix ASCII with other BMP characters and surrogate pairs, and include the empty string. */
function sampleStrings(count: number): string[] {
  const alphabet = ['a', 'b', 'A', ' ', '~', '!', '0', '\u007f', '\u0080', 'é', 'ß', '\u4e2d', '\uffff', '\ud83d\ude00', '\ud800\udc00', '\ue000'];
  const strings = ['', 'a', 'ab', 'abc', 'ab ', 'b', '~', '~~'];
  while (strings.length < count) {
    const length = Math.floor(random() * 6);
    strings.push(Array.from({ length }, () => pick(alphabet)).join(''));
  }
  return strings;
}

function sampleNumbers(): number[] {
  return [0, -0, 1, -1, 0.5, -0.5, 2 ** 53, -(2 ** 53), 1e-300, -1e-300, 1_780_000_000, 1_780_000_001, 1_780_000_000.25, 9, 10, 99, 100, -1e300, 1e300];
}

const jsOrder = (a: string | number, b: string | number) => (a === b ? 0 : a < b ? -1 : 1);

describe.each([
  ['strings', 'title', sampleStrings(300)],
  ['numbers', 'updatedWhen', sampleNumbers()],
] as Array<[string, OrderByField, Array<string | number>]>)('index keys of %s', (_label, field, values) => {
  // Two requests per value, so ties must go by id.
  const rows = values.flatMap((value, index) => [
    { value, id: `r${String(index).padStart(4, '0')}-b` },
    { value, id: `r${String(index).padStart(4, '0')}-a` },
  ]);

  test.each([true, false])('sort as the values do (ascending: %s), ties by id ascending', (ascending) => {
    const byKey = [...rows].sort((a, b) => jsOrder(indexKey(field, ascending, a.value, a.id, 'test'), indexKey(field, ascending, b.value, b.id, 'test')));
    const expected = [...rows].sort((a, b) => (ascending ? 1 : -1) * jsOrder(a.value, b.value) || jsOrder(a.id, b.id));
    // -0 and 0 are equal to `<`; compare what the list would show.
    expect(byKey.map((row) => `${String(row.value)}|${row.id}`)).toEqual(expected.map((row) => `${String(row.value)}|${row.id}`));
  });

  test('stay in their range and hold only characters a RowKey may', () => {
    for (const ascending of [true, false]) {
      const range = indexRange(field, ascending);
      for (const row of rows) {
        const key = indexKey(field, ascending, row.value, row.id, 'test');
        expect(key.startsWith(range.prefix)).toBe(true);
        expect(key < range.end).toBe(true);
        expect(key).toMatch(/^[\x20-\x7e]+$/);
        expect(key).not.toMatch(/[/\\#?]/);
      }
    }
  });
});

test('a very long title is cut to keep the key well inside 1 KiB, and still sorts after a shorter prefix of it', () => {
  const long = '\u4e2d'.repeat(400);
  const key = indexKey('title', true, long, 'id-1', 'test');
  expect(key.length).toBeLessThan(700);
  expect(indexKey('title', true, '\u4e2d'.repeat(10), 'id-2', 'test') < key).toBe(true);
});

test('a value that cannot be ordered is corrupt stored data, named', () => {
  expect(() => indexKey('updatedWhen', true, undefined, 'id-1', 'Airlock request id-1')).toThrow(IntegrityError);
  expect(() => indexKey('updatedWhen', true, 'yesterday', 'id-1', 'Airlock request id-1')).toThrow(/Airlock request id-1: updatedWhen is "yesterday"/);
});

test('an order field outside the allow-list is refused, not turned into a key range', () => {
  expect(() => indexRange('businessJustification' as never, true)).toThrow(RequestValidationError);
});

function request(overrides: Partial<AirlockRequest> = {}): AirlockRequest {
  return {
    ...newDraftRequest({
      id: '6a1f0000-0000-4000-8000-000000000001',
      workspaceId: 'ws-1',
      type: 'import',
      title: 'Survey',
      businessJustification: 'Protocol 7',
      creator: { id: 'user-alice', name: 'Alice' },
      now: 1_780_000_000,
    }),
    ...overrides,
  };
}

describe('index state and changes', () => {
  test('a request has one row per order field and direction, carrying its filter columns', () => {
    const state = indexStateOf(request());
    expect(state.keys).toHaveLength(ORDER_BY_FIELDS.length * 2);
    expect(new Set(state.keys).size).toBe(state.keys.length);
    for (const field of ORDER_BY_FIELDS) {
      for (const ascending of [true, false]) expect(state.keys.filter((key) => key.startsWith(indexRange(field, ascending).prefix))).toHaveLength(1);
    }
    expect(state).toMatchObject({ status: 'draft', type: 'import', createdById: 'user-alice' });
  });

  test('a first write writes every row and deletes none', () => {
    const next = indexStateOf(request());
    expect(indexChanges(undefined, next)).toEqual({ deletes: [], writes: next.keys });
  });

  test('a change that touches no indexed field rewrites no row', () => {
    const before = indexStateOf(request());
    expect(indexChanges(before, indexStateOf(request({ businessJustification: 'changed', files: [{ name: 'a.csv', size: 1 }] })))).toEqual({ deletes: [], writes: [] });
  });

  test('a new title moves the two title rows only, when no filter column changed', () => {
    const before = indexStateOf(request());
    const after = indexStateOf(request({ title: 'Renamed' }));
    const changes = indexChanges(before, after);
    expect(changes.deletes).toHaveLength(2);
    expect(changes.deletes.every((key) => key.includes('~title~'))).toBe(true);
    expect(changes.writes).toHaveLength(2);
    expect(changes.writes.every((key) => after.keys.includes(key) && key.includes('~title~'))).toBe(true);
  });

  test('a new status moves the status rows and rewrites every row, since each carries the status filter column', () => {
    const before = indexStateOf(request());
    const after = indexStateOf(request({ status: 'submitted', updatedWhen: 1_780_000_050 }));
    const changes = indexChanges(before, after);
    expect(changes.deletes.sort()).toEqual(before.keys.filter((key) => !after.keys.includes(key)).sort());
    expect(changes.deletes).toHaveLength(4);
    expect(changes.writes.sort()).toEqual([...after.keys].sort());
  });

  test('the stored record reads back; a malformed one is corrupt data; one of another index version is no record', () => {
    const state = indexStateOf(request());
    expect(parseIndexState({ indexedAs: JSON.stringify(state) })).toEqual(state);
    expect(parseIndexState({})).toBeUndefined();
    expect(parseIndexState({ indexedAs: JSON.stringify({ ...state, v: 99 }) })).toBeUndefined();
    expect(() => parseIndexState({ partitionKey: 'ws-1', rowKey: 'r-1', indexedAs: '{"keys": 3' })).toThrow(IntegrityError);
    expect(() => parseIndexState({ partitionKey: 'ws-1', rowKey: 'r-1', indexedAs: JSON.stringify({ ...state, keys: ['audit~x'] }) })).toThrow(
      'Stored airlock request r-1 in workspace ws-1 has a malformed index record (indexedAs)',
    );
  });

  test("ids in the store's own key space are refused", () => {
    expect(() => assertOutsideReservedKeys({ id: '~index.v1~built', workspaceId: 'ws-1' })).toThrow(InvariantError);
    expect(() => assertOutsideReservedKeys({ id: 'r-1', workspaceId: '~airlock' })).toThrow(InvariantError);
    expect(() => assertOutsideReservedKeys({ id: 'r-1', workspaceId: 'ws-1' })).not.toThrow();
  });
});

describe('continuation tokens', () => {
  const query: ListQuery = { orderBy: 'title', orderAscending: true, pageSize: 10 };
  const position = { rowKey: indexKey('title', true, 'Survey', 'r-1', 'test'), workspaceId: 'ws-1' };

  test('a token names the position it was made at', () => {
    expect(decodeContinuationToken(encodeContinuationToken(query, position), query)).toEqual(position);
    expect(decodeContinuationToken(undefined, query)).toBeUndefined();
  });

  const base64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  test.each([
    ['not base64url', 'not base64!'],
    ['not JSON', Buffer.from('{"v":').toString('base64url')],
    ['a token of the store before the index', base64({ offset: 10 })],
    ['a token of another order', encodeContinuationToken({ ...query, orderBy: 'updatedWhen' }, { ...position, rowKey: indexKey('updatedWhen', true, 5, 'r-1', 'test') })],
    ['a token of the other direction', encodeContinuationToken({ ...query, orderAscending: false }, position)],
    ['a key outside the order\'s range', base64({ v: 1, by: 'title', asc: true, key: 'audit~r-1~00000001', ws: 'ws-1' })],
    ['no workspace', base64({ v: 1, by: 'title', asc: true, key: position.rowKey })],
    ['null', base64(null)],
  ])('%s is a malformed query (422)', (_label, token) => {
    expect(() => decodeContinuationToken(token, query)).toThrow(RequestValidationError);
    expect(() => decodeContinuationToken(token, query)).toThrow('continuationToken is not valid');
  });
});
