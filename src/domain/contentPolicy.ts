/**
 * Content checks that run before a request's files reach a reviewer (besides the malware scanner):
 * size and count limits, the file type told from the bytes themselves against a per-workspace
 * allow-list, and extensions that lie about the content. Pure: the caller reads the bytes.
 *
 * Fail closed: content that cannot be recognised is of type `unknown`, which no default allow-list
 * contains.
 */
import { ValidationError } from './errors';
import type { ScanCapacity } from './scanCapacity';
import type { AirlockSettings } from './workspace';

export const FILE_TYPES = [
  'csv',
  'tsv',
  'txt',
  'json',
  'pdf',
  'png',
  'jpg',
  'svg',
  'parquet',
  'zip',
  'gif',
  'tiff',
  'xlsx',
  'docx',
  'gzip',
  'executable',
  'unknown',
] as const;

export type FileType = (typeof FILE_TYPES)[number];

export interface ContentPolicy {
  /** files per request */
  maxFiles: number;
  maxFileSizeBytes: number;
  allowedTypes: readonly FileType[];
  /** The top-level zip is depth 1, a zip inside it depth 2, … */
  maxArchiveDepth: number;
  /** uncompressed : compressed, per archive member */
  maxCompressionRatio: number;
  /** what one archive may expand to */
  maxExpandedBytes: number;
  /** What the malware scanner can scan in full; undefined when nothing is scanned (scanning off). */
  scanCapacity?: ScanCapacity;
}

const ONE_GIB = 1024 * 1024 * 1024;

export const DEFAULT_ALLOWED_TYPES: readonly FileType[] = ['csv', 'tsv', 'txt', 'json', 'pdf', 'png', 'jpg', 'svg', 'parquet', 'zip'];

export const DEFAULT_CONTENT_POLICY: ContentPolicy = {
  maxFiles: 50,
  maxFileSizeBytes: ONE_GIB,
  allowedTypes: DEFAULT_ALLOWED_TYPES,
  maxArchiveDepth: 3,
  maxCompressionRatio: 100,
  maxExpandedBytes: ONE_GIB,
};

/**
 * The content checks as a workspace's settings set them, with what the deployment's malware scanner
 * can fully scan (`scanCapacity`, undefined when nothing is scanned), which no setting loosens.
 * One archive may expand to no more than one file may be.
 */
export function contentPolicyOf(settings: AirlockSettings, scanCapacity?: ScanCapacity): ContentPolicy {
  const maxFileSizeBytes = settings.maxFileSizeMb * 1024 * 1024;
  return {
    ...DEFAULT_CONTENT_POLICY,
    maxFiles: settings.maxFiles,
    maxFileSizeBytes,
    maxExpandedBytes: maxFileSizeBytes,
    allowedTypes: settings.allowedFileTypes,
    scanCapacity,
  };
}

/** How many leading bytes `detectContentType` looks at; callers need not read more. */
export const CONTENT_HEAD_BYTES = 8 * 1024;
/** Parquet files end with the same magic they start with; callers may pass this many trailing bytes. */
export const CONTENT_TAIL_BYTES = 4;

export type FindingRule =
  | 'count'
  | 'size'
  | 'type-not-allowed'
  | 'extension-mismatch'
  | 'executable'
  | 'archive-encrypted'
  | 'archive-depth'
  | 'archive-ratio'
  | 'archive-size'
  | 'archive-unreadable'
  | 'scan-capacity'
  | 'active-content'
  | 'embedded-executable'
  | 'markup-in-text'
  | 'malformed'
  | 'encrypted';

/** One reason to block: `message` is shown to the researcher and the reviewer. */
export interface Finding {
  rule: FindingRule;
  message: string;
}

export interface FileSample {
  name: string;
  size: number;
  /** the first bytes (up to CONTENT_HEAD_BYTES; fewer for a shorter file) */
  head: Uint8Array;
  /** the last CONTENT_TAIL_BYTES, when the caller read them */
  tail?: Uint8Array;
}

// ---------------------------------------------------------------------------------------------
// Detection from content

type Magic = readonly number[];

