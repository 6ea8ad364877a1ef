/**
 * The content checks of one file of a request's in-progress copy: the pure checks of
 * `contentPolicy` on its first bytes and size, the whole-file checks of `activeContent` (PDF, SVG,
 * images, text) on every byte, streamed once, what the malware scanner can fully scan
 * (`scanCapacity`), and, for a zip, an inspection of its members.
 *
 * Everything is read through `StageStorage.readFile` in byte ranges: the head of the file, the zip's
 * central directory and its members' data, never the whole blob held at once. Zips are read with yauzl
 * through a random-access reader over those ranges. Member data is streamed; only a nested zip
 * (at most NESTED_ZIP_MEMORY_LIMIT_BYTES) is held in memory, because it must be read at random.
 *
 * What is allowed inside a zip is `archivePolicy`'s to say; this file reads the bytes and hands it
 * each member's header and first bytes.
 *
 * Fail closed: a zip that cannot be read, a member that cannot be inflated or whose header lies is a
 * finding. Bad content never throws; only storage failures do (and a blob that changes while it is
 * read), so the activity is retried rather than a verdict made on bytes we never saw.
 */
import { PassThrough, Readable } from 'node:stream';
import * as yauzl from 'yauzl';
import {
  ArchiveMember,
  archiveExpansionVerdict,
  archiveMemberContentVerdict,
  archiveMemberCountVerdict,
  archiveMemberVerdict,
  DEFLATED,
  describeArchivePath,
  isArchiveDirectory,
  isNestedArchive,
  memberReadVerdict,
  NESTED_ARCHIVE_MEMORY_LIMIT_BYTES,
  opensAsNestedArchive,
  unreadableArchiveFinding,
} from '../../domain/archivePolicy';
import { checkFile, classifyFile, CONTENT_HEAD_BYTES, CONTENT_TAIL_BYTES, ContentPolicy, detectContentType, FileType, Finding, FindingRule } from '../../domain/contentPolicy';
import { contentScanFor } from '../../domain/activeContent';
import { ConflictError } from '../../domain/errors';
import { expansionBeyondCapacity, fileBeyondCapacity, memberBeyondCapacity } from '../../domain/scanCapacity';
import { ContainerRef, StageStorage, StoredFile } from '../stageStorage';
import { errorText } from '../../domain/errorText';

export interface FileInspection {
  /** The type the allow-list judged (see `classifyFile`). */
  type: FileType;
  /** The blob version inspected: every byte read came from it, so a verdict can be tied to it. */
  etag: string;
  size: number;
  findings: Finding[];
  /** For a zip: its members, nested ones as `inner.zip > name`, capped at MAX_MEMBERS_LISTED. */
  members?: string[];
}

/** yauzl needs random access, so a nested zip is held in memory; the limit is the archive policy's. */
export const NESTED_ZIP_MEMORY_LIMIT_BYTES = NESTED_ARCHIVE_MEMORY_LIMIT_BYTES;
export const MAX_MEMBERS_LISTED = 1_000;
/** A zip bomb of ten thousand members should not yield ten thousand lines for the researcher. */
const MAX_FINDINGS_PER_RULE = 20;
/** Reads of zip metadata are rounded up to this, so one request serves many small headers. */
const READ_BLOCK_BYTES = 64 * 1024;
const CACHED_BLOCKS = 4;

/** Passed as copies: yauzl writes defaults into the options object it is given. */
const ZIP_OPTIONS: yauzl.Options = {
  lazyEntries: true,
  autoClose: false,
  decodeStrings: true, // also rejects absolute and ../ member names: such a zip is unreadable to us
  // Off because we count the inflated bytes ourselves: a member expanding beyond its declared size
  // must be a finding of its own, not one of yauzl's stream errors.
  validateEntrySizes: false,
  strictFileNames: false,
};

/**
 * Inspects the version of `file` its listing names: the caller lists the container once for all its
 * files (a listing per file made checking n files cost n listings). Every read insists on the listed
 * etag, so a file replaced since it was listed is a ConflictError, never a verdict on other bytes.
 */
