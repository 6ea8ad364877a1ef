/**
 * What may be inside a zip that crosses the airlock: no encrypted members, only compression that can
 * be checked, no member expanding beyond the workspace's ratio (zip bombs), no programs or scripts,
 * nesting no deeper than the workspace allows, and no more than a file's worth of expanded bytes.
 * Pure: the content inspector reads the zip and hands each member's header and first bytes here.
 *
 * Fail closed: a header that cannot be trusted (sizes that disagree, an unknown compression method)
 * is a finding, not a member skipped.
 */
import { ContentPolicy, describeBytes, describeContent, detectContentType, Finding, isZipMagic, typeFromExtension } from './contentPolicy';

/** What a zip's central directory says about one member. */
export interface ArchiveMemberHeader {
  /** the member's name inside its zip, `/` separated */
  fileName: string;
  encrypted: boolean;
  /** 0 stored, 8 deflated, anything else unknown to us */
  compressionMethod: number;
  compressedSize: number;
  uncompressedSize: number;
}

/** A member as the researcher is told about it, "data.zip: member inner.zip > tool.exe", with its header. */
export interface ArchiveMember extends ArchiveMemberHeader {
  label: string;
}

export const STORED = 0;
export const DEFLATED = 8;

/**
 * A nested zip must be read whole into memory to be opened (a zip is read from its end, at random);
 * a bigger one is a finding rather than a member left unchecked.
 */
export const NESTED_ARCHIVE_MEMORY_LIMIT_BYTES = 64 * 1024 * 1024;
/** Each member costs reads and memory for its metadata; an archive with more is blocked, not half-checked. */
export const MAX_ARCHIVE_MEMBERS_INSPECTED = 10_000;

/** "data.zip: member inner.zip > tool.exe", or "data.zip: the zip" for the file itself. */
export function describeArchivePath(fileName: string, path: readonly string[]): string {
  return path.length ? `${fileName}: member ${path.join(' > ')}` : `${fileName}: the zip`;
}

export function isArchiveDirectory(member: Pick<ArchiveMemberHeader, 'fileName'>): boolean {
  return member.fileName.endsWith('/');
}

/** What the header alone tells against the policy; undefined when the member's content is worth reading. */
export function archiveMemberVerdict(member: ArchiveMember, policy: Pick<ContentPolicy, 'maxCompressionRatio'>): Finding | undefined {
  const { label } = member;
  if (member.encrypted) {
    return { rule: 'archive-encrypted', message: `${label} is encrypted; encrypted content cannot be checked, so remove the password` };
  }
  if (member.compressionMethod !== STORED && member.compressionMethod !== DEFLATED) {
    return {
      rule: 'archive-unreadable',
      message: `${label} uses compression method ${member.compressionMethod}, which cannot be checked; re-create the zip with standard (deflate) compression`,
    };
  }
  if (member.compressionMethod === STORED && member.compressedSize !== member.uncompressedSize) {
    return { rule: 'archive-unreadable', message: `${label} has inconsistent sizes in its header; the zip is damaged` };
  }
  const ratio = compressionRatio(member);
  if (ratio > policy.maxCompressionRatio) {
    return {
      rule: 'archive-ratio',
      message:
        `${label} expands ${describeRatio(ratio)}:1 (${describeBytes(member.uncompressedSize)} from ${describeBytes(member.compressedSize)}), ` +
        `over the limit of ${policy.maxCompressionRatio}:1 (such archives are treated as zip bombs)`,
    };
  }
  if (typeFromExtension(member.fileName) === 'executable') {
    return { rule: 'executable', message: `${label} is a program or script (by its extension); executables cannot pass the airlock` };
  }
  return undefined;
}

/**
 * What the headers of one zip declare together. No separate check of the archive's overall ratio:
 * it cannot exceed the largest member's.
 */
export function archiveExpansionVerdict(label: string, declaredBytes: number, policy: Pick<ContentPolicy, 'maxExpandedBytes'>): Finding | undefined {
  if (declaredBytes <= policy.maxExpandedBytes) return undefined;
  return {
    rule: 'archive-size',
    message: `${label} expands to ${describeBytes(declaredBytes)}, over this workspace's limit of ${describeBytes(policy.maxExpandedBytes)}`,
  };
}

