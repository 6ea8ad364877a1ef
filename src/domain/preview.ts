/**
 * What the preview of one file shows (`GET .../preview`): the kind told from the file's first bytes
 * and its name, and one page of it, so a reviewer judges a file without downloading it and a large
 * file is never read whole. Pure: the caller reads the bytes, in the windows named here.
 *
 * The kind comes from the content: an SVG or HTML file is text, never an image (the browser would
 * run its scripts); an executable named `.png` is binary. A PDF is shown as one only when both its
 * name and its bytes say PDF. The preview does not judge a PDF's body (a PDF header followed by an
 * executable is still kind `pdf`): the content checks at submit do, and block such a file before
 * any reviewer can open it; before submit only the requester sees their own draft.
 */
import { CONTENT_HEAD_BYTES, describeContent, detectContentType, FileType, typeFromExtension } from './contentPolicy';
import { Delimiter, delimiterFor, parseDelimitedRows } from './delimitedText';
import { RequestValidationError, ValidationError } from './errors';

export const PREVIEW_KINDS = ['table', 'text', 'image', 'pdf', 'archive', 'binary'] as const;
export type PreviewKind = (typeof PREVIEW_KINDS)[number];

const KiB = 1024;
const MiB = 1024 * KiB;

/** How many leading bytes tell the kind: as many as the content checks look at. */
export const PREVIEW_HEAD_BYTES = CONTENT_HEAD_BYTES;
/** One page of text. */
export const TEXT_PAGE_BYTES = 64 * KiB;
/** The longest table row a page can hold; a table page is read in one window of this size. */
export const MAX_TABLE_ROW_BYTES = 1 * MiB;
/** A first, smaller read for the header row of a page after the first; a longer header is read again up to MAX_TABLE_ROW_BYTES. */
export const TABLE_HEADER_PROBE_BYTES = 64 * KiB;
export const DEFAULT_TABLE_ROWS = 100;
export const MAX_TABLE_ROWS = 500;
/** Entries of a zip listed; the listing says when there are more. */
export const MAX_ARCHIVE_ENTRIES_LISTED = 1_000;

export type ImageContentType = 'image/png' | 'image/jpeg' | 'image/gif' | 'image/webp';
export const PDF_CONTENT_TYPE = 'application/pdf';

/** How a file is shown, told from its first bytes and its name. */
export type PreviewShape =
  | { kind: 'table'; delimiter: Delimiter }
  | { kind: 'text'; format: TextFormat }
  | { kind: 'image'; contentType: ImageContentType }
  | { kind: 'pdf'; contentType: typeof PDF_CONTENT_TYPE }
  | { kind: 'archive' }
  | { kind: 'binary'; reason: string };

export type TextFormat = 'json' | 'text';

export interface TablePage {
  delimiter: Delimiter;
  header: string[];
  rows: string[][];
  cursor: number;
  nextCursor: number | null;
}

export interface TextPage {
  text: string;
  format: TextFormat;
  cursor: number;
  nextCursor: number | null;
}

export interface ArchiveEntry {
  name: string;
  size: number;
  compressedSize: number;
  directory: boolean;
}

export interface ArchiveListing {
  entries: ArchiveEntry[];
  truncated: boolean;
}

/** What one answer shows, under the key its kind names. */
export type PreviewContent =
  | { kind: 'table'; table: TablePage }
  | { kind: 'text'; text: TextPage }
  | { kind: 'archive'; archive: ArchiveListing }
  | { kind: 'image'; image: { contentType: ImageContentType } }
  | { kind: 'pdf'; pdf: { contentType: typeof PDF_CONTENT_TYPE } }
  | { kind: 'binary'; binary: { reason: string } };

export interface PreviewedFile {
  name: string;
  size: number;
  /** The SHA-256 recorded for this version of the file; absent for a draft file not hashed yet. */
  sha256?: string;
}

export type PreviewAnswer = { file: PreviewedFile; cycle: number; stage: string } & PreviewContent;

const IMAGE_CONTENT_TYPES: Partial<Record<FileType, ImageContentType>> = { png: 'image/png', jpg: 'image/jpeg', gif: 'image/gif' };