export async function inspectFile(storage: StageStorage, ref: ContainerRef, file: StoredFile, policy: ContentPolicy): Promise<FileInspection> {
  const blob = new BlobSnapshot(storage, ref, file);
  const { name } = blob;
  const head = await blob.readBytes(0, Math.min(CONTENT_HEAD_BYTES, blob.size));
  const tail = detectContentType(head) === 'parquet' ? await blob.readBytes(blob.size - CONTENT_TAIL_BYTES, CONTENT_TAIL_BYTES) : undefined;
  const sample = { name, size: blob.size, head, tail };
  const { type, detected } = classifyFile(sample);
  const findings = checkFile(sample, policy);
  const beyondCapacity = policy.scanCapacity && fileBeyondCapacity(name, blob.size, policy.scanCapacity);
  if (beyondCapacity) findings.push(beyondCapacity);
  const version = { etag: blob.etag, size: blob.size };
  const wholeFileScan = contentScanFor(name, type);
  // A file blocked already is not read further: one reason is enough, and it may be huge.
  if (wholeFileScan && findings.length === 0) {
    for await (const chunk of blob.chunks()) wholeFileScan.write(chunk);
    findings.push(...wholeFileScan.finish());
  }
  if (detected !== 'zip') return { type, ...version, findings };

  const inspection = new ArchiveInspection(name, policy, blob);
  await inspection.inspectZip(() => openZip(new StageZipReader(blob), blob.size), [], 1);
  return { type, ...version, findings: [...findings, ...inspection.findings.toArray()], members: inspection.members.toArray() };
}

type MemberPath = readonly string[];

/** The state of one file's archive inspection, across all its nesting levels. */
class ArchiveInspection {
  readonly findings: FindingList;
  readonly members = new MemberList();
  private readonly budget: InflateBudget;
  /** what every level's headers declare, for the scanner's limit on one scan */
  private declaredExpanded = 0;

  constructor(
    private readonly fileName: string,
    private readonly policy: ContentPolicy,
    private readonly blob: BlobSnapshot,
  ) {
    this.findings = new FindingList(fileName);
    this.budget = new InflateBudget(policy.maxExpandedBytes);
  }

  /** Inspects the zip `open` yields, found at `path` inside the file, `depth` zips deep (the file itself is 1). */
  async inspectZip(open: () => Promise<yauzl.ZipFile>, path: MemberPath, depth: number): Promise<void> {
    let zip: yauzl.ZipFile;
    try {
      zip = await open();
    } catch (error) {
      this.unreadable(path, error);
      return;
    }
    try {
      const tooMany = archiveMemberCountVerdict(this.describe(path), zip.entryCount);
      if (tooMany) {
        this.findings.push(tooMany);
        return;
      }
      const entries = await readEntries(zip);
      const readable = this.checkHeaders(entries, path);
      for (const entry of readable) {
        if (this.budget.exhausted) break;
        await this.inspectMember(zip, entry, [...path, entry.fileName], depth);
      }
    } catch (error) {
      this.unreadable(path, error);
    } finally {
      zip.close();
    }
  }

  /** What the central directory alone tells; returns the members whose content is worth reading. */
  private checkHeaders(entries: readonly yauzl.Entry[], path: MemberPath): yauzl.Entry[] {
    const readable: yauzl.Entry[] = [];
    let declaredTotal = 0;
    for (const entry of entries) {
      const memberPath = [...path, entry.fileName];
      this.members.add(memberPath.join(' > '));
      if (isArchiveDirectory(entry)) continue;
      declaredTotal += entry.uncompressedSize;
      const beyondCapacity = this.policy.scanCapacity && memberBeyondCapacity(this.describe(memberPath), entry.uncompressedSize, this.policy.scanCapacity);
      if (beyondCapacity) this.findings.push(beyondCapacity);
      const finding = archiveMemberVerdict(this.memberOf(entry, memberPath), this.policy);
      if (finding) this.findings.push(finding);
      else if (!beyondCapacity) readable.push(entry);
    }
    this.declaredExpanded += declaredTotal;
    const beyondScan = this.policy.scanCapacity && expansionBeyondCapacity(this.describe([]), this.declaredExpanded, this.policy.scanCapacity);
    if (beyondScan) {
      this.findings.push(beyondScan);
      return [];
    }
    const beyondLimit = archiveExpansionVerdict(this.describe(path), declaredTotal, this.policy);
    if (beyondLimit) {
      this.findings.push(beyondLimit);
      return []; // blocked already; inflating up to the limit to learn more is not worth it
    }
    return readable;
  }

