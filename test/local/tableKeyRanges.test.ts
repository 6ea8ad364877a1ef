/**
 * The local host's table queries read only the key range their filter allows (src/local/tableKeyRanges.ts):
 * what the filter says is read off it correctly, and a query answers exactly the entities the whole
 * filter selects, also where Loki's index order is not string order (keys that read as numbers).
 */
import { odata, TableClient } from '@azure/data-tables';
import { newAccountKey, RunningAzurite, startAzurite } from '../../src/local/azurite';
import { keyRangeOfFilter } from '../../src/local/tableKeyRanges';

describe('the key range a filter allows', () => {
  test.each([
    [odata`PartitionKey eq ${'ws1'}`, { partitionKey: 'ws1' }],
    [`${odata`PartitionKey eq ${'ws1'}`} and ${odata`RowKey ge ${'a'}`} and ${odata`RowKey lt ${'b'}`}`, { partitionKey: 'ws1', rowKeyFrom: 'a', rowKeyTo: 'b' }],
    [`(PartitionKey eq 'ws1') and (RowKey gt 'a') and status eq 'approved'`, { partitionKey: 'ws1', rowKeyFrom: 'a' }],
    [`RowKey ge 'a' and RowKey ge 'c' and RowKey le 'x' and RowKey lt 'q'`, { rowKeyFrom: 'c', rowKeyTo: 'q' }],
    [`RowKey eq 'it''s'`, { rowKeyFrom: "it's", rowKeyTo: "it's" }],
    [`PartitionKey eq 'a and b' and Timestamp ge datetime'2020-01-01T00:00:00Z'`, { partitionKey: 'a and b' }],
  ])('%s', (filter, range) => expect(keyRangeOfFilter(filter)).toEqual(range));

  test.each([
    [undefined],
    [''],
    [`PartitionKey eq 'a' or PartitionKey eq 'b'`],
    [`(PartitionKey eq 'a' or RowKey eq 'b') and status eq 'x'`],
    [`not (PartitionKey eq 'a') and status eq 'x'`],
    [`PartitionKey ne 'a'`],
    [`status eq 'approved'`],
    [`PartitionKey eq 'unterminated`],
    [`(PartitionKey eq 'a'`],
  ])('nothing usable: %s', (filter) => expect(keyRangeOfFilter(filter)).toBeUndefined());
});

describe('queries on Azurite answer what the whole filter selects', () => {
  let azurite: RunningAzurite;
  const account = 'rangeacct';

  beforeAll(async () => {
    azurite = await startAzurite({ accounts: { [account]: newAccountKey() } });
  });
  afterAll(async () => {
    await azurite?.close();
  });

  interface Row {
    partitionKey: string;
    rowKey: string;
    status: string;
  }

  /** Every filter of `checks` against a table of `rows`, each answer compared with the filter evaluated here. */
  async function answersOf(tableName: string, rows: Row[], checks: Array<[string, (row: Row) => boolean]>) {
    const table = TableClient.fromConnectionString(azurite.connectionString(account), tableName, { allowInsecureConnection: true });
    await table.createTable();
    for (const row of rows) await table.createEntity(row);
    const answers: Array<{ filter: string; got: string[]; expected: string[] }> = [];
    for (const [filter, selects] of checks) {
      const got: string[] = [];
      for await (const entity of table.listEntities<Row>({ queryOptions: { filter } })) got.push(`${entity.partitionKey}/${entity.rowKey}`);
      const expected = rows.filter(selects).map((row) => `${row.partitionKey}/${row.rowKey}`);
      answers.push({ filter, got: got.sort(), expected: expected.sort() });
    }
    return answers;
  }

  const statuses = ['approved', 'draft', 'rejected'];
  const rowsWith = (keys: string[]): Row[] =>
    ['ws1', 'ws2', '12'].flatMap((partitionKey, p) => keys.map((rowKey, k) => ({ partitionKey, rowKey, status: statuses[(p + k) % statuses.length] })));

  const checks: Array<[string, (row: Row) => boolean]> = [
    [`PartitionKey eq 'ws1'`, (r) => r.partitionKey === 'ws1'],
    [`PartitionKey eq '12'`, (r) => r.partitionKey === '12'],
    [`PartitionKey eq 'ws1' and RowKey ge 'b' and RowKey lt 'd'`, (r) => r.partitionKey === 'ws1' && r.rowKey >= 'b' && r.rowKey < 'd'],
    [`PartitionKey eq 'ws2' and RowKey gt 'b' and RowKey le 'd~'`, (r) => r.partitionKey === 'ws2' && r.rowKey > 'b' && r.rowKey <= 'd~'],
    [`RowKey ge '~index.v1~' and RowKey lt '~index.v1~~'`, (r) => r.rowKey >= '~index.v1~' && r.rowKey < '~index.v1~~'],
    [`RowKey eq 'c1' and status eq 'draft'`, (r) => r.rowKey === 'c1' && r.status === 'draft'],
    [`RowKey gt 'z'`, (r) => r.rowKey > 'z'],
    [`RowKey lt 'b'`, (r) => r.rowKey < 'b'],
    [`RowKey ge 'c'`, (r) => r.rowKey >= 'c'],
    [`PartitionKey eq 'ws2' and RowKey le 'c'`, (r) => r.partitionKey === 'ws2' && r.rowKey <= 'c'],
    [`RowKey ge 'd' and RowKey lt 'b'`, () => false],
    [`PartitionKey eq 'ws1' and (RowKey eq 'a' or RowKey eq 'e')`, (r) => r.partitionKey === 'ws1' && (r.rowKey === 'a' || r.rowKey === 'e')],
  ];

  test('keys that are all words: the index range is used and misses nothing', async () => {
    const keys = ['a', 'b', 'b0', 'c', 'c1', 'd', 'd~', 'e', "it's", '~index.v1~aa', '~index.v1~zz', '~index.v2~aa', 'zz'];
    for (const answer of await answersOf('words', rowsWith(keys), checks)) expect(answer.got).toEqual(answer.expected);
  });

  test('keys that read as numbers, which Loki orders first: the answers are still exact', async () => {
    const keys = ['a', 'b', 'b5', 'c', 'c1', 'd', 'e', '5', '10', '1e3', 'Infinity', '0x1f', ' 7', '~index.v1~aa'];
    const numeric: Array<[string, (row: Row) => boolean]> = [
      ...checks,
      [`RowKey ge '1' and RowKey lt '6'`, (r) => r.rowKey >= '1' && r.rowKey < '6'],
      [`RowKey ge 'I' and RowKey lt 'J'`, (r) => r.rowKey >= 'I' && r.rowKey < 'J'],
    ];
    for (const answer of await answersOf('numbers', rowsWith(keys), numeric)) expect(answer.got).toEqual(answer.expected);
  });
});