const PDF: Magic = ascii('%PDF-');
const PNG: Magic = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const JPEG: Magic = [0xff, 0xd8, 0xff];
const GIF87: Magic = ascii('GIF87a');
const GIF89: Magic = ascii('GIF89a');
const TIFF_LITTLE_ENDIAN: Magic = [0x49, 0x49, 0x2a, 0x00];
const TIFF_BIG_ENDIAN: Magic = [0x4d, 0x4d, 0x00, 0x2a];
const BIGTIFF_LITTLE_ENDIAN: Magic = [0x49, 0x49, 0x2b, 0x00];
const BIGTIFF_BIG_ENDIAN: Magic = [0x4d, 0x4d, 0x00, 0x2b];
const PARQUET: Magic = ascii('PAR1');
/** local file header, end of central directory (an empty zip), spanning marker */
const ZIP_MAGICS: readonly Magic[] = [[0x50, 0x4b, 0x03, 0x04], [0x50, 0x4b, 0x05, 0x06], [0x50, 0x4b, 0x07, 0x08]];
const GZIP: Magic = [0x1f, 0x8b];
const ELF: Magic = [0x7f, 0x45, 0x4c, 0x46];
/** 32/64-bit, both byte orders, and universal ("fat") binaries — which share CAFEBABE with Java classes, also code */
const MACH_O_MAGICS: readonly Magic[] = [
  [0xfe, 0xed, 0xfa, 0xce],
  [0xfe, 0xed, 0xfa, 0xcf],
  [0xce, 0xfa, 0xed, 0xfe],
  [0xcf, 0xfa, 0xed, 0xfe],
  [0xca, 0xfe, 0xba, 0xbe],
];
const DOS_MZ: Magic = ascii('MZ');
const SHEBANG: Magic = ascii('#!');
const UTF8_BOM: Magic = [0xef, 0xbb, 0xbf];
const UTF16_BOMS: readonly Magic[] = [[0xff, 0xfe], [0xfe, 0xff]];

const BINARY_SIGNATURES: ReadonlyArray<readonly [FileType, readonly Magic[]]> = [
  ['pdf', [PDF]],
  ['png', [PNG]],
  ['jpg', [JPEG]],
  ['gif', [GIF87, GIF89]],
  ['tiff', [TIFF_LITTLE_ENDIAN, TIFF_BIG_ENDIAN, BIGTIFF_LITTLE_ENDIAN, BIGTIFF_BIG_ENDIAN]],
  ['zip', ZIP_MAGICS],
  ['gzip', [GZIP]],
  ['executable', [ELF, ...MACH_O_MAGICS]],
];

/** The type of a file told from its first bytes (and, for Parquet, its last four when given). */
export function detectContentType(head: Uint8Array, tail?: Uint8Array): FileType {
  const sample = head.subarray(0, CONTENT_HEAD_BYTES);
  const signed = BINARY_SIGNATURES.find(([, magics]) => magics.some((magic) => startsWith(sample, magic)));
  if (signed) return signed[0];
  // "MZ", "PAR1" and "#!" are printable, so a text file may start with them ("MZ,12,4"); the binary
  // formats are told apart by being binary (a PE header and Parquet's Thrift metadata hold NULs).
  const text = isText(sample);
  if (!text && startsWith(sample, DOS_MZ)) return 'executable';
  if (!text && startsWith(sample, PARQUET) && (!tail || endsWith(tail, PARQUET))) return 'parquet';
  if (!text) return 'unknown';
  if (startsWith(sample, SHEBANG)) return 'executable';
  if (UTF16_BOMS.some((bom) => startsWith(sample, bom))) return 'txt';
  return textFlavour(sample);
}

export function isZipMagic(head: Uint8Array): boolean {
  return ZIP_MAGICS.some((magic) => startsWith(head, magic));
}

/** JSON and SVG are told from how the text starts; anything else is plain text (CSV and TSV included). */
function textFlavour(text: Uint8Array): FileType {
  const start = skipWhitespace(text, startsWith(text, UTF8_BOM) ? UTF8_BOM.length : 0);
  if (looksLikeJsonStart(text, start)) return 'json';
  if (looksLikeSvgStart(text, start)) return 'svg';
  return 'txt';
}

function looksLikeJsonStart(text: Uint8Array, start: number): boolean {
  const opener = text[start];
  if (opener !== char('{') && opener !== char('[')) return false;
  const next = skipWhitespace(text, start + 1);
  if (next >= text.length) return true; // everything we saw was "{" or "[": nothing contradicts JSON
  const following = String.fromCharCode(text[next]);
  // "[INFO] started" is a log line, not JSON; an object must open with a key or close at once.
  return opener === char('{') ? following === '"' || following === '}' : '{["-0123456789tfn]'.includes(following);
}

