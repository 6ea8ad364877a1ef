/**
 * A tiny zip writer for test fixtures, so archive tests need no CLI tools: stored and deflated
 * entries, the "encrypted" flag (the bytes stay plain: readers refuse such members anyway), headers
 * that lie about sizes, and zips nested as members of zips. No zip64: fixtures stay below 4 GiB.
 */
import { crc32, deflateRawSync } from 'node:zlib';

export interface ZipEntrySpec {
  name: string;
  content: Buffer | string;
  /** default: deflated */
  method?: 'stored' | 'deflated';
  /** Sets general-purpose bit 0 ("encrypted") in both headers. */
  encrypted?: boolean;
  /** Writes this uncompressed size into the headers instead of the real one (a lying zip bomb). */
  declaredUncompressedSize?: number;
}

const LOCAL_FILE_HEADER = 0x04034b50;
const CENTRAL_DIRECTORY_HEADER = 0x02014b50;
const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
const FLAG_ENCRYPTED = 0x0001;
const FLAG_UTF8_NAMES = 0x0800;
const METHOD_STORED = 0;
const METHOD_DEFLATED = 8;
const VERSION_NEEDED = 20;
/** 2020-01-01 00:00 in MS-DOS format, so fixtures are byte-for-byte reproducible */
const DOS_TIME = 0;
const DOS_DATE = ((2020 - 1980) << 9) | (1 << 5) | 1;

interface WrittenEntry {
  name: Buffer;
  flags: number;
  method: number;
  crc: number;
  compressedSize: number;
  declaredSize: number;
  offset: number;
}

export function buildZip(entries: readonly ZipEntrySpec[]): Buffer {
  const parts: Buffer[] = [];
  const written: WrittenEntry[] = [];
  let offset = 0;
  for (const spec of entries) {
    const content = typeof spec.content === 'string' ? Buffer.from(spec.content) : spec.content;
    const method = spec.method === 'stored' ? METHOD_STORED : METHOD_DEFLATED;
    const data = method === METHOD_STORED ? content : deflateRawSync(content);
    const entry: WrittenEntry = {
      name: Buffer.from(spec.name, 'utf8'),
      flags: FLAG_UTF8_NAMES | (spec.encrypted ? FLAG_ENCRYPTED : 0),
      method,
      crc: crc32(content),
      compressedSize: data.length,
      declaredSize: spec.declaredUncompressedSize ?? content.length,
      offset,
    };
    const header = localFileHeader(entry);
    parts.push(header, data);
    offset += header.length + data.length;
    written.push(entry);
  }
  const centralDirectory = Buffer.concat(written.map(centralDirectoryHeader));
  parts.push(centralDirectory, endOfCentralDirectory(written.length, centralDirectory.length, offset));
  return Buffer.concat(parts);
}

/** A zip `depth` levels deep: depth 1 is a plain zip of `leaf`; each level wraps the previous as `level<n>.zip`. */
export function nestedZip(depth: number, leaf: ZipEntrySpec = { name: 'data.csv', content: 'a,b\n1,2\n' }): Buffer {
  let zip = buildZip([leaf]);
  for (let level = depth - 1; level >= 1; level -= 1) {
    zip = buildZip([{ name: `level${level + 1}.zip`, content: zip }]);
  }
  return zip;
}

function localFileHeader(entry: WrittenEntry): Buffer {
  const header = Buffer.alloc(30);
  header.writeUInt32LE(LOCAL_FILE_HEADER, 0);
  header.writeUInt16LE(VERSION_NEEDED, 4);
  header.writeUInt16LE(entry.flags, 6);
  header.writeUInt16LE(entry.method, 8);
  header.writeUInt16LE(DOS_TIME, 10);
  header.writeUInt16LE(DOS_DATE, 12);
  header.writeUInt32LE(entry.crc, 14);
  header.writeUInt32LE(entry.compressedSize, 18);
  header.writeUInt32LE(entry.declaredSize, 22);
  header.writeUInt16LE(entry.name.length, 26);
  header.writeUInt16LE(0, 28); // extra field length
  return Buffer.concat([header, entry.name]);
}

function centralDirectoryHeader(entry: WrittenEntry): Buffer {
  const header = Buffer.alloc(46);
  header.writeUInt32LE(CENTRAL_DIRECTORY_HEADER, 0);
  header.writeUInt16LE(VERSION_NEEDED, 4); // version made by (MS-DOS)
  header.writeUInt16LE(VERSION_NEEDED, 6);
  header.writeUInt16LE(entry.flags, 8);
  header.writeUInt16LE(entry.method, 10);
  header.writeUInt16LE(DOS_TIME, 12);
  header.writeUInt16LE(DOS_DATE, 14);
  header.writeUInt32LE(entry.crc, 16);
  header.writeUInt32LE(entry.compressedSize, 20);
  header.writeUInt32LE(entry.declaredSize, 24);
  header.writeUInt16LE(entry.name.length, 28);
  // extra field, comment, disk number, internal and external attributes: all zero
  header.writeUInt32LE(entry.offset, 42);
  return Buffer.concat([header, entry.name]);
}

function endOfCentralDirectory(entryCount: number, size: number, offset: number): Buffer {
  const record = Buffer.alloc(22);
  record.writeUInt32LE(END_OF_CENTRAL_DIRECTORY, 0);
  record.writeUInt16LE(entryCount, 8);
  record.writeUInt16LE(entryCount, 10);
  record.writeUInt32LE(size, 12);
  record.writeUInt32LE(offset, 16);
  return record;
}
