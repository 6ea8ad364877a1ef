/**
 * Zips read with yauzl, with promises (its v2 typings have none), where they lie: in stage storage,
 * as one blob version read in ranges (the end record and the central directory through a few cached
 * blocks, member data streamed), or in memory, for a zip inside one (yauzl needs random access).
 *
 * A read that fails reaches the caller through yauzl as a zip it cannot read; `BlobVersion.throwIfFailed`
 * tells a storage failure apart from bad content.
 */
import { PassThrough, Readable } from 'node:stream';
import * as yauzl from 'yauzl';
import { errorText } from '../domain/errorText';
import { BlobVersion } from './blobVersion';

/** Reads of zip metadata are rounded up to this, so one storage request serves many small headers. */
const READ_BLOCK_BYTES = 64 * 1024;
const CACHED_BLOCKS = 4;

/** Passed as copies: yauzl writes defaults into the options object it is given. */
const ZIP_OPTIONS: yauzl.Options = {
  lazyEntries: true,
  autoClose: false,
  decodeStrings: true, // also rejects absolute and ../ member names: such a zip is unreadable to us
  // Off because callers count the inflated bytes themselves: a member expanding beyond its declared
  // size must be a finding of its own, not one of yauzl's stream errors.
  validateEntrySizes: false,
  strictFileNames: false,
};

/** The zip `blob` holds, its central directory read; the caller closes it. */
export function openZip(blob: BlobVersion): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => {
    yauzl.fromRandomAccessReader(new BlobZipReader(blob), blob.size, { ...ZIP_OPTIONS }, (error, zip) => (error ? reject(error) : resolve(withErrorsHandled(zip))));
  });
}

export function openZipInMemory(bytes: Buffer): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(bytes, { ...ZIP_OPTIONS }, (error, zip) => (error ? reject(error) : resolve(withErrorsHandled(zip))));
  });
}

/** The entries of the central directory, in order, at most `limit` of them. */
export function readEntries(zip: yauzl.ZipFile, limit = Infinity): Promise<yauzl.Entry[]> {
  return new Promise((resolve, reject) => {
    const entries: yauzl.Entry[] = [];
    const settle = () => {
      zip.off('entry', onEntry);
      zip.off('end', onEnd);
      zip.off('error', onError);
    };
    const onEntry = (entry: yauzl.Entry) => {
      entries.push(entry);
      if (entries.length >= limit) return onEnd();
      zip.readEntry();
    };
    const onEnd = () => {
      settle();
      resolve(entries);
    };
    const onError = (error: Error) => {
      settle();
      reject(error);
    };
    zip.on('entry', onEntry);
    zip.on('end', onEnd);
    zip.on('error', onError);
    zip.readEntry();
  });
}

/** The member's data: inflated, or raw bytes `start`..`end` of a stored member. */
export function openEntryStream(zip: yauzl.ZipFile, entry: yauzl.Entry, range?: { start: number; end: number }): Promise<Readable> {
  return new Promise((resolve, reject) => {
    const done = (error: Error | null, stream: Readable) => (error ? reject(error) : resolve(stream));
    try {
      if (range) zip.openReadStream(entry, { decompress: null, decrypt: null, ...range }, done);
      else zip.openReadStream(entry, done);
    } catch (error) {
      reject(error); // yauzl throws for options it finds invalid for this entry
    }
  });
}

/** Why yauzl could not read a zip, in one line. */
export function unreadableReason(error: unknown): string {
  return errorText(error).split('\n')[0];
}

/** yauzl may report an error after we stopped listening (e.g. closing); unhandled, it would crash the host. */
function withErrorsHandled(zip: yauzl.ZipFile): yauzl.ZipFile {
  zip.on('error', () => undefined);
  return zip;
}

/**
 * yauzl over one blob version. Metadata reads (the end record, central directory, local headers) go
 * through a few cached blocks, so a zip of many small members costs few requests; member data is
 * streamed straight from storage.
 */
class BlobZipReader extends yauzl.RandomAccessReader {
  private readonly blocks: Array<{ start: number; bytes: Buffer }> = [];

  constructor(private readonly blob: BlobVersion) {
    super();
  }

  override _readStreamForRange(start: number, end: number): Readable {
    const cached = this.cachedSlice(start, end);
    if (!cached) return this.blob.streamRange(start, end - start);
    const stream = new PassThrough();
    stream.end(cached);
    return stream;
  }

  override read(buffer: Buffer, offset: number, length: number, position: number, callback: (error: Error | null, bytesRead?: number) => void): void {
    this.bytesAt(position, length).then(
      (bytes) => {
        bytes.copy(buffer, offset);
        callback(null, bytes.length);
      },
      (error: Error) => callback(error),
    );
  }

  private async bytesAt(position: number, length: number): Promise<Buffer> {
    const cached = this.cachedSlice(position, position + length);
    if (cached) return cached;
    const bytes = await this.blob.bytes(position, Math.max(length, READ_BLOCK_BYTES));
    this.blocks.unshift({ start: position, bytes });
    this.blocks.length = Math.min(this.blocks.length, CACHED_BLOCKS);
    return bytes.subarray(0, length);
  }

  private cachedSlice(start: number, end: number): Buffer | undefined {
    const block = this.blocks.find((candidate) => candidate.start <= start && end <= candidate.start + candidate.bytes.length);
    return block?.bytes.subarray(start - block.start, end - block.start);
  }
}