/** `<svg` as the first element, after any XML declaration, comments, processing instructions or DOCTYPE. */
function looksLikeSvgStart(text: Uint8Array, start: number): boolean {
  let position = start;
  for (;;) {
    position = skipWhitespace(text, position);
    if (matchesAt(text, position, '<svg')) {
      const after = text[position + 4];
      return after === undefined || isWhitespace(after) || after === char('>') || after === char('/');
    }
    const end = endOfProlog(text, position);
    if (end < 0) return false;
    position = end;
  }
}

/** Where the comment, processing instruction or DOCTYPE at `position` ends; -1 if there is none. */
function endOfProlog(text: Uint8Array, position: number): number {
  if (matchesAt(text, position, '<!--')) return after(text, '-->', position + 4);
  if (matchesAt(text, position, '<?')) return after(text, '?>', position + 2);
  if (!matchesAt(text, position, '<!')) return -1;
  // A DOCTYPE may carry an internal subset in brackets, full of '>' (Illustrator writes such).
  const close = indexOf(text, '>', position);
  const bracket = indexOf(text, '[', position);
  if (bracket < 0 || (close >= 0 && close < bracket)) return close < 0 ? -1 : close + 1;
  const subsetEnd = indexOf(text, ']', bracket);
  return subsetEnd < 0 ? -1 : after(text, '>', subsetEnd);
}

function after(text: Uint8Array, marker: string, from: number): number {
  const index = indexOf(text, marker, from);
  return index < 0 ? -1 : index + marker.length;
}

/**
 * Valid UTF-8 without NUL bytes. A multi-byte character cut off at the end of the sample is fine:
 * the sample is a prefix of the file. UTF-16 text (with its BOM) counts as text too.
 */
function isText(bytes: Uint8Array): boolean {
  if (UTF16_BOMS.some((bom) => startsWith(bytes, bom))) return !hasUtf16Nul(bytes);
  let index = 0;
  while (index < bytes.length) {
    const byte = bytes[index];
    if (byte === 0) return false;
    const length = utf8SequenceLength(byte);
    if (length === 0) return false;
    for (let continuation = 1; continuation < length; continuation += 1) {
      const next = bytes[index + continuation];
      if (next === undefined) return true; // truncated at the end of the sample
      if ((next & 0xc0) !== 0x80) return false;
    }
    if (length > 1 && !isShortestForm(bytes, index, length)) return false;
    index += length;
  }
  return true;
}

function hasUtf16Nul(bytes: Uint8Array): boolean {
  for (let index = 0; index + 1 < bytes.length; index += 2) {
    if (bytes[index] === 0 && bytes[index + 1] === 0) return true;
  }
  return false;
}

function utf8SequenceLength(leading: number): number {
  if (leading < 0x80) return 1;
  if (leading >= 0xc2 && leading <= 0xdf) return 2;
  if (leading >= 0xe0 && leading <= 0xef) return 3;
  if (leading >= 0xf0 && leading <= 0xf4) return 4;
  return 0; // continuation byte, overlong 0xc0/0xc1, or beyond U+10FFFF
}

/** Rejects overlong encodings, UTF-16 surrogates and code points above U+10FFFF (RFC 3629). */
function isShortestForm(bytes: Uint8Array, index: number, length: number): boolean {
  const second = bytes[index + 1];
  if (second === undefined) return true;
  const leading = bytes[index];
  if (length === 3 && leading === 0xe0) return second >= 0xa0;
  if (length === 3 && leading === 0xed) return second <= 0x9f;
  if (length === 4 && leading === 0xf0) return second >= 0x90;
  if (length === 4 && leading === 0xf4) return second <= 0x8f;
  return true;
}

// ---------------------------------------------------------------------------------------------
// Extensions

/** Program and script extensions: such a file never passes, whatever its bytes look like. */
export const EXECUTABLE_EXTENSIONS: readonly string[] = ['exe', 'dll', 'com', 'scr', 'msi', 'sh', 'bat', 'cmd', 'ps1', 'js', 'vbs', 'jar'];