/** The shape of a file named `name` whose first bytes (up to PREVIEW_HEAD_BYTES) are `head`. */
export function previewShapeOf(name: string, head: Uint8Array): PreviewShape {
  if (isWebp(head)) return { kind: 'image', contentType: 'image/webp' };
  const detected = detectContentType(head);
  const claimed = typeFromExtension(name);
  if (detected === 'pdf') {
    return claimed === 'pdf'
      ? { kind: 'pdf', contentType: PDF_CONTENT_TYPE }
      : binary(`the content is ${describeContent('pdf')}, but the name does not end in .pdf, so it is not shown as one`);
  }
  if (claimed === 'pdf') return binary(`the name ends in .pdf, but the content is ${describeContent(detected)}, not a PDF document`);
  const image = IMAGE_CONTENT_TYPES[detected];
  if (image) return { kind: 'image', contentType: image };
  if (detected === 'zip') return { kind: 'archive' };
  if (detected === 'txt' || detected === 'json' || detected === 'svg') {
    if (UTF16_BOMS.some((bom) => bom.every((byte, index) => head[index] === byte))) return binary('the content is UTF-16 text; only UTF-8 text is shown');
    if (claimed === 'csv' || claimed === 'tsv') return { kind: 'table', delimiter: delimiterFor(claimed, head) };
    return { kind: 'text', format: claimed === 'json' ? 'json' : 'text' };
  }
  if (detected === 'unknown') return binary(head.includes(0) ? 'the content has NUL bytes: it is not text' : 'the content is not valid UTF-8 text, nor an image, PDF or zip');
  return binary(`the content is ${describeContent(detected)}, which is not shown in the browser`);
}

const UTF16_BOMS = [
  [0xff, 0xfe],
  [0xfe, 0xff],
];

function binary(reason: string): PreviewShape {
  return { kind: 'binary', reason };
}

/** RIFF container, WEBP form: "RIFF" <size> "WEBP". */
function isWebp(head: Uint8Array): boolean {
  const ascii = (from: number, to: number) => String.fromCharCode(...head.subarray(from, to));
  return head.length >= 12 && ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP';
}

/** What a shape shows without reading further: images, PDFs and binaries (tables, text and archives are read by page or listing). */
export function contentOfShape(shape: PreviewShape): PreviewContent | undefined {
  switch (shape.kind) {
    case 'image':
      return { kind: 'image', image: { contentType: shape.contentType } };
    case 'pdf':
      return { kind: 'pdf', pdf: { contentType: shape.contentType } };
    case 'binary':
      return { kind: 'binary', binary: { reason: shape.reason } };
    default:
      return undefined;
  }
}

/** The Content-Type of the file's own bytes (`view=raw`): only images and PDFs are served raw. */
export function rawContentTypeOf(shape: PreviewShape, name: string): ImageContentType | typeof PDF_CONTENT_TYPE {
  if (shape.kind === 'image' || shape.kind === 'pdf') return shape.contentType;
  throw new ValidationError(`view=raw serves images and PDFs only; '${name}' is shown as ${shape.kind}: ask for view=auto`);
}

/**
 * A page starts at 0 or inside the file; only an empty file has a page at its end. A cursor pages
 * tables and text only: every other kind is shown whole.
 */
export function checkCursor(cursor: number, file: { name: string; size: number }, shape: PreviewShape): void {
  if (cursor === 0) return;
  if (shape.kind !== 'table' && shape.kind !== 'text') {
    throw new RequestValidationError(`query.cursor pages tables and text; '${file.name}' is shown as ${shape.kind}, whole, so leave the cursor out`);
  }
  if (cursor >= file.size) {
    throw new RequestValidationError(`query.cursor ${cursor} is beyond the end of '${file.name}' (${file.size} bytes); use a nextCursor from an earlier answer`);
  }
}

// ---------------------------------------------------------------------------------------------
// Text

/** The bytes a text page at `cursor` is cut from. */
export function textWindowAt(cursor: number, size: number): { offset: number; count: number } {
  return { offset: cursor, count: Math.min(TEXT_PAGE_BYTES, size - cursor) };
}

/**
 * The text page in `window` (read at `cursor` per `textWindowAt`), cut at the last whole UTF-8
 * character so the next page starts at one. Bytes that are not UTF-8 text make the answer binary.
 */
export function textPageOf(window: Uint8Array, at: { cursor: number; size: number; format: TextFormat }): PreviewContent {
  const atEnd = at.cursor + window.length >= at.size;
  const cut = atEnd ? window.length : wholeCharactersIn(window);
  const bytes = window.subarray(0, cut);
  const problem = notTextReason(bytes, at.cursor);
  if (problem) return { kind: 'binary', binary: { reason: problem } };
  const next = at.cursor + cut;
  return {
    kind: 'text',
    text: { text: decodeUtf8(bytes, at.cursor === 0), format: at.format, cursor: at.cursor, nextCursor: next >= at.size ? null : next },
  };
}

// ---------------------------------------------------------------------------------------------
// Tables

export interface TableHeader {
  header: string[];
  /** The byte offset just after the header row: where the first page's rows begin. */
  end: number;
  /** Why the header is not shown as text, when it is not UTF-8. */
  problem?: string;
}

