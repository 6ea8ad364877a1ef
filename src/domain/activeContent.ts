/**
 * Checks that need every byte of a file, fed in once as it streams: active content (PDF actions,
 * SVG scripts), markup passed off as plain text, executables hidden behind a PDF or image header,
 * and PDFs that are not what their header claims. Each check keeps only a bounded overlap of what it
 * has seen, so a match across two chunks is found and no file is ever held whole. Pure: the caller
 * reads the bytes.
 *
 * These are rules, not parsers: a PDF string that spells "/JS" or an SVG caption reading "once = 1"
 * blocks a harmless file. That is the side to err on; the reason says what was found.
 */
import { FileType, Finding } from './contentPolicy';

export interface ContentScan {
  /** the file's next bytes, in order */
  write(chunk: Uint8Array): void;
  /** What the whole file showed; called once, after the last chunk. */
  finish(): Finding[];
}

/** The whole-file checks for a file judged to be of `type`; undefined when its head says enough. */
export function contentScanFor(name: string, type: FileType): ContentScan | undefined {
  switch (type) {
    case 'pdf':
      return allOf(new PdfScan(name), new EmbeddedExecutableScan(name, 'PDF'));
    case 'png':
    case 'jpg':
    case 'gif':
    case 'tiff':
      return new EmbeddedExecutableScan(name, `${type.toUpperCase()} image`);
    case 'svg':
      return new MarkupScan(name, SVG_RULES, { decodeCharacterReferences: true });
    case 'txt':
    case 'csv':
    case 'tsv':
    case 'json':
      return new MarkupScan(name, textRules(type));
    default:
      return undefined;
  }
}

function allOf(...scans: ContentScan[]): ContentScan {
  return {
    write: (chunk) => scans.forEach((scan) => scan.write(chunk)),
    finish: () => scans.flatMap((scan) => scan.finish()),
  };
}

// ---------------------------------------------------------------------------------------------
// PDF

/** Names that make a PDF act when opened, and what to call them in the reason. */
const PDF_ACTIVE_NAMES: Readonly<Record<string, string>> = {
  JavaScript: 'JavaScript',
  JS: 'JavaScript',
  Launch: 'a launch action',
  EmbeddedFile: 'an embedded file',
  EmbeddedFiles: 'embedded files',
  RichMedia: 'rich media (Flash or video with scripts)',
};
/** PDF names are at most 127 bytes (ISO 32000-1, Annex C); longer ones are not among ours. */
const MAX_PDF_NAME_BYTES = 127;
/** Readers look for %%EOF within the last 1024 bytes (Adobe's implementation note 18). */
const PDF_EOF_WINDOW = 1024;
const SLASH = 0x2f;
const HASH = 0x23;

/**
 * The `#xx` escapes of PDF names are decoded before matching: `/J#61vaScript` is `/JavaScript` to a
 * reader. Names inside compressed object streams are not seen; docs/clamav.md says so.
 */
class PdfScan implements ContentScan {
  private readonly found = new Map<string, string>();
  private encrypted = false;
  /** the name being read (after its '/'), decoded; undefined outside a name */
  private name: number[] | undefined;
  /** hex digits of a `#xx` escape read so far */
  private escape = '';
  private readonly markers = new MarkerTracker(['%%EOF', 'startxref']);

  constructor(private readonly fileName: string) {}

  write(chunk: Uint8Array): void {
    this.markers.write(chunk);
    let index = 0;
    while (index < chunk.length) {
      if (this.name === undefined) {
        const slash = chunk.indexOf(SLASH, index);
        if (slash < 0) return;
        this.name = [];
        index = slash + 1;
        continue;
      }
      const byte = chunk[index];
      if (isPdfDelimiter(byte)) {
        this.endName();
        continue; // the delimiter may itself start the next name
      }
      this.addToName(byte);
      index += 1;
    }
  }