  private memberOf(entry: yauzl.Entry, memberPath: MemberPath): ArchiveMember {
    return {
      label: this.describe(memberPath),
      fileName: entry.fileName,
      encrypted: entry.isEncrypted(),
      compressionMethod: entry.compressionMethod,
      compressedSize: entry.compressedSize,
      uncompressedSize: entry.uncompressedSize,
    };
  }

  private async inspectMember(zip: yauzl.ZipFile, entry: yauzl.Entry, memberPath: MemberPath, depth: number): Promise<void> {
    const member = this.memberOf(entry, memberPath);
    let content: MemberContent;
    try {
      content = await this.readMember(zip, entry, depth);
    } catch (error) {
      this.unreadable(memberPath, error);
      return;
    }
    if (content.outcome !== 'complete' && content.outcome !== 'head-only') {
      this.findings.push(memberReadVerdict(content.outcome, member, this.describe([]), this.policy));
      return;
    }
    const verdict = archiveMemberContentVerdict(member, content.head, depth, this.policy);
    if (verdict !== 'open') {
      if (verdict) this.findings.push(verdict);
      return;
    }
    // The policy opens only what readMember keeps whole; anything else would be a member left unchecked.
    if (!content.whole) {
      this.unreadable(memberPath, new Error('its content was not kept for inspection'));
      return;
    }
    const bytes = content.whole;
    await this.inspectZip(() => openZipInMemory(bytes), memberPath, depth + 1);
  }

  /**
   * A deflated member is inflated to its end, counting the real bytes: headers can lie, so the
   * declared size is only trusted once the data bore it out. A stored member's size is its span in
   * the file, so only its head is read, unless it is a nested zip to open.
   */
  private async readMember(zip: yauzl.ZipFile, entry: yauzl.Entry, depth: number): Promise<MemberContent> {
    const opensAsNestedZip = (head: Buffer) => opensAsNestedArchive(entry, head, depth, this.policy);
    if (entry.compressionMethod === DEFLATED) {
      return drainMember(await openEntryStream(zip, entry), {
        declaredBytes: entry.uncompressedSize,
        budget: this.budget,
        // A nested zip we will not open is a finding whatever its size: no need to inflate the rest.
        plan: (head) => (opensAsNestedZip(head) ? 'keep-whole' : isNestedArchive(entry, head) ? 'head-only' : 'verify'),
      });
    }
    const headBytes = Math.min(entry.compressedSize, CONTENT_HEAD_BYTES);
    const head = await drainMember(await openEntryStream(zip, entry, { start: 0, end: headBytes }), {
      declaredBytes: headBytes,
      budget: this.budget,
      plan: () => 'verify',
    });
    if (head.outcome !== 'complete' || !opensAsNestedZip(head.head)) return head;
    return drainMember(await openEntryStream(zip, entry), { declaredBytes: entry.uncompressedSize, budget: this.budget, plan: () => 'keep-whole' });
  }

  /** A zip (or a member) that cannot be read is a finding, unless storage failed: then we throw. */
  private unreadable(path: MemberPath, error: unknown): void {
    this.blob.throwIfFailed();
    this.findings.push(unreadableArchiveFinding(this.describe(path), reasonOf(error)));
  }

  private describe(path: MemberPath): string {
    return describeArchivePath(this.fileName, path);
  }
}

// ---------------------------------------------------------------------------------------------
// Reading members

/** `head-only`: the read stopped after the head on purpose; the rest was not needed. */
type MemberOutcome = 'complete' | 'head-only' | 'over-declared-size' | 'under-declared-size' | 'over-budget';

interface MemberContent {
  outcome: MemberOutcome;
  /** the first CONTENT_HEAD_BYTES (or fewer) */
  head: Buffer;
  /** all of it, when the plan was `keep-whole` and it was read to the end */
  whole?: Buffer;
}

/** What to do with a member once its head is known: keep all of it, read it to the end without keeping it, or stop. */
type ReadPlan = 'keep-whole' | 'verify' | 'head-only';

interface DrainLimits {
  declaredBytes: number;
  budget: InflateBudget;
  plan(head: Buffer): ReadPlan;
}

