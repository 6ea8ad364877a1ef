/**
 * What a reviewer is shown of a file: its kind told from its bytes (never from its name alone),
 * CSV/TSV read a page at a time at row boundaries, text cut at character boundaries, and the query
 * that asks for them.
 */
import { contentScanFor } from '../../src/domain/activeContent';
import { parseDelimitedRows, delimiterFor } from '../../src/domain/delimitedText';
import { RequestValidationError, ValidationError } from '../../src/domain/errors';
import {
  checkCursor,
  MAX_TABLE_ROW_BYTES,
  PreviewContent,
  previewShapeOf,
  rawContentTypeOf,
  TablePage,
  tableHeaderOf,
  tablePageOf,
  TEXT_PAGE_BYTES,
  textPageOf,
  textWindowAt,
} from '../../src/domain/preview';
import { parsePreviewQuery } from '../../src/domain/previewQuery';
import { SeededRandom } from '../chaos/seededRandom';

const bytes = (text: string) => new Uint8Array(Buffer.from(text, 'utf8'));
const latin1 = (text: string) => new Uint8Array(Buffer.from(text, 'latin1'));

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46, 0]);
const GIF = Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00\x00', 'latin1');
const WEBP = Buffer.concat([Buffer.from('RIFF'), Buffer.from([36, 0, 0, 0]), Buffer.from('WEBPVP8 ')]);
const ELF = Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00, ...new Array(56).fill(0)]);
/** A minimal PE: MZ, e_lfanew at 0x3c pointing at "PE\0\0". */
function peImage(): Buffer {
  const image = Buffer.alloc(0x100);
  image.write('MZ', 0, 'latin1');
  image.writeUInt32LE(0x80, 0x3c);
  image.write('PE\0\0', 0x80, 'latin1');
  return image;
}