  finish(): Finding[] {
    this.endName();
    const findings: Finding[] = [];
    const { size } = this.markers;
    const eof = this.markers.last('%%EOF');
    const startxref = this.markers.last('startxref');
    const missing = [
      ...(eof === undefined || size - (eof + 5) > PDF_EOF_WINDOW ? ['no %%EOF at its end'] : []),
      ...(startxref === undefined || (eof !== undefined && startxref > eof) ? ['no startxref before %%EOF'] : []),
    ];
    if (missing.length) {
      findings.push({
        rule: 'malformed',
        message: `${this.fileName}: the file starts as a PDF but is not a well-formed one (${missing.join(', ')}); data after a PDF's end or a truncated PDF cannot pass as PDF`,
      });
    }
    if (this.found.size) {
      const what = [...new Set(this.found.values())].join(', ');
      const names = [...this.found.keys()].map((name) => `/${name}`).join(', ');
      findings.push({
        rule: 'active-content',
        message: `${this.fileName}: the PDF has active content: ${what} (${names}); PDFs that can run code or carry files when opened cannot pass the airlock`,
      });
    }
    if (this.encrypted) {
      findings.push({ rule: 'encrypted', message: `${this.fileName}: the PDF is encrypted (/Encrypt); encrypted content cannot be checked, so remove the password` });
    }
    return findings;
  }

  private addToName(byte: number): void {
    const name = this.name!;
    if (this.escape) {
      this.escape += String.fromCharCode(byte);
      if (this.escape.length < 3) return;
      const decoded = /^#[0-9a-fA-F]{2}$/.test(this.escape) ? parseInt(this.escape.slice(1), 16) : undefined;
      // A '#' without two hex digits is malformed; readers differ, so keep the raw bytes.
      const bytes = decoded === undefined ? [...this.escape].map((c) => c.charCodeAt(0)) : [decoded];
      this.escape = '';
      if (name.length <= MAX_PDF_NAME_BYTES) name.push(...bytes);
      return;
    }
    if (byte === HASH) this.escape = '#';
    else if (name.length <= MAX_PDF_NAME_BYTES) name.push(byte);
  }

  private endName(): void {
    if (this.name === undefined) return;
    if (this.escape) this.name.push(...[...this.escape].map((c) => c.charCodeAt(0)));
    const name = this.name.length <= MAX_PDF_NAME_BYTES ? String.fromCharCode(...this.name) : '';
    this.name = undefined;
    this.escape = '';
    if (name === 'Encrypt') this.encrypted = true;
    else if (Object.hasOwn(PDF_ACTIVE_NAMES, name)) this.found.set(name, PDF_ACTIVE_NAMES[name]);
  }
}

/** PDF white-space and delimiter characters (ISO 32000-1, 7.2.2): where a name ends. */
const PDF_DELIMITERS = new Set([0x00, 0x09, 0x0a, 0x0c, 0x0d, 0x20, ...asciiBytes('()<>[]{}/%')]);

function isPdfDelimiter(byte: number): boolean {
  return PDF_DELIMITERS.has(byte);
}

/** The last offset of each of a few ASCII markers in a stream, found across chunk boundaries. */
class MarkerTracker {
  private readonly patterns: Array<{ text: string; bytes: Uint8Array }>;
  private readonly lastSeen = new Map<string, number>();
  private carry = new Uint8Array(0);
  size = 0;

  constructor(markers: string[]) {
    this.patterns = markers.map((text) => ({ text, bytes: asciiBytes(text) }));
  }

  write(chunk: Uint8Array): void {
    const window = concat(this.carry, chunk);
    const windowStart = this.size - this.carry.length;
    for (const { text, bytes } of this.patterns) {
      for (let at = indexOfBytes(window, bytes, 0); at >= 0; at = indexOfBytes(window, bytes, at + 1)) this.lastSeen.set(text, windowStart + at);
    }
    this.size += chunk.length;
    const keep = Math.max(...this.patterns.map((pattern) => pattern.bytes.length)) - 1;
    this.carry = window.slice(Math.max(0, window.length - keep));
  }

  last(marker: string): number | undefined {
    return this.lastSeen.get(marker);
  }
}

