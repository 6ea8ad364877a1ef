/**
 * CSV and TSV read a page at a time from a window of a file's bytes (RFC 4180: quoted fields,
 * doubled quotes, line breaks inside quotes, CRLF or LF line ends). Only complete rows are
 * returned, with the byte offset just after the last of them, so the next page starts exactly at a
 * row boundary and no row is ever split or read twice. Pure: the caller reads the bytes.
 *
 * Bytes, not characters, are scanned: the delimiter, the quote and the line ends are ASCII, which
 * never occurs inside a multi-byte UTF-8 character, so the offsets are exact whatever the text.
 * Lenient where RFC 4180 is strict but the meaning is plain (a quote inside an unquoted field, text
 * after a closing quote), so a reviewer sees the file rather than an error; a quote that never
 * closes is an error, because everything after it would be shown as one field.
 */
import { ValidationError } from './errors';

export type Delimiter = ',' | '\t';

const QUOTE = 0x22;
const CR = 0x0d;
const LF = 0x0a;

export interface DelimitedRows {
  rows: string[][];
  /** Bytes of the window taken by `rows`: the next page starts this far into it. */
  consumed: number;
}

export interface DelimitedWindow {
  delimiter: Delimiter;
  /** Stop after this many rows. */
  maxRows: number;
  /** Whether the window reaches the end of the file: only then is a row without a line end complete. */
  endOfFile: boolean;
  /** The window's offset in the file, for messages that name a byte. */
  offset?: number;
}

/** Up to `maxRows` complete rows from the start of `bytes`; a row cut off by the window's end is left for the next page. */
export function parseDelimitedRows(bytes: Uint8Array, window: DelimitedWindow): DelimitedRows {
  const parser = new RowParser(bytes, window);
  const rows: string[][] = [];
  let consumed = 0;
  while (rows.length < window.maxRows && consumed < bytes.length) {
    const row = parser.rowAt(consumed);
    if (!row) break;
    rows.push(row.fields);
    consumed = row.end;
  }
  return { rows, consumed };
}

/** The delimiter of a file named `.csv` (comma) or `.tsv`/`.tab` (tab), unless its first line has none of it and some of the other. */
export function delimiterFor(claimed: 'csv' | 'tsv', head: Uint8Array): Delimiter {
  const lineEnd = head.indexOf(LF);
  const firstLine = lineEnd < 0 ? head : head.subarray(0, lineEnd);
  const count = (byte: number) => firstLine.reduce((sum, value) => sum + (value === byte ? 1 : 0), 0);
  const commas = count(0x2c);
  const tabs = count(0x09);
  if (claimed === 'csv') return commas === 0 && tabs > 0 ? '\t' : ',';
  return tabs === 0 && commas > 0 ? ',' : '\t';
}

const decoder = new TextDecoder('utf-8', { ignoreBOM: true });

class RowParser {
  private readonly delimiter: number;
  private readonly offset: number;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly window: DelimitedWindow,
  ) {
    this.delimiter = window.delimiter.charCodeAt(0);
    this.offset = window.offset ?? 0;
  }

  /** The row starting at `start` and where it ends (after its line end), or undefined when the window ends before it does. */
  rowAt(start: number): { fields: string[]; end: number } | undefined {
    const fields: string[] = [];
    let position = start;
    for (;;) {
      const field = this.bytes[position] === QUOTE ? this.quotedFieldAt(position) : this.plainFieldAt(position);
      if (!field) return undefined;
      fields.push(field.text);
      position = field.end;
      if (position >= this.bytes.length) {
        // Only the file's end completes a row without a line end; a window's end may be mid-row.
        return this.window.endOfFile ? { fields, end: position } : undefined;
      }
      const byte = this.bytes[position];
      if (byte === this.delimiter) {
        position += 1;
        continue;
      }
      if (byte === LF) return { fields, end: position + 1 };
      // byte is CR: alone, or the first half of CRLF, which needs the next byte to tell.
      if (position + 1 < this.bytes.length) return { fields, end: this.bytes[position + 1] === LF ? position + 2 : position + 1 };
      return this.window.endOfFile ? { fields, end: position + 1 } : undefined;
    }
  }

  /** An unquoted field: up to the delimiter, a line end or the window's end. */
  private plainFieldAt(start: number): { text: string; end: number } {
    const end = this.endOfPlainText(start);
    return { text: decoder.decode(this.bytes.subarray(start, end)), end };
  }

  /** A quoted field, with any text after its closing quote kept as written; undefined when the window ends inside the quotes. */
  private quotedFieldAt(start: number): { text: string; end: number } | undefined {
    let position = start + 1;
    for (;;) {
      const quote = this.bytes.indexOf(QUOTE, position);
      if (quote < 0) {
        if (this.window.endOfFile) {
          throw new ValidationError(
            `the quoted field that opens at byte ${this.offset + start} is never closed; the file is not valid CSV/TSV from there on`,
          );
        }
        return undefined;
      }
      if (this.bytes[quote + 1] === QUOTE) {
        position = quote + 2;
        continue;
      }
      const quoted = decoder.decode(this.bytes.subarray(start + 1, quote)).replaceAll('""', '"');
      const trailingEnd = this.endOfPlainText(quote + 1);
      return { text: quoted + decoder.decode(this.bytes.subarray(quote + 1, trailingEnd)), end: trailingEnd };
    }
  }

  private endOfPlainText(start: number): number {
    let position = start;
    while (position < this.bytes.length) {
      const byte = this.bytes[position];
      if (byte === this.delimiter || byte === LF || byte === CR) break;
      position += 1;
    }
    return position;
  }
}