describe('the kind of a file, from its bytes and its name', () => {
  test.each([
    ['plot.png', PNG, 'image/png'],
    ['photo.jpg', JPEG, 'image/jpeg'],
    ['anim.gif', GIF, 'image/gif'],
    ['picture.webp', WEBP, 'image/webp'],
    // The bytes decide the image type, not the extension.
    ['mislabelled.jpg', PNG, 'image/png'],
  ])('%s is an image of type %s', (name, head, contentType) => {
    expect(previewShapeOf(name, head)).toEqual({ kind: 'image', contentType });
  });

  test('a PDF named .pdf is a PDF', () => {
    expect(previewShapeOf('paper.pdf', latin1('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj'))).toEqual({ kind: 'pdf', contentType: 'application/pdf' });
  });

  test('PDF bytes under another name, or a .pdf that holds something else, are binary and say why', () => {
    expect(previewShapeOf('paper.txt', bytes('%PDF-1.7\n'))).toEqual({ kind: 'binary', reason: expect.stringMatching(/PDF document, but the name does not end in \.pdf/) });
    expect(previewShapeOf('paper.pdf', bytes('just some text'))).toEqual({ kind: 'binary', reason: expect.stringMatching(/name ends in \.pdf, but the content is text/) });
    expect(previewShapeOf('paper.pdf', PNG)).toEqual({ kind: 'binary', reason: expect.stringMatching(/PNG image, not a PDF/) });
  });

  test('a PDF header followed by an executable is kind pdf here; the content checks are what keep it from a reviewer', () => {
    // The choice: the preview tells the kind from the head, as the content checks do, and leaves the
    // body to them. Such a file never reaches review (nor approval), because the checks block it:
    const polyglot = Buffer.concat([Buffer.from('%PDF-1.4\n'), ELF, Buffer.alloc(1000)]);
    expect(previewShapeOf('paper.pdf', polyglot)).toEqual({ kind: 'pdf', contentType: 'application/pdf' });
    const checks = contentScanFor('paper.pdf', 'pdf')!;
    checks.write(polyglot);
    expect(checks.finish().map((finding) => finding.rule)).toContain('embedded-executable');
  });

  test.each([
    ['tool.png', peImage()],
    ['tool.csv', ELF],
    ['run.txt', bytes('#!/bin/sh\nrm -rf /\n')],
  ])('an executable renamed %s is binary, and says it is a program', (name, head) => {
    expect(previewShapeOf(name, head)).toEqual({ kind: 'binary', reason: expect.stringContaining('an executable program or script') });
  });

  test.each([
    ['drawing.svg', '<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'],
    ['drawing.png', '<svg xmlns="http://www.w3.org/2000/svg"></svg>'],
    ['page.html', '<!doctype html><html><body onload="alert(1)"></body></html>'],
    ['notes.md', '# Notes\n\nplain text'],
    ['README', 'no extension at all'],
  ])('%s is text, never an image or a page to render', (name, content) => {
    expect(previewShapeOf(name, bytes(content))).toEqual({ kind: 'text', format: 'text' });
  });

  test('a .json file is text in JSON format; JSON under another name is plain text', () => {
    expect(previewShapeOf('result.json', bytes('{"a": 1}'))).toEqual({ kind: 'text', format: 'json' });
    expect(previewShapeOf('result.txt', bytes('{"a": 1}'))).toEqual({ kind: 'text', format: 'text' });
  });

  test('a zip is an archive, whatever it is called', () => {
    for (const name of ['data.zip', 'report.docx', 'table.xlsx', 'odd.bin']) {
      expect(previewShapeOf(name, Buffer.from([0x50, 0x4b, 0x03, 0x04, 20, 0, 0, 0]))).toEqual({ kind: 'archive' });
    }
  });

  test('.csv and .tsv text is a table, delimited by its extension unless the first line says otherwise', () => {
    expect(previewShapeOf('cohort.csv', bytes('id,age\n1,40\n'))).toEqual({ kind: 'table', delimiter: ',' });
    expect(previewShapeOf('cohort.tsv', bytes('id\tage\n1\t40\n'))).toEqual({ kind: 'table', delimiter: '\t' });
    expect(previewShapeOf('cohort.tab', bytes('id\tage\n'))).toEqual({ kind: 'table', delimiter: '\t' });
    expect(previewShapeOf('cohort.csv', bytes('id\tage\n1\t40\n'))).toEqual({ kind: 'table', delimiter: '\t' });
    expect(previewShapeOf('cohort.tsv', bytes('id,age\n1,40\n'))).toEqual({ kind: 'table', delimiter: ',' });
    // A tab inside a comma-separated first line does not turn the file into TSV.
    expect(previewShapeOf('cohort.csv', bytes('id,"a\tb"\n'))).toEqual({ kind: 'table', delimiter: ',' });
    expect(previewShapeOf('empty.csv', new Uint8Array())).toEqual({ kind: 'table', delimiter: ',' });
  });

  test('NUL bytes, invalid UTF-8 and UTF-16 are binary, each with its reason', () => {
    expect(previewShapeOf('data.csv', bytes('id,age\n1,\u0000\n'))).toEqual({ kind: 'binary', reason: expect.stringContaining('NUL bytes') });
    expect(previewShapeOf('notes.txt', latin1('caf\xe9 au lait'))).toEqual({ kind: 'binary', reason: expect.stringContaining('not valid UTF-8') });
    expect(previewShapeOf('notes.txt', Buffer.from('\ufeffhello', 'utf16le'))).toEqual({ kind: 'binary', reason: expect.stringContaining('UTF-16') });
  });

  test('other formats are binary and name what they are', () => {
    expect(previewShapeOf('scan.tif', Buffer.from([0x49, 0x49, 0x2a, 0x00, 8, 0, 0, 0]))).toEqual({ kind: 'binary', reason: expect.stringContaining('a TIFF image') });
    expect(previewShapeOf('data.gz', Buffer.from([0x1f, 0x8b, 8, 0, 0, 0]))).toEqual({ kind: 'binary', reason: expect.stringContaining('gzip') });
  });

  test('only images and PDFs are served raw', () => {
    expect(rawContentTypeOf({ kind: 'image', contentType: 'image/png' }, 'plot.png')).toBe('image/png');
    expect(rawContentTypeOf({ kind: 'pdf', contentType: 'application/pdf' }, 'paper.pdf')).toBe('application/pdf');
    expect(() => rawContentTypeOf({ kind: 'text', format: 'text' }, 'page.html')).toThrow(ValidationError);
    expect(() => rawContentTypeOf({ kind: 'table', delimiter: ',' }, 'data.csv')).toThrow(/view=raw serves images and PDFs only; 'data\.csv' is shown as table/);
  });
});