const EXTENSION_TYPES: Readonly<Record<string, FileType>> = {
  csv: 'csv',
  tsv: 'tsv',
  tab: 'tsv',
  txt: 'txt',
  json: 'json',
  pdf: 'pdf',
  png: 'png',
  jpg: 'jpg',
  jpeg: 'jpg',
  svg: 'svg',
  parquet: 'parquet',
  zip: 'zip',
  gif: 'gif',
  tif: 'tiff',
  tiff: 'tiff',
  xlsx: 'xlsx',
  docx: 'docx',
  gz: 'gzip',
  ...Object.fromEntries(EXECUTABLE_EXTENSIONS.map((extension) => [extension, 'executable' as const])),
};

/** The type a file's name claims; undefined for no extension or one we do not know. */
export function typeFromExtension(name: string): FileType | undefined {
  const extension = extensionOf(name);
  return extension === undefined ? undefined : EXTENSION_TYPES[extension];
}

function extensionOf(name: string): string | undefined {
  const baseName = name.slice(name.lastIndexOf('/') + 1);
  const dot = baseName.lastIndexOf('.');
  // ".bashrc" is a name, not an extension
  return dot <= 0 || dot === baseName.length - 1 ? undefined : baseName.slice(dot + 1).toLowerCase();
}

const TEXT_FAMILY: readonly FileType[] = ['csv', 'tsv', 'txt'];
const ANY_TEXT: readonly FileType[] = ['txt', 'json', 'svg'];
/** Office documents are zips inside; content detection only says "zip". */
const ZIP_CONTAINERS: readonly FileType[] = ['zip', 'xlsx', 'docx'];

/** Whether content of type `detected` may carry a name ending in an extension of type `claimed`. */
export function extensionMatchesContent(claimed: FileType, detected: FileType): boolean {
  if (TEXT_FAMILY.includes(claimed)) return ANY_TEXT.includes(detected);
  if (ZIP_CONTAINERS.includes(claimed)) return detected === 'zip' || detected === claimed;
  return claimed === detected;
}

export interface FileClassification {
  /** from the bytes */
  detected: FileType;
  /** from the name; undefined when it has no known extension */
  claimed?: FileType;
  /** The type the allow-list judges: the name's, when the content bears it out (csv, xlsx); else the content's. */
  type: FileType;
  extensionMatches: boolean;
}

export function classifyFile(sample: Pick<FileSample, 'name' | 'head' | 'tail'>): FileClassification {
  const detected = detectContentType(sample.head, sample.tail);
  const claimed = typeFromExtension(sample.name);
  const extensionMatches = claimed === undefined || extensionMatchesContent(claimed, detected);
  return { detected, claimed, type: extensionMatches ? (claimed ?? detected) : detected, extensionMatches };
}

// ---------------------------------------------------------------------------------------------
// Checks

/** What is wrong with one file; empty when it may go on to review. */
export function checkFile(sample: FileSample, policy: ContentPolicy): Finding[] {
  const findings: Finding[] = [];
  if (sample.size > policy.maxFileSizeBytes) {
    findings.push({ rule: 'size', message: `${sample.name}: the file is ${describeOverLimit(sample.size, policy.maxFileSizeBytes)} per file` });
  }
  const classification = classifyFile(sample);
  const { detected, claimed } = classification;
  if (detected === 'executable' || claimed === 'executable') {
    findings.push({ rule: 'executable', message: executableMessage(sample.name, classification) });
    return findings; // whatever else is wrong with a program does not matter
  }
  if (!classification.extensionMatches && claimed) {
    findings.push({
      rule: 'extension-mismatch',
      message: `${sample.name}: the content is ${describeContent(detected)}, not ${claimed} (the extension does not match the content)`,
    });
  }
  if (!policy.allowedTypes.includes(classification.type)) {
    findings.push({ rule: 'type-not-allowed', message: typeNotAllowedMessage(sample.name, classification.type, policy) });
  }
  return findings;
}

/**
 * The per-request file count limit: the one statement of it. Submit refuses a request beyond it
 * (`checkSubmittable`); the content checks report it too, for a limit lowered after the submit.
 */
export function checkRequestFiles(count: number, policy: Pick<ContentPolicy, 'maxFiles'>): Finding[] {
  if (count <= policy.maxFiles) return [];
  return [
    {
      rule: 'count',
      message: `the request has ${count} files; this workspace allows at most ${policy.maxFiles} per request (combine files into a zip or split the request)`,
    },
  ];
}

