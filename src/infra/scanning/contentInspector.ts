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
import { Readable } from 'node:stream';
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
import { expansionBeyondCapacity, fileBeyondCapacity, memberBeyondCapacity } from '../../domain/scanCapacity';
import { BlobVersion } from '../blobVersion';
import { ContainerRef, StageStorage, StoredFile } from '../stageStorage';
import { openEntryStream, openZip, openZipInMemory, readEntries, unreadableReason } from '../zipOverStorage';

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

/**
 * Inspects the version of `file` its listing names: the caller lists the container once for all its
 * files (a listing per file made checking n files cost n listings). Every read insists on the listed
 * etag, so a file replaced since it was listed is a ConflictError, never a verdict on other bytes.
 */
export async function inspectFile(storage: StageStorage, ref: ContainerRef, file: StoredFile, policy: ContentPolicy): Promise<FileInspection> {
  const blob = new BlobVersion(storage, ref, file, `${file.name} changed while its content was being checked; it will be checked again`);
  const { name } = blob;
  const head = await blob.bytes(0, Math.min(CONTENT_HEAD_BYTES, blob.size));
  const tail = detectContentType(head) === 'parquet' ? await blob.bytes(blob.size - CONTENT_TAIL_BYTES, CONTENT_TAIL_BYTES) : undefined;
  const sample = { name, size: blob.size, head, tail };
  const { type, detected } = classifyFile(sample);
  const findings = checkFile(sample, policy);
  const beyondCapacity = policy.scanCapacity && fileBeyondCapacity(name, blob.size, policy.scanCapacity);
  if (beyondCapacity) findings.push(beyondCapacity);
  const version = { etag: blob.etag, size: blob.size };
  const wholeFileScan = contentScanFor(name, type);
  // A file blocked already is not read further: one reason is enough, and it may be huge.
  if (wholeFileScan && findings.length === 0) {
    // A file no longer than its head has been read whole already: one read per small file.
    if (head.length === blob.size) wholeFileScan.write(head);
    else for await (const chunk of await blob.stream()) wholeFileScan.write(chunk);
    findings.push(...wholeFileScan.finish());
  }
  if (detected !== 'zip') return { type, ...version, findings };

  const inspection = new ArchiveInspection(name, policy, blob);
  await inspection.inspectZip(() => openZip(blob), [], 1);
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
    private readonly blob: BlobVersion,
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
    this.findings.push(unreadableArchiveFinding(this.describe(path), unreadableReason(error)));
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