describe('CSV and TSV rows from a window of bytes', () => {
  const all = (text: string, delimiter: ',' | '\t' = ',') => parseDelimitedRows(bytes(text), { delimiter, maxRows: Infinity, endOfFile: true });

  test('RFC 4180: quoted delimiters, doubled quotes and line breaks inside quotes, CRLF', () => {
    const text = 'id,note\r\n1,"a, b"\r\n2,"say ""hi"""\r\n3,"two\r\nlines"\r\n';
    expect(all(text)).toEqual({
      rows: [['id', 'note'], ['1', 'a, b'], ['2', 'say "hi"'], ['3', 'two\r\nlines']],
      consumed: bytes(text).length,
    });
  });

  test('LF or a lone CR end a row; the last row needs no line end at the end of the file', () => {
    expect(all('a,b\n1,2').rows).toEqual([['a', 'b'], ['1', '2']]);
    expect(all('a,b\r1,2\r').rows).toEqual([['a', 'b'], ['1', '2']]);
  });

  test('empty fields and empty lines are kept as the file has them', () => {
    expect(all('a,,\n\n,b\n').rows).toEqual([['a', '', ''], [''], ['', 'b']]);
    expect(all('a,').rows).toEqual([['a', '']]);
    expect(all('').rows).toEqual([]);
  });

  test('tabs delimit TSV, and commas there are text', () => {
    expect(all('a\tb,c\n"x\ty"\tz\n', '\t').rows).toEqual([['a', 'b,c'], ['x\ty', 'z']]);
  });

  test('multi-byte characters are decoded whole, and offsets count bytes', () => {
    const text = 'naïve,😀\nÅse,"Zürich\n"\n';
    expect(all(text)).toEqual({ rows: [['naïve', '😀'], ['Åse', 'Zürich\n']], consumed: Buffer.byteLength(text) });
  });

  test('lenient where the meaning is plain: a quote inside an unquoted field, text after a closing quote', () => {
    expect(all('5" disk,"quoted"tail\n').rows).toEqual([['5" disk', 'quotedtail']]);
  });

  test('a row cut off by the window is left for the next page; only complete rows and their bytes are taken', () => {
    const text = 'a,b\n1,"x\ny"\n2,3\n';
    const cut = text.indexOf('y'); // inside the quoted field of the second row
    expect(parseDelimitedRows(bytes(text).subarray(0, cut), { delimiter: ',', maxRows: 10, endOfFile: false })).toEqual({ rows: [['a', 'b']], consumed: 4 });
  });

  test('a window that ends after CR waits for the next byte: CRLF is one line end, not two rows', () => {
    const text = 'a,b\r\nc,d\r\n';
    const window = bytes(text).subarray(0, 4); // 'a,b\r'
    expect(parseDelimitedRows(window, { delimiter: ',', maxRows: 10, endOfFile: false })).toEqual({ rows: [], consumed: 0 });
  });

  test('a window that ends on a quote inside a quoted field waits: it may be the first of a doubled quote', () => {
    const window = bytes('"say ""hi""" ,x\n').subarray(0, 6); // '"say "'
    expect(parseDelimitedRows(window, { delimiter: ',', maxRows: 10, endOfFile: false })).toEqual({ rows: [], consumed: 0 });
  });

  test('a row without a line end is complete only at the end of the file', () => {
    expect(parseDelimitedRows(bytes('a,b\n1,2'), { delimiter: ',', maxRows: 10, endOfFile: false })).toEqual({ rows: [['a', 'b']], consumed: 4 });
  });

  test('at most maxRows rows, and the bytes they take', () => {
    expect(parseDelimitedRows(bytes('1\n2\n3\n'), { delimiter: ',', maxRows: 2, endOfFile: true })).toEqual({ rows: [['1'], ['2']], consumed: 4 });
  });

  test('a quote that never closes is an error naming the byte where it opens', () => {
    expect(() => parseDelimitedRows(bytes('a,b\n1,"open\n2,3\n'), { delimiter: ',', maxRows: 10, endOfFile: true, offset: 100 })).toThrow(
      'the quoted field that opens at byte 106 is never closed; the file is not valid CSV/TSV from there on',
    );
  });

  test('the delimiter is sniffed from the first line only', () => {
    expect(delimiterFor('csv', bytes('a\tb\nc,d,e,f\n'))).toBe('\t');
    expect(delimiterFor('csv', bytes('single column\nx\ty\n'))).toBe(',');
  });
});