/**
 * Checked when a request is submitted, against what is in its draft container at that moment: at
 * least one file, and no more than the workspace allows.
 */
export function checkSubmittable(files: readonly { name: string }[], policy: Pick<ContentPolicy, 'maxFiles'>): void {
  if (files.length === 0) throw new ValidationError('Request has no files: upload at least one file to the draft container before submitting');
  const [tooMany] = checkRequestFiles(files.length, policy);
  if (tooMany) throw new ValidationError(tooMany.message);
}

function executableMessage(name: string, { detected, claimed }: FileClassification): string {
  const why = 'executables and scripts cannot pass the airlock';
  if (detected === 'executable' && claimed && claimed !== 'executable') {
    return `${name}: the content is ${describeContent('executable')}, not ${claimed}; ${why}`;
  }
  if (detected === 'executable') return `${name}: the content is ${describeContent('executable')}; ${why}`;
  return `${name}: the extension .${extensionOf(name)} is that of a program or script; ${why}`;
}

function typeNotAllowedMessage(name: string, type: FileType, policy: ContentPolicy): string {
  const what = type === 'unknown' ? `the content is ${describeContent('unknown')}` : `${type} files are not allowed`;
  const allowed = policy.allowedTypes.length ? policy.allowedTypes.join(', ') : 'none';
  return `${name}: ${what} in this workspace (allowed: ${allowed})`;
}

const CONTENT_DESCRIPTIONS: Readonly<Record<FileType, string>> = {
  csv: 'text',
  tsv: 'text',
  txt: 'text',
  json: 'JSON text',
  svg: 'an SVG image',
  pdf: 'a PDF document',
  png: 'a PNG image',
  jpg: 'a JPEG image',
  gif: 'a GIF image',
  tiff: 'a TIFF image',
  parquet: 'a Parquet file',
  zip: 'a zip archive',
  xlsx: 'an Excel workbook',
  docx: 'a Word document',
  gzip: 'gzip-compressed data',
  executable: 'an executable program or script',
  unknown: 'of a type that could not be recognised',
};

export function describeContent(type: FileType): string {
  return CONTENT_DESCRIPTIONS[type];
}

/** "1.5 GiB, over this workspace's limit of 1 GiB" — exact bytes when rounding would hide the difference. */
export function describeOverLimit(actual: number, limit: number): string {
  const [actualText, limitText] =
    describeBytes(actual) === describeBytes(limit) ? [`${actual} bytes`, `${limit} bytes`] : [describeBytes(actual), describeBytes(limit)];
  return `${actualText}, over this workspace's limit of ${limitText}`;
}

const BYTE_UNITS = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];

export function describeBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  if (unit === 0) return `${bytes} bytes`;
  return `${Number(value.toFixed(value < 10 ? 2 : 1))} ${BYTE_UNITS[unit]}`;
}

// ---------------------------------------------------------------------------------------------
// Byte helpers

function ascii(text: string): number[] {
  return [...text].map((c) => c.charCodeAt(0));
}

function char(c: string): number {
  return c.charCodeAt(0);
}

function startsWith(bytes: Uint8Array, magic: Magic): boolean {
  return bytes.length >= magic.length && magic.every((byte, index) => bytes[index] === byte);
}

function endsWith(bytes: Uint8Array, magic: Magic): boolean {
  const offset = bytes.length - magic.length;
  return offset >= 0 && magic.every((byte, index) => bytes[offset + index] === byte);
}

function matchesAt(bytes: Uint8Array, position: number, text: string): boolean {
  for (let index = 0; index < text.length; index += 1) {
    if (bytes[position + index] !== text.charCodeAt(index)) return false;
  }
  return true;
}

function indexOf(bytes: Uint8Array, text: string, from: number): number {
  for (let position = from; position + text.length <= bytes.length; position += 1) {
    if (matchesAt(bytes, position, text)) return position;
  }
  return -1;
}

function isWhitespace(byte: number): boolean {
  return byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d;
}

function skipWhitespace(bytes: Uint8Array, from: number): number {
  let position = from;
  while (position < bytes.length && isWhitespace(bytes[position])) position += 1;
  return position;
}
