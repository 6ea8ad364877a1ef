/**
 * Azure Table storage serves a query on PartitionKey and a RowKey range from its clustered index;
 * Azurite 3.37 evaluates the `$filter` on every entity of the table
 * (`LokiTableMetadataStore.queryTableEntities`: `.where()` over the whole collection), so on the
 * local host every page of the request list and every audit read cost time in proportion to the
 * table. Azurite's entity collections already keep Loki binary indices on PartitionKey and RowKey;
 * this narrows each query to the index range its filter's top-level key conditions allow, before
 * Azurite applies the filter itself. The narrowing is only ever a superset of the answer: the whole
 * filter still decides, so a filter this does not understand is answered exactly as before.
 */

/** What a filter's top-level `and` conditions on the keys allow. */
export interface KeyRange {
  partitionKey?: string;
  /** Inclusive bounds; `gt`/`lt` widen to them, the filter itself excludes the bound. */
  rowKeyFrom?: string;
  rowKeyTo?: string;
}

type Token = { kind: 'open' | 'close' } | { kind: 'word'; text: string } | { kind: 'string'; value: string } | { kind: 'other' };

/** The OData `$filter` tokens this needs: names, quoted strings, parentheses; anything else is opaque. */
function tokens(filter: string): Token[] | undefined {
  const result: Token[] = [];
  let at = 0;
  while (at < filter.length) {
    const char = filter[at];
    if (/\s/.test(char)) {
      at++;
    } else if (char === '(' || char === ')') {
      result.push({ kind: char === '(' ? 'open' : 'close' });
      at++;
    } else if (char === "'") {
      const literal = quoted(filter, at);
      if (!literal) return undefined;
      result.push({ kind: 'string', value: literal.value });
      at = literal.end;
    } else {
      const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(filter.slice(at))?.[0];
      if (word && filter[at + word.length] === "'") {
        // A typed literal (datetime'…', guid'…', X'…'): one opaque value.
        const literal = quoted(filter, at + word.length);
        if (!literal) return undefined;
        result.push({ kind: 'other' });
        at = literal.end;
      } else if (word) {
        result.push({ kind: 'word', text: word });
        at += word.length;
      } else {
        const other = /^[^\s()']+/.exec(filter.slice(at))![0];
        result.push({ kind: 'other' });
        at += other.length;
      }
    }
  }
  return result;
}

/** A `'…'` literal starting at `start`, with `''` for a quote inside it. */
function quoted(filter: string, start: number): { value: string; end: number } | undefined {
  let value = '';
  for (let at = start + 1; at < filter.length; at++) {
    if (filter[at] !== "'") {
      value += filter[at];
    } else if (filter[at + 1] === "'") {
      value += "'";
      at++;
    } else {
      return { value, end: at + 1 };
    }
  }
  return undefined;
}

/** The top-level `and` terms of a filter, or undefined when its top level is not a conjunction. */
function conjuncts(all: Token[]): Token[][] | undefined {
  const terms: Token[][] = [[]];
  let depth = 0;
  for (const token of all) {
    if (token.kind === 'open') depth++;
    if (token.kind === 'close') depth--;
    if (depth < 0) return undefined;
    if (depth === 0 && token.kind === 'word' && /^or$/i.test(token.text)) return undefined;
    if (depth === 0 && token.kind === 'word' && /^and$/i.test(token.text)) terms.push([]);
    else terms.at(-1)!.push(token);
  }
  return depth === 0 ? terms : undefined;
}

/** `Key op 'value'`, also in parentheses of its own. */
function keyCondition(term: Token[]): { key: string; operator: string; value: string } | undefined {
  let inner = term;
  while (inner.length >= 2 && inner[0].kind === 'open' && inner.at(-1)!.kind === 'close') inner = inner.slice(1, -1);
  if (inner.length !== 3) return undefined;
  const [key, operator, value] = inner;
  if (key.kind !== 'word' || operator.kind !== 'word' || value.kind !== 'string') return undefined;
  if (key.text !== 'PartitionKey' && key.text !== 'RowKey') return undefined;
  return { key: key.text, operator: operator.text.toLowerCase(), value: value.value };
}

/** The key range a filter confines its answer to; undefined when it confines nothing this can use. */
export function keyRangeOfFilter(filter: string | undefined): KeyRange | undefined {
  if (!filter) return undefined;
  const all = tokens(filter);
  const terms = all && conjuncts(all);
  if (!terms) return undefined;
  const range: KeyRange = {};
  for (const term of terms) {
    const condition = keyCondition(term);
    if (!condition) continue;
    const { key, operator, value } = condition;
    if (key === 'PartitionKey') {
      if (operator === 'eq' && range.partitionKey === undefined) range.partitionKey = value;
      continue;
    }
    if (operator === 'eq' || operator === 'ge' || operator === 'gt') {
      if (range.rowKeyFrom === undefined || value > range.rowKeyFrom) range.rowKeyFrom = value;
    }
    if (operator === 'eq' || operator === 'le' || operator === 'lt') {
      if (range.rowKeyTo === undefined || value < range.rowKeyTo) range.rowKeyTo = value;
    }
  }
  return range.partitionKey === undefined && range.rowKeyFrom === undefined && range.rowKeyTo === undefined ? undefined : range;
}

/** The part of a Loki collection (lokijs 1.5, as Azurite 3.37 uses it) this relies on. */
interface LokiEntityCollection {
  data: Array<Record<string, unknown>>;
  binaryIndices: Record<string, { dirty: boolean; values: number[] } | undefined>;
  ensureIndex(property: string): void;
  chain(): LokiResultset;
}

interface LokiResultset {
  find(query: Record<string, unknown>): LokiResultset;
}

/** Azurite's LokiTableMetadataStore, as far as this uses it. */
export interface TableMetadataStore {
  getEntityCollection(account: string, table: string, context: unknown): LokiEntityCollection;
  queryTableEntities(context: unknown, account: string, table: string, queryOptions: { filter?: string }, ...rest: unknown[]): Promise<unknown>;
}

/**
 * Loki orders an index with its own comparison, not JavaScript's: strings that read as numbers
 * ('12', '1e3', ' ') come first, in numeric order, then the others in string order. A RowKey range
 * with bounds that are not numbers is the same range in both orders only when no key reads as a
 * number; those would sort first, so the first keys of the index say whether there are any.
 */
function rowKeyOrderIsStringOrder(collection: LokiEntityCollection): boolean {
  collection.ensureIndex('RowKey');
  const index = collection.binaryIndices.RowKey;
  if (!index) return false;
  for (const position of index.values.slice(0, 64)) {
    const key = collection.data[position]?.RowKey;
    if (typeof key !== 'string') return false;
    if (key === '') continue;
    return Number.isNaN(Number(key));
  }
  return index.values.length <= 64;
}

const readsAsNumber = (value: string) => value === '' || !Number.isNaN(Number(value));

/** The Loki query that selects at least every entity in `range`, through an index; undefined if none is safe. */
function indexQuery(collection: LokiEntityCollection, range: KeyRange): Record<string, unknown> | undefined {
  const { rowKeyFrom: from, rowKeyTo: to } = range;
  const bounds = [from, to].filter((bound): bound is string => bound !== undefined);
  if (bounds.length > 0 && !bounds.some(readsAsNumber) && collection.binaryIndices.RowKey && rowKeyOrderIsStringOrder(collection)) {
    if (from !== undefined && to !== undefined) return { RowKey: from <= to ? { $between: [from, to] } : { $eq: from } };
    return { RowKey: from !== undefined ? { $gte: from } : { $lte: to } };
  }
  // Loki's equality is exact for strings, and numeric equality for strings that read as numbers: a superset.
  if (range.partitionKey !== undefined && collection.binaryIndices.PartitionKey) return { PartitionKey: range.partitionKey };
  return undefined;
}

/** Wraps the store's query so that Azurite evaluates the filter on the index range only. */
export function narrowTableQueries(store: TableMetadataStore): void {
  const query = store.queryTableEntities;
  const entityCollection = store.getEntityCollection;
  store.queryTableEntities = function (this: TableMetadataStore, context, account, table, queryOptions, ...rest) {
    const range = keyRangeOfFilter(queryOptions?.filter);
    if (!range) return query.call(this, context, account, table, queryOptions, ...rest);
    // Azurite takes the collection before its first await, so the substitute is seen by this call only.
    this.getEntityCollection = function (this: TableMetadataStore, ...args) {
      const collection = entityCollection.apply(this, args);
      const narrowing = indexQuery(collection, range);
      return narrowing ? Object.assign(Object.create(collection) as LokiEntityCollection, { chain: () => collection.chain().find(narrowing) }) : collection;
    };
    try {
      return query.call(this, context, account, table, queryOptions, ...rest);
    } finally {
      this.getEntityCollection = entityCollection;
    }
  };
}