// ---------------------------------------------------------------------------------------------
// Executables behind another format's header (polyglots)

/** How far past a signature its confirmation may lie: a PE header's offset is at most this. */
const MAX_PE_HEADER_OFFSET = 4096;
const EXECUTABLE_LOOKAHEAD = MAX_PE_HEADER_OFFSET + 4;

/**
 * A PE, ELF or Mach-O image anywhere after the first byte. Each signature is confirmed by the header
 * fields behind it (PE: the "PE\0\0" its e_lfanew points at; ELF: class, byte order and version;
 * Mach-O: a known CPU and file type), so that compressed image data does not trip it by chance.
 */
class EmbeddedExecutableScan implements ContentScan {
  private carry = new Uint8Array(0);
  /** file offset of carry[0] */
  private carryOffset = 0;
  private found: { kind: string; offset: number } | undefined;

  constructor(
    private readonly fileName: string,
    private readonly container: string,
  ) {}

  write(chunk: Uint8Array): void {
    if (this.found) return;
    const window = concat(this.carry, chunk);
    // Positions with their whole lookahead in the window are judged now; the rest wait for more bytes.
    const settled = Math.max(0, window.length - EXECUTABLE_LOOKAHEAD);
    this.search(window, settled);
    this.carry = window.slice(settled);
    this.carryOffset += settled;
  }

  finish(): Finding[] {
    if (!this.found) this.search(this.carry, this.carry.length);
    if (!this.found) return [];
    return [
      {
        rule: 'embedded-executable',
        message: `${this.fileName}: an executable program (${this.found.kind}) is hidden inside this ${this.container} at byte ${this.found.offset}; executables cannot pass the airlock`,
      },
    ];
  }

  private search(window: Uint8Array, end: number): void {
    for (const [firstByte, kindAt] of EXECUTABLE_PROBES) {
      for (let at = window.indexOf(firstByte); at >= 0 && at < end; at = window.indexOf(firstByte, at + 1)) {
        if (this.carryOffset + at === 0) continue; // the file's own header, judged by type detection
        const kind = kindAt(window, at);
        if (kind) {
          this.found = { kind, offset: this.carryOffset + at };
          return;
        }
      }
    }
  }
}

type Probe = (bytes: Uint8Array, at: number) => string | undefined;

const MACH_O_CPU_TYPES = new Set([7, 0x01000007, 12, 0x0100000c, 18, 0x01000012]);

const isElf: Probe = (bytes, at) =>
  bytes[at + 1] === 0x45 && bytes[at + 2] === 0x4c && bytes[at + 3] === 0x46 && [1, 2].includes(bytes[at + 4]) && [1, 2].includes(bytes[at + 5]) && bytes[at + 6] === 1
    ? 'ELF'
    : undefined;

const isPe: Probe = (bytes, at) => {
  if (bytes[at + 1] !== 0x5a || at + 0x40 > bytes.length) return undefined;
  const headerOffset = readUint32LE(bytes, at + 0x3c);
  if (headerOffset < 0x40 || headerOffset > MAX_PE_HEADER_OFFSET) return undefined;
  const pe = at + headerOffset;
  return bytes[pe] === 0x50 && bytes[pe + 1] === 0x45 && bytes[pe + 2] === 0 && bytes[pe + 3] === 0 ? 'Windows PE' : undefined;
};

/** Mach-O in either byte order: magic, then cputype and filetype (1-12) in the same order. */
function isMachO(magicTail: number[], littleEndian: boolean): Probe {
  return (bytes, at) => {
    if (at + 16 > bytes.length || !magicTail.every((byte, index) => bytes[at + 1 + index] === byte)) return undefined;
    const read = littleEndian ? readUint32LE : readUint32BE;
    const fileType = read(bytes, at + 12);
    return MACH_O_CPU_TYPES.has(read(bytes, at + 4)) && fileType >= 1 && fileType <= 12 ? 'Mach-O' : undefined;
  };
}