/** Reads a member's bytes as they are inflated, stopping as soon as a limit is crossed. */
async function drainMember(stream: Readable, limits: DrainLimits): Promise<MemberContent> {
  const headChunks: Buffer[] = [];
  let headLength = 0;
  let plan: ReadPlan | undefined;
  let kept: Buffer[] = [];
  let total = 0;
  ignoreLateErrors(stream);
  // Leaving the loop early destroys the stream, which stops the download and the inflation.
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > limits.declaredBytes) return { outcome: 'over-declared-size', head: concatHead(headChunks) };
    if (!limits.budget.spend(chunk.length)) return { outcome: 'over-budget', head: concatHead(headChunks) };
    if (plan === undefined) {
      headChunks.push(chunk);
      headLength += chunk.length;
      if (headLength < CONTENT_HEAD_BYTES) continue;
      plan = limits.plan(concatHead(headChunks));
      if (plan === 'head-only') return { outcome: 'head-only', head: concatHead(headChunks) };
      if (plan === 'keep-whole') kept = [...headChunks];
    } else if (plan === 'keep-whole') {
      kept.push(chunk);
    }
  }
  const head = concatHead(headChunks);
  if (total < limits.declaredBytes) return { outcome: 'under-declared-size', head };
  if (plan === undefined) {
    // shorter than a head: all of it is in headChunks
    plan = limits.plan(head);
    kept = headChunks;
  }
  return { outcome: 'complete', head, whole: plan === 'keep-whole' ? Buffer.concat(kept) : undefined };
}

function concatHead(chunks: Buffer[]): Buffer {
  return Buffer.concat(chunks).subarray(0, CONTENT_HEAD_BYTES);
}

/** The real bytes inflated from one file, across all its nested zips: the last word on its expanded size. */
class InflateBudget {
  private spent = 0;
  exhausted = false;

  constructor(private readonly limit: number) {}

  spend(bytes: number): boolean {
    this.spent += bytes;
    if (this.spent > this.limit) this.exhausted = true;
    return !this.exhausted;
  }
}

// ---------------------------------------------------------------------------------------------
// yauzl, with promises (the v2 typings have none)

function openZip(reader: StageZipReader, size: number): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => {
    yauzl.fromRandomAccessReader(reader, size, { ...ZIP_OPTIONS }, (error, zip) => (error ? reject(error) : resolve(withErrorsHandled(zip))));
  });
}

function openZipInMemory(bytes: Buffer): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(bytes, { ...ZIP_OPTIONS }, (error, zip) => (error ? reject(error) : resolve(withErrorsHandled(zip))));
  });
}

/** yauzl may report an error after we stopped listening (e.g. closing); unhandled, it would crash the host. */
function withErrorsHandled(zip: yauzl.ZipFile): yauzl.ZipFile {
  zip.on('error', () => undefined);
  return zip;
}