export function archiveMemberCountVerdict(label: string, members: number): Finding | undefined {
  if (members <= MAX_ARCHIVE_MEMBERS_INSPECTED) return undefined;
  return { rule: 'archive-size', message: `${label} has ${members} members; at most ${MAX_ARCHIVE_MEMBERS_INSPECTED} can be checked` };
}

/** A member named .zip or starting like one is opened as a zip: an extension alone cannot hide one. */
export function isNestedArchive(member: Pick<ArchiveMemberHeader, 'fileName'>, head: Uint8Array): boolean {
  return typeFromExtension(member.fileName) === 'zip' || isZipMagic(head);
}

/**
 * Whether the member is a zip to open and inspect, as the next level down: within the policy's
 * depth and small enough to hold. `depth` is that of the zip the member is in (the file itself is 1).
 */
export function opensAsNestedArchive(member: Pick<ArchiveMemberHeader, 'fileName' | 'uncompressedSize'>, head: Uint8Array, depth: number, policy: Pick<ContentPolicy, 'maxArchiveDepth'>): boolean {
  return isNestedArchive(member, head) && depth + 1 <= policy.maxArchiveDepth && member.uncompressedSize <= NESTED_ARCHIVE_MEMORY_LIMIT_BYTES;
}

/**
 * What a member's first bytes tell, once its data bore out its header: a finding, `open` for a
 * nested zip to inspect at `depth + 1`, or undefined when the member passes.
 */
export function archiveMemberContentVerdict(
  member: ArchiveMember,
  head: Uint8Array,
  depth: number,
  policy: Pick<ContentPolicy, 'maxArchiveDepth'>,
): Finding | 'open' | undefined {
  const { label } = member;
  if (detectContentType(head) === 'executable') {
    return { rule: 'executable', message: `${label} is ${describeContent('executable')}; executables cannot pass the airlock` };
  }
  if (!isNestedArchive(member, head)) return undefined;
  if (depth + 1 > policy.maxArchiveDepth) {
    return { rule: 'archive-depth', message: `${label} is a zip nested ${depth + 1} levels deep; at most ${policy.maxArchiveDepth} levels are allowed` };
  }
  if (!opensAsNestedArchive(member, head, depth, policy)) {
    return {
      rule: 'archive-size',
      message: `${label} is a nested zip of ${describeBytes(member.uncompressedSize)}, too large to inspect (at most ${describeBytes(NESTED_ARCHIVE_MEMORY_LIMIT_BYTES)}); add its files to the outer zip instead`,
    };
  }
  return 'open';
}

/** How reading a member's data ended, when it did not bear out the header or the workspace's limit. */
export type MemberReadFailure = 'over-declared-size' | 'under-declared-size' | 'over-budget';

/**
 * Headers can lie, so the real bytes are counted as they are inflated; what the count shows.
 * `archiveLabel` names the whole file, whose expansion the budget is about.
 */
export function memberReadVerdict(
  failure: MemberReadFailure,
  member: ArchiveMember,
  archiveLabel: string,
  policy: Pick<ContentPolicy, 'maxExpandedBytes'>,
): Finding {
  switch (failure) {
    case 'over-declared-size':
      return {
        rule: 'archive-size',
        message: `${member.label} expands to more than the ${describeBytes(member.uncompressedSize)} its header declares (such archives are treated as zip bombs)`,
      };
    case 'under-declared-size':
      return { rule: 'archive-unreadable', message: `${member.label} expands to less than its header declares; the zip is damaged` };
    case 'over-budget':
      return { rule: 'archive-size', message: `${archiveLabel} expands to more than this workspace's limit of ${describeBytes(policy.maxExpandedBytes)}` };
  }
}

/** A zip or member that cannot be read cannot be checked, so it does not pass. */
export function unreadableArchiveFinding(label: string, reason: string): Finding {
  return { rule: 'archive-unreadable', message: `${label} cannot be read (${reason}); a damaged or unusual archive cannot be checked` };
}

function compressionRatio(member: Pick<ArchiveMemberHeader, 'compressedSize' | 'uncompressedSize'>): number {
  if (member.uncompressedSize === 0) return 0;
  // Nothing expanding into something is as bad as a ratio gets.
  return member.compressedSize === 0 ? Infinity : member.uncompressedSize / member.compressedSize;
}

function describeRatio(ratio: number): string {
  return Number.isFinite(ratio) ? String(Math.round(ratio)) : 'infinitely';
}