const EXECUTABLE_PROBES: ReadonlyArray<readonly [number, Probe]> = [
  [0x7f, isElf],
  [0x4d, isPe],
  [0xfe, isMachO([0xed, 0xfa, 0xce], false)],
  [0xfe, isMachO([0xed, 0xfa, 0xcf], false)],
  [0xce, isMachO([0xfa, 0xed, 0xfe], true)],
  [0xcf, isMachO([0xfa, 0xed, 0xfe], true)],
];

// ---------------------------------------------------------------------------------------------
// Markup: SVG's active parts, and HTML or XML passed off as text

interface MarkupRule {
  pattern: RegExp;
  /** what the match is, in the reason */
  what: string;
  /** judged on the start of the file only */
  atStart?: boolean;
}

/** Element and attribute names may carry a namespace prefix (`<svg:script>`), which changes nothing. */
const PREFIX = '(?:[a-z0-9_.-]{1,64}:)?';
/** Embedded images are fine; any other `data:` URL (HTML, SVG, scripts) is a document of its own. */
const NOT_LOCAL = '(?!#|data:image/(?:png|jpe?g|gif|webp)[;,])';

const SVG_RULES: readonly MarkupRule[] = [
  { pattern: new RegExp(`<${PREFIX}(?:script|handler|listener)[\\s>/]`), what: 'a script element' },
  { pattern: new RegExp(`[\\s/"']${PREFIX}on[a-z]{2,64} ?=`), what: 'an event-handler attribute (on...=)' },
  { pattern: /attributename ?= ?["'] ?on[a-z]/, what: 'an animation that sets an event handler' },
  { pattern: /(?:j ?a ?v ?a|v ?b) ?s ?c ?r ?i ?p ?t ?:/, what: 'a javascript: URL' },
  { pattern: new RegExp(`<${PREFIX}(?:foreignobject|iframe|embed|object)[\\s>/]`), what: 'embedded HTML or objects (<foreignObject>, <iframe>, <embed>, <object>)' },
  { pattern: new RegExp(`(?:^|[\\s/"':])(?:href|src) ?= ?["']? ?${NOT_LOCAL}[^\\s"'>]`), what: 'an external reference (href or src outside the image)' },
  { pattern: new RegExp(`url ?\\( ?["']? ?${NOT_LOCAL}[^\\s"')]`), what: 'an external reference (url(...) outside the image)' },
  { pattern: /@import|<\?xml-stylesheet/, what: 'an external style sheet' },
  { pattern: /<!entity/, what: 'an entity declaration (<!ENTITY>)' },
];

const HTML_TAGS = 'html|head|body|script|iframe|frame|frameset|object|embed|svg|math|meta|link|style|base|form|img';

function textRules(type: FileType): MarkupRule[] {
  return [
    { pattern: /<!doctype html/, what: 'HTML (<!DOCTYPE html>)' },
    { pattern: new RegExp(`<(${HTML_TAGS})[\\s>/]`), what: 'HTML' },
    { pattern: /^ ?<\?xml/, what: 'XML (<?xml ...?>)', atStart: true },
  ].map((rule) => ({ ...rule, what: `${rule.what}, not plain ${type === 'json' ? 'JSON' : 'text'}` }));
}

/** Normalised text kept from one chunk for the next: every rule's match is shorter. */
const MARKUP_OVERLAP = 512;
const START_LENGTH = 64;
const CHARACTER_REFERENCE = /&#(x[0-9a-f]{1,8}|[0-9]{1,10});?|&(colon|tab|newline);/gi;
const NAMED_REFERENCES: Readonly<Record<string, string>> = { colon: ':', tab: '\t', newline: '\n' };
const PARTIAL_REFERENCE = /&(?:#x?[0-9a-f]{0,10}|[a-z]{0,7})$/i;

/**
 * Text normalised as a browser would read it, then matched: decoded (UTF-8, or UTF-16 by its BOM),
 * lower-cased, runs of white space and control characters as one space (browsers drop tabs and
 * newlines inside URLs: "java&#9;script:"), and for SVG, character references decoded, since an XML
 * attribute value means what they spell.
 */
class MarkupScan implements ContentScan {
  private decoder: InstanceType<typeof TextDecoder> | undefined;
  private pending = '';
  private window = '';
  /** the first normalised characters, for the rules about how a file starts */
  private start = '';
  private readonly found = new Map<MarkupRule, string>();

  constructor(
    private readonly fileName: string,
    private readonly rules: readonly MarkupRule[],
    private readonly options: { decodeCharacterReferences?: boolean } = {},
  ) {}

  write(chunk: Uint8Array): void {
    this.decoder ??= new TextDecoder(utf16Order(chunk) ?? 'utf-8', { ignoreBOM: false });
    this.take(this.decoder.decode(chunk, { stream: true }), false);
  }

  finish(): Finding[] {
    this.take(this.decoder?.decode() ?? '', true);
    if (!this.found.size) return [];
    const what = [...new Set(this.found.values())];
    const isText = this.rules !== SVG_RULES;
    return [
      {
        rule: isText ? 'markup-in-text' : 'active-content',
        message: isText
          ? `${this.fileName}: the content is ${what[0]}; markup can run in a browser, so it cannot pass as text`
          : `${this.fileName}: the SVG has ${what.join(', ')}; SVG images that can run code or load content cannot pass the airlock`,
      },
    ];
  }

  private take(text: string, last: boolean): void {
    let raw = this.pending + text;
    this.pending = '';
    if (!last) {
      const partial = PARTIAL_REFERENCE.exec(raw);
      if (partial && this.options.decodeCharacterReferences) {
        this.pending = partial[0];
        raw = raw.slice(0, partial.index);
      }
    }
    let normalised = this.options.decodeCharacterReferences ? raw.replace(CHARACTER_REFERENCE, decodeReference) : raw;
    normalised = normalised.toLowerCase().replace(/[\u0000-\u0020\u007f]+/g, ' ');
    if (this.window.endsWith(' ') && normalised.startsWith(' ')) normalised = normalised.slice(1);
    const window = this.window + normalised;
    if (this.start.length < START_LENGTH) this.start = window.slice(0, START_LENGTH);
    for (const rule of this.rules) {
      if (!this.found.has(rule) && rule.pattern.test(rule.atStart ? this.start : window)) this.found.set(rule, rule.what);
    }
    this.window = window.slice(-MARKUP_OVERLAP);
  }
}

function decodeReference(reference: string, numeric: string | undefined, named: string | undefined): string {
  if (named) return NAMED_REFERENCES[named.toLowerCase()];
  const codePoint = numeric!.startsWith('x') || numeric!.startsWith('X') ? parseInt(numeric!.slice(1), 16) : parseInt(numeric!, 10);
  return codePoint > 0 && codePoint <= 0x10ffff ? String.fromCodePoint(codePoint) : reference;
}

function utf16Order(head: Uint8Array): 'utf-16le' | 'utf-16be' | undefined {
  if (head[0] === 0xff && head[1] === 0xfe) return 'utf-16le';
  if (head[0] === 0xfe && head[1] === 0xff) return 'utf-16be';
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Byte helpers

function asciiBytes(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (!a.length) return b;
  const joined = new Uint8Array(a.length + b.length);
  joined.set(a);
  joined.set(b, a.length);
  return joined;
}

function indexOfBytes(bytes: Uint8Array, pattern: Uint8Array, from: number): number {
  for (let at = bytes.indexOf(pattern[0], from); at >= 0 && at + pattern.length <= bytes.length; at = bytes.indexOf(pattern[0], at + 1)) {
    let matches = true;
    for (let index = 1; index < pattern.length && matches; index += 1) matches = bytes[at + index] === pattern[index];
    if (matches) return at;
  }
  return -1;
}

function readUint32LE(bytes: Uint8Array, at: number): number {
  return (bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16)) + bytes[at + 3] * 0x1000000;
}

function readUint32BE(bytes: Uint8Array, at: number): number {
  return bytes[at] * 0x1000000 + ((bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3]);
}