function readEntries(zip: yauzl.ZipFile): Promise<yauzl.Entry[]> {
  return new Promise((resolve, reject) => {
    const entries: yauzl.Entry[] = [];
    const onEntry = (entry: yauzl.Entry) => {
      entries.push(entry);
      zip.readEntry();
    };
    const settle = () => {
      zip.off('entry', onEntry);
      zip.off('end', onEnd);
      zip.off('error', onError);
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
function openEntryStream(zip: yauzl.ZipFile, entry: yauzl.Entry, range?: { start: number; end: number }): Promise<Readable> {
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

function reasonOf(error: unknown): string {
  const message = errorText(error);
  return message.split('\n')[0];
}

// ---------------------------------------------------------------------------------------------
// Storage

/**
 * One version of one blob, read in ranges. Every read must come from the version listed; a change
 * since is a ConflictError. The size comes from the listing too, because Blob Storage refuses a range
 * read of an empty blob. The first storage failure is remembered, so a failure that reaches us
 * through yauzl as "the zip is unreadable" can still be told apart.
 */
class BlobSnapshot {
  private failure: { error: unknown } | undefined;
  readonly name: string;
  readonly size: number;
  readonly etag: string;

  constructor(
    private readonly storage: StageStorage,
    private readonly ref: ContainerRef,
    listed: StoredFile,
  ) {
    this.name = listed.name;
    this.size = listed.size;
    this.etag = listed.etag;
  }

  async readBytes(offset: number, count: number): Promise<Buffer> {
    if (count <= 0) return Buffer.alloc(0);
    try {
      const chunks: Buffer[] = [];
      let length = 0;
      for await (const chunk of await this.openSource(offset, count)) {
        const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
        chunks.push(bytes);
        length += bytes.length;
        if (length >= count) break;
      }
      return Buffer.concat(chunks).subarray(0, count);
    } catch (error) {
      throw this.remember(error);
    }
  }

  /** A stream of the range, returned at once (yauzl wants it synchronously) and filled once storage answers. */
  streamRange(offset: number, count: number): Readable {
    const output = new PassThrough();
    let source: NodeJS.ReadableStream | undefined;
    output.once('close', () => {
      if (source) destroyQuietly(source);
    });
    this.openSource(offset, count).then(
      (stream) => {
        if (output.destroyed) return destroyQuietly(stream);
        source = stream;
        stream.once('error', (error: Error) => {
          if (!output.destroyed) output.destroy(this.remember(error));
        });
        stream.pipe(output);
      },
      (error: Error) => output.destroy(this.remember(error)),
    );
    return output;
  }

  /** Every byte of this version, in order, as storage delivers them. */
  async *chunks(): AsyncGenerator<Uint8Array> {
    if (this.size === 0) return;
    try {
      for await (const chunk of await this.openSource(0, this.size)) yield typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    } catch (error) {
      throw this.remember(error);
    }
  }

  throwIfFailed(): void {
    if (this.failure) throw this.failure.error;
  }

  private async openSource(offset: number, count: number): Promise<NodeJS.ReadableStream> {
    const content = await this.storage.readFile(this.ref, this.name, { offset, count });
    if (content.etag !== this.etag) {
      destroyQuietly(content.stream);
      throw this.remember(new ConflictError(`${this.name} changed while its content was being checked; it will be checked again`));
    }
    return content.stream;
  }

  private remember<T>(error: T): T {
    this.failure ??= { error };
    return error;
  }
}

/**
 * yauzl over stage storage. Metadata reads (the end record, central directory, local headers) go
 * through a few cached blocks, so a zip of many small members costs few requests; member data is
 * streamed straight from storage.
 */
class StageZipReader extends yauzl.RandomAccessReader {
  private readonly blocks: Array<{ start: number; bytes: Buffer }> = [];

  constructor(private readonly blob: BlobSnapshot) {
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
    const blockEnd = Math.min(this.blob.size, position + Math.max(length, READ_BLOCK_BYTES));
    const bytes = await this.blob.readBytes(position, blockEnd - position);
    this.blocks.unshift({ start: position, bytes });
    this.blocks.length = Math.min(this.blocks.length, CACHED_BLOCKS);
    return bytes.subarray(0, length);
  }

  private cachedSlice(start: number, end: number): Buffer | undefined {
    const block = this.blocks.find((candidate) => candidate.start <= start && end <= candidate.start + candidate.bytes.length);
    return block?.bytes.subarray(start - block.start, end - block.start);
  }
}

function destroyQuietly(stream: NodeJS.ReadableStream): void {
  stream.on('error', () => undefined);
  const destroyable = stream as NodeJS.ReadableStream & { destroy?: () => void };
  destroyable.destroy?.();
}

/** Errors a stream raises after we stopped reading it (its download aborted) are no news. */
function ignoreLateErrors(stream: Readable): void {
  stream.on('error', () => undefined);
}

// ---------------------------------------------------------------------------------------------
// Report

/** Findings of one file, at most MAX_FINDINGS_PER_RULE per rule and a count of the rest. */
class FindingList {
  private readonly findings: Finding[] = [];
  private readonly overflow = new Map<FindingRule, number>();

  constructor(private readonly fileName: string) {}

  push(finding: Finding): void {
    const { rule } = finding;
    if (this.findings.filter((listed) => listed.rule === rule).length < MAX_FINDINGS_PER_RULE) {
      this.findings.push(finding);
    } else {
      this.overflow.set(rule, (this.overflow.get(rule) ?? 0) + 1);
    }
  }

  toArray(): Finding[] {
    const summaries = [...this.overflow].map(([rule, count]) => ({
      rule,
      message: `${this.fileName}: ${count} more members with the same problem (${rule})`,
    }));
    return [...this.findings, ...summaries];
  }
}

class MemberList {
  private readonly names: string[] = [];
  private unlisted = 0;

  add(name: string): void {
    if (this.names.length < MAX_MEMBERS_LISTED) this.names.push(name);
    else this.unlisted += 1;
  }

  toArray(): string[] {
    return this.unlisted ? [...this.names, `… and ${this.unlisted} more`] : [...this.names];
  }
}