/** The bytes a table page at `cursor` is read from: one window, long enough for the longest row allowed. */
export function tableWindowAt(cursor: number, size: number): { offset: number; count: number } {
  return { offset: cursor, count: Math.min(MAX_TABLE_ROW_BYTES, size - cursor) };
}

/**
 * The header row, from `bytes` read at offset 0 (a UTF-8 byte order mark is skipped). Undefined
 * when `bytes` end before the header does and are shorter than the file and than MAX_TABLE_ROW_BYTES:
 * read more and ask again.
 */
export function tableHeaderOf(bytes: Uint8Array, at: { size: number; delimiter: Delimiter }): TableHeader | undefined {
  const start = hasUtf8Bom(bytes) ? UTF8_BOM.length : 0;
  const endOfFile = bytes.length >= at.size;
  const { rows, consumed } = parseDelimitedRows(bytes.subarray(start), { delimiter: at.delimiter, maxRows: 1, endOfFile, offset: start });
  if (rows.length === 0) {
    if (endOfFile) return { header: [], end: bytes.length };
    if (bytes.length >= MAX_TABLE_ROW_BYTES) throw rowTooLong(0);
    return undefined;
  }
  const end = start + consumed;
  const problem = notTextReason(bytes.subarray(start, end), start);
  return problem ? { header: [], end, problem } : { header: rows[0], end };
}

/**
 * One page of up to `rows` rows from `window` (read at `cursor` per `tableWindowAt`). The first
 * page (cursor 0) starts after the header; every page carries the header. `nextCursor` is the byte
 * after the page's last row, null at the end of the file.
 */
export function tablePageOf(
  window: Uint8Array,
  at: { cursor: number; size: number; delimiter: Delimiter; rows: number; header: TableHeader },
): PreviewContent {
  const { cursor, size, delimiter, header } = at;
  if (header.problem) return { kind: 'binary', binary: { reason: header.problem } };
  if (cursor > 0 && cursor < header.end) {
    throw new RequestValidationError(`query.cursor ${cursor} is inside the header row, which ends at byte ${header.end}; start at 0 or at a nextCursor`);
  }
  const start = cursor === 0 ? header.end : 0;
  const endOfFile = cursor + window.length >= size;
  const page = window.subarray(Math.min(start, window.length));
  const { rows, consumed } = parseDelimitedRows(page, { delimiter, maxRows: at.rows, endOfFile, offset: cursor + start });
  if (rows.length === 0 && !endOfFile && start === 0) throw rowTooLong(cursor);
  const problem = notTextReason(page.subarray(0, consumed), cursor + start);
  if (problem) return { kind: 'binary', binary: { reason: problem } };
  const next = cursor + start + consumed;
  return {
    kind: 'table',
    table: { delimiter, header: header.header, rows, cursor, nextCursor: next >= size ? null : next },
  };
}

function rowTooLong(offset: number): ValidationError {
  return new ValidationError(
    `the row that starts at byte ${offset} is longer than ${MAX_TABLE_ROW_BYTES / MiB} MiB, the longest a table page holds; the file cannot be shown as a table`,
  );
}

// ---------------------------------------------------------------------------------------------
// UTF-8

const UTF8_BOM = [0xef, 0xbb, 0xbf];

function hasUtf8Bom(bytes: Uint8Array): boolean {
  return UTF8_BOM.every((byte, index) => bytes[index] === byte);
}

const strictDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Why `bytes` (at `offset` in the file) are not shown as text, or undefined when they are UTF-8 without NULs. */
function notTextReason(bytes: Uint8Array, offset: number): string | undefined {
  const nul = bytes.indexOf(0);
  if (nul >= 0) return `byte ${offset + nul} is a NUL byte: the content is not text from there on`;
  try {
    strictDecoder.decode(bytes);
    return undefined;
  } catch {
    return `the bytes from ${offset} to ${offset + bytes.length} are not valid UTF-8 text`;
  }
}

/** The text of valid UTF-8 `bytes`, without the byte order mark that may open a file. */
function decodeUtf8(bytes: Uint8Array, startOfFile: boolean): string {
  return strictDecoder.decode(startOfFile && hasUtf8Bom(bytes) ? bytes.subarray(UTF8_BOM.length) : bytes);
}

/** How many leading bytes of `bytes` end on a character boundary: all but a character cut off at the end. */
function wholeCharactersIn(bytes: Uint8Array): number {
  // A character is at most 4 bytes, so its lead byte is among the last 4.
  for (let index = bytes.length - 1; index >= Math.max(0, bytes.length - 4); index -= 1) {
    const byte = bytes[index];
    if ((byte & 0xc0) === 0x80) continue; // a continuation byte
    const length = byte < 0x80 ? 1 : byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : 2;
    return index + length <= bytes.length ? bytes.length : index;
  }
  return bytes.length; // no lead byte where one must be: not UTF-8, which the decoder will say
}
