/**
 * What the deployment's malware scanner can scan in full. A scanner that meets content beyond its
 * limits may skip it and still answer "clean" (ClamAV 1.4 does so for a zip member over
 * MaxFileSize, whatever AlertExceedsMax says: Cisco-Talos/clamav#633), so the airlock never leaves
 * that judgement to the scanner: content it cannot fully scan is a finding of its own, whatever the
 * workspace's settings, and settings that would invite such content are refused. Pure.
 */
import { describeBytes, Finding } from './contentPolicy';

const MiB = 1024 * 1024;

export interface ScanCapacity {
  /** names the scanner and where its limits come from, in messages */
  scanner: string;
  /** the largest file it scans whole */
  maxFileBytes: number;
  /** the largest archive member it scans whole; undefined when it documents no such limit */
  maxMemberBytes?: number;
  /** the most one scan covers, archives expanded; undefined when it documents no such limit */
  maxScanBytes?: number;
}

/** The clamd.conf limits the deployment states (docs/clamav.md), in MiB as clamd.conf writes them. */
export interface ClamdLimits {
  maxFileSizeMb: number;
  maxScanSizeMb: number;
  streamMaxLengthMb: number;
}

/** What docs/clamav.md tells operators to put in clamd.conf. */
export const RECOMMENDED_CLAMD_LIMITS: ClamdLimits = { maxFileSizeMb: 2048, maxScanSizeMb: 4095, streamMaxLengthMb: 2048 };

/** libclamav clamps MaxFileSize (and so any one file or member it scans) to this, with a warning. */
export const LIBCLAMAV_MAX_FILE_BYTES = 2_147_483_645;

export function clamavCapacity(limits: ClamdLimits): ScanCapacity {
  const perFile = Math.min(limits.maxFileSizeMb * MiB, LIBCLAMAV_MAX_FILE_BYTES);
  return {
    scanner: `ClamAV (clamd MaxFileSize ${limits.maxFileSizeMb}M, StreamMaxLength ${limits.streamMaxLengthMb}M, MaxScanSize ${limits.maxScanSizeMb}M)`,
    // Past StreamMaxLength clamd stops reading the stream; past MaxFileSize it stops scanning.
    maxFileBytes: Math.min(perFile, limits.streamMaxLengthMb * MiB),
    maxMemberBytes: perFile,
    maxScanBytes: limits.maxScanSizeMb * MiB,
  };
}

/**
 * Microsoft documents the largest blob Defender for Storage scans as 50 GB (the "Not Scanned"
 * reason SAM259206 says so too); read as decimal gigabytes, the smaller reading. Defender reports
 * what it could not scan as "Not Scanned", which blocks, and documents no per-member limit.
 */
export const DEFENDER_CAPACITY: ScanCapacity = {
  scanner: 'Microsoft Defender for Storage (largest blob scanned: 50 GB)',
  maxFileBytes: 50 * 1000 ** 3,
};

/** The largest `maxFileSizeMb` a workspace may set with this scanner: whole MiB it scans in full. */
export function maxFileSizeMbFor(capacity: ScanCapacity): number {
  return Math.floor(capacity.maxFileBytes / MiB);
}

const WHY = 'content a scanner cannot fully scan never passes, whatever the settings';

/** Both sizes in words, in exact bytes when rounding would make them look the same. */
function sizes(actual: number, limit: number): [string, string] {
  const rounded = [describeBytes(actual), describeBytes(limit)] as [string, string];
  return rounded[0] === rounded[1] ? [`${actual} bytes`, `${limit} bytes`] : rounded;
}

export function fileBeyondCapacity(fileName: string, size: number, capacity: ScanCapacity): Finding | undefined {
  if (size <= capacity.maxFileBytes) return undefined;
  const [actual, limit] = sizes(size, capacity.maxFileBytes);
  return {
    rule: 'scan-capacity',
    message: `${fileName}: the file cannot be fully scanned: it is ${actual}, and ${capacity.scanner} scans files of at most ${limit}; ${WHY}`,
  };
}

/** `member` describes it in full ("data.zip: member big.bin"); `declaredBytes` is its expanded size. */
export function memberBeyondCapacity(member: string, declaredBytes: number, capacity: ScanCapacity): Finding | undefined {
  if (capacity.maxMemberBytes === undefined || declaredBytes <= capacity.maxMemberBytes) return undefined;
  const [actual, limit] = sizes(declaredBytes, capacity.maxMemberBytes);
  return {
    rule: 'scan-capacity',
    message: `${member} cannot be fully scanned: it expands to ${actual}, and ${capacity.scanner} scans archive members of at most ${limit}; ${WHY}`,
  };
}

/** `archive` describes the file ("data.zip: the zip"); `expandedBytes` counts every level of nesting. */
export function expansionBeyondCapacity(archive: string, expandedBytes: number, capacity: ScanCapacity): Finding | undefined {
  if (capacity.maxScanBytes === undefined || expandedBytes <= capacity.maxScanBytes) return undefined;
  const [actual, limit] = sizes(expandedBytes, capacity.maxScanBytes);
  return {
    rule: 'scan-capacity',
    message: `${archive} cannot be fully scanned: it expands to ${actual}, and ${capacity.scanner} scans at most ${limit} in one scan; ${WHY}`,
  };
}