// ---------------------------------------------------------------------------------------------
// Pages of a table

/** Every page of a table from `file`, read with windows of `windowOf(cursor)` bytes and `rowsOf()` rows per page. */
function allTablePages(file: Uint8Array, windowOf: (cursor: number) => number, rowsOf: () => number): TablePage[] {
  const delimiter = ',' as const;
  const header = tableHeaderOf(file.subarray(0, Math.min(file.length, MAX_TABLE_ROW_BYTES)), { size: file.length, delimiter })!;
  const pages: TablePage[] = [];
  let cursor: number | null = 0;
  while (cursor !== null) {
    const window = file.subarray(cursor, cursor + windowOf(cursor));
    const page = tablePageOf(window, { cursor, size: file.length, delimiter, rows: rowsOf(), header });
    if (page.kind !== 'table') throw new Error(`not a table: ${JSON.stringify(page)}`);
    pages.push(page.table);
    if (page.table.nextCursor !== null && page.table.nextCursor <= cursor) throw new Error(`no progress at ${cursor}`);
    cursor = page.table.nextCursor;
  }
  return pages;
}

/** A CSV whose fields hold quotes, delimiters, CRLF and LF line breaks and multi-byte text. */
function awkwardCsv(random: SeededRandom, rows: number): string {
  const pieces = ['plain', 'with, comma', 'say "hi"', 'two\nlines', 'crlf\r\ninside', 'Zürich 😀', '', ' spaced '];
  const quoteIfNeeded = (field: string) => (/[",\r\n]/.test(field) ? `"${field.replaceAll('"', '""')}"` : field);
  const lines = ['id,note,extra'];
  for (let row = 1; row <= rows; row += 1) lines.push([String(row), random.pick(pieces), random.pick(pieces)].map(quoteIfNeeded).join(','));
  return lines.join(random.chance(0.5) ? '\r\n' : '\n') + '\n';
}

describe('a table read page by page', () => {
  test('concatenating every page gives exactly the rows of the whole file, for random windows and page sizes', () => {
    for (let seed = 1; seed <= 30; seed += 1) {
      const random = new SeededRandom(seed);
      const text = awkwardCsv(random, 300);
      const file = bytes(text);
      const whole = parseDelimitedRows(file, { delimiter: ',', maxRows: Infinity, endOfFile: true }).rows;
      // Windows from just over the longest row (so every page holds one) to a kilobyte, and pages
      // cut by their row count or, with many rows asked for, by the window's end.
      const pages = allTablePages(file, () => random.int(80, 1000), () => (random.chance(0.5) ? random.int(1, 40) : 500));
      expect(pages.flatMap((page) => page.rows)).toEqual(whole.slice(1));
      expect(pages.every((page) => JSON.stringify(page.header) === JSON.stringify(['id', 'note', 'extra']))).toBe(true);
      expect(pages.at(-1)!.nextCursor).toBeNull();
    }
  });

  test('each page starts where the last ended, at a row boundary', () => {
    const file = bytes('h1,h2\n1,"a\nb"\n2,c\n3,d\n');
    const pages = allTablePages(file, () => 100, () => 1);
    expect(pages.map((page) => [page.cursor, page.rows])).toEqual([
      [0, [['1', 'a\nb']]],
      [14, [['2', 'c']]],
      [18, [['3', 'd']]],
    ]);
    expect(pages.map((page) => page.nextCursor)).toEqual([14, 18, null]);
  });

  test('a byte order mark before the header is not part of its first name', () => {
    const file = bytes('\ufeffid,age\n1,40\n');
    const header = tableHeaderOf(file, { size: file.length, delimiter: ',' })!;
    expect(header.header).toEqual(['id', 'age']);
    expect(tablePageOf(file, { cursor: 0, size: file.length, delimiter: ',', rows: 10, header })).toMatchObject({ table: { header: ['id', 'age'], rows: [['1', '40']] } });
  });

  test('an empty file is an empty table', () => {
    const header = tableHeaderOf(new Uint8Array(), { size: 0, delimiter: ',' })!;
    expect(tablePageOf(new Uint8Array(), { cursor: 0, size: 0, delimiter: ',', rows: 10, header })).toEqual({
      kind: 'table',
      table: { delimiter: ',', header: [], rows: [], cursor: 0, nextCursor: null },
    });
  });

  test('a header that outgrows a short read asks for a longer one', () => {
    const file = bytes(`${'h'.repeat(200)},x\n1,2\n`);
    expect(tableHeaderOf(file.subarray(0, 100), { size: file.length, delimiter: ',' })).toBeUndefined();
    expect(tableHeaderOf(file, { size: file.length, delimiter: ',' })?.end).toBe(203);
  });

  test('a row longer than the longest a page holds is an error that says so', () => {
    const size = MAX_TABLE_ROW_BYTES * 2;
    const header = { header: ['a'], end: 2 };
    const window = new Uint8Array(MAX_TABLE_ROW_BYTES).fill(0x78); // 'x' without a line end
    expect(() => tablePageOf(window, { cursor: 2, size, delimiter: ',', rows: 10, header })).toThrow(
      `the row that starts at byte 2 is longer than 1 MiB, the longest a table page holds; the file cannot be shown as a table`,
    );
    expect(() => tableHeaderOf(window, { size, delimiter: ',' })).toThrow(/row that starts at byte 0 is longer than 1 MiB/);
  });

  test('a first page whose header leaves no room for a whole row is empty and moves on to the rows', () => {
    const file = bytes(`id,note\n1,${'y'.repeat(50)}\n`);
    const header = tableHeaderOf(file, { size: file.length, delimiter: ',' })!;
    const page = tablePageOf(file.subarray(0, 30), { cursor: 0, size: file.length, delimiter: ',', rows: 10, header });
    expect(page).toMatchObject({ kind: 'table', table: { rows: [], nextCursor: 8 } });
  });

  test('a cursor inside the header row is refused', () => {
    const file = bytes('id,age\n1,40\n');
    const header = tableHeaderOf(file, { size: file.length, delimiter: ',' })!;
    expect(() => tablePageOf(file.subarray(3), { cursor: 3, size: file.length, delimiter: ',', rows: 10, header })).toThrow(RequestValidationError);
  });

  test('rows that are not UTF-8 make the page binary, naming where', () => {
    const file = new Uint8Array([...bytes('id,name\n1,'), 0xff, 0xfe, ...bytes('\n')]);
    const header = tableHeaderOf(file, { size: file.length, delimiter: ',' })!;
    expect(tablePageOf(file, { cursor: 0, size: file.length, delimiter: ',', rows: 10, header })).toEqual({
      kind: 'binary',
      binary: { reason: 'the bytes from 8 to 13 are not valid UTF-8 text' },
    });
  });
});

// ---------------------------------------------------------------------------------------------
// Pages of text

function allTextPages(file: Uint8Array): PreviewContent[] {
  const pages: PreviewContent[] = [];
  let cursor: number | null = 0;
  while (cursor !== null) {
    const window = textWindowAt(cursor, file.length);
    const page = textPageOf(file.subarray(window.offset, window.offset + window.count), { cursor, size: file.length, format: 'text' });
    pages.push(page);
    cursor = page.kind === 'text' ? page.text.nextCursor : null;
  }
  return pages;
}

describe('text read page by page', () => {
  test.each([
    ['two-byte', 'é'],
    ['three-byte', '€'],
    ['four-byte', '😀'],
  ])('pages are cut at character boundaries (%s characters across the page end) and join to the whole text', (_label, character) => {
    const text = `${'a'.repeat(TEXT_PAGE_BYTES - 1)}${character.repeat(TEXT_PAGE_BYTES)}end`;
    const pages = allTextPages(bytes(text));
    expect(pages.every((page) => page.kind === 'text')).toBe(true);
    const texts = pages.map((page) => (page.kind === 'text' ? page.text.text : ''));
    expect(texts.join('')).toBe(text);
    expect(texts[0]).toBe('a'.repeat(TEXT_PAGE_BYTES - 1)); // the character that would straddle the end waits for the next page
    expect(pages.length).toBeGreaterThan(1);
  });

  test('each page says where it starts and where the next does; the last has none', () => {
    const file = bytes('x'.repeat(TEXT_PAGE_BYTES + 10));
    expect(allTextPages(file).map((page) => (page.kind === 'text' ? [page.text.cursor, page.text.nextCursor] : page))).toEqual([
      [0, TEXT_PAGE_BYTES],
      [TEXT_PAGE_BYTES, null],
    ]);
  });

  test('the byte order mark at the start is not shown', () => {
    expect(textPageOf(bytes('\ufeffhello'), { cursor: 0, size: 8, format: 'text' })).toEqual({
      kind: 'text',
      text: { text: 'hello', format: 'text', cursor: 0, nextCursor: null },
    });
  });

  test('bytes further on that are not text turn that page binary, saying where', () => {
    const file = new Uint8Array([...bytes('x'.repeat(TEXT_PAGE_BYTES)), ...bytes('tail'), 0, ...bytes('more')]);
    const pages = allTextPages(file);
    expect(pages[0].kind).toBe('text');
    expect(pages[1]).toEqual({ kind: 'binary', binary: { reason: `byte ${TEXT_PAGE_BYTES + 4} is a NUL byte: the content is not text from there on` } });
  });

  test('a JSON file keeps its format on every page', () => {
    expect(textPageOf(bytes('{"a":1}'), { cursor: 0, size: 7, format: 'json' })).toMatchObject({ text: { format: 'json', text: '{"a":1}' } });
  });
});

describe('cursors', () => {
  const csv = { kind: 'table', delimiter: ',' } as const;

  test('0, or any byte inside the file; beyond it is refused', () => {
    expect(() => checkCursor(0, { name: 'empty.csv', size: 0 }, csv)).not.toThrow();
    expect(() => checkCursor(9, { name: 'data.csv', size: 10 }, csv)).not.toThrow();
    expect(() => checkCursor(10, { name: 'data.csv', size: 10 }, csv)).toThrow("query.cursor 10 is beyond the end of 'data.csv' (10 bytes)");
  });

  test('only tables and text have pages', () => {
    expect(() => checkCursor(5, { name: 'plot.png', size: 100 }, { kind: 'image', contentType: 'image/png' })).toThrow(/shown as image, whole/);
    expect(() => checkCursor(5, { name: 'data.zip', size: 100 }, { kind: 'archive' })).toThrow(RequestValidationError);
  });
});

describe('the preview query', () => {
  const parse = (query: string) => parsePreviewQuery(new URLSearchParams(query));

  test('defaults: the JSON view, the first page, 100 rows, the current cycle', () => {
    expect(parse('file=cohort.csv')).toEqual({ file: 'cohort.csv', view: 'auto', cursor: 0, rows: 100 });
    expect(parse('file=out%2Fplot%20one.png&view=raw&cursor=0&rows=500&cycle=2')).toEqual({ file: 'out/plot one.png', view: 'raw', cursor: 0, rows: 500, cycle: 2 });
  });

  test.each([
    ['', /query\.file is required/],
    ['file=', /query\.file is required/],
    ['file=../x', /query\.file names no file of a request: the name has a '\.' or '\.\.' folder/],
    ['file=a/../../x', /'\.' or '\.\.' folder/],
    ['file=%2Fetc%2Fpasswd', /empty folder/],
    ['file=a%5Cb', /contains '\\'/],
    ['file=x&view=html', /query\.view must be one of: auto, raw/],
    ['file=x&cursor=-1', /query\.cursor must be a whole number/],
    ['file=x&cursor=1.5', /query\.cursor must be a whole number/],
    ['file=x&cursor=01', /query\.cursor must be a whole number/],
    ['file=x&cursor=99999999999999999999', /query\.cursor must be a whole number/],
    ['file=x&rows=0', /query\.rows must be a whole number \(rows per page, 1 to 500\); got '0'/],
    ['file=x&rows=501', /query\.rows/],
    ['file=x&rows=ten', /query\.rows/],
    ['file=x&cycle=0', /query\.cycle/],
    ['file=x&file=y', /query\.file is given more than once/],
    ['file=x&path=y', /query\.path is not a known parameter \(known: file, view, cursor, rows, cycle\)/],
  ])('%s is refused with 422: %s', (query, message) => {
    let thrown: unknown;
    try {
      parse(query);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(RequestValidationError);
    expect((thrown as RequestValidationError).httpStatus).toBe(422);
    expect((thrown as RequestValidationError).detail).toMatch(message);
  });

  test('a name longer than any blob name is refused before anything is looked up', () => {
    expect(() => parse(`file=${'a'.repeat(1025)}`)).toThrow(/no file name is longer than 1024/);
  });
});
