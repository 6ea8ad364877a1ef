/**
 * How a file is cut into blocks for Put Block and how an interrupted upload resumes. Block ids are
 * derived from the block's index (and the file's identity), never random: after a dropped connection
 * or a reload, the same file gives the same ids, so the blocks the storage service already holds can
 * be recognised in its uncommitted block list and skipped.
 */

export const MIB = 1024 * 1024;
/** 8 MiB: large enough that a 1 GiB file is 128 requests, small enough that a retry costs little. */
export const DEFAULT_BLOCK_SIZE = 8 * MIB;
/** Azure Storage's limit on the blocks of one blob. */
export const MAX_BLOCKS = 50_000;

export interface BlockRange {
  index: number;
  /** first byte, inclusive */
  start: number;
  /** last byte, exclusive */
  end: number;
}

export function blockLength(block: BlockRange): number {
  return block.end - block.start;
}

/** The block size for a file: 8 MiB, or whole MiB large enough to stay within Azure's 50,000 blocks. */
export function blockSizeFor(fileSize: number): number {
  if (fileSize <= DEFAULT_BLOCK_SIZE * MAX_BLOCKS) return DEFAULT_BLOCK_SIZE;
  return Math.ceil(fileSize / MAX_BLOCKS / MIB) * MIB;
}

/** The file's bytes as consecutive blocks; an empty file has none (its block list commits an empty blob). */
export function planBlocks(fileSize: number, blockSize: number = blockSizeFor(fileSize)): BlockRange[] {
  if (!Number.isSafeInteger(fileSize) || fileSize < 0) throw new RangeError(`not a file size: ${fileSize}`);
  if (!Number.isSafeInteger(blockSize) || blockSize <= 0) throw new RangeError(`not a block size: ${blockSize}`);
  const blocks: BlockRange[] = [];
  for (let start = 0, index = 0; start < fileSize; start += blockSize, index += 1) {
    blocks.push({ index, start, end: Math.min(start + blockSize, fileSize) });
  }
  return blocks;
}

/**
 * A short tag for one version of a file (its size and modification time), part of every block id:
 * a different file uploaded under the same name gets other ids, so its blocks are never mixed with
 * the leftovers of an earlier attempt.
 */
export function fileFingerprint(size: number, lastModified: number): string {
  // FNV-1a, 32 bits: a collision only costs a resume that re-sends nothing it should have sent.
  let hash = 0x811c9dc5;
  for (const char of `${size}:${lastModified}`) {
    hash ^= char.charCodeAt(0);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}

/** Every id of a blob must have the same length; six digits cover MAX_BLOCKS. */
const INDEX_DIGITS = 6;

/** The block's id as Put Block takes it: Base64 of `<fingerprint>-<index, zero-padded>`. */
export function blockId(fingerprint: string, index: number): string {
  if (!Number.isInteger(index) || index < 0 || index >= MAX_BLOCKS) throw new RangeError(`block index out of range: ${index}`);
  return btoa(`${fingerprint}-${String(index).padStart(INDEX_DIGITS, '0')}`);
}

export interface StoredBlock {
  /** the id as the service lists it (Base64) */
  name: string;
  size: number;
}

/**
 * The blocks still to send, given the uncommitted blocks the service holds for the blob: a block
 * counts as there only when its id and its size both match (a block cut short is sent again).
 */
export function blocksToSend(blocks: readonly BlockRange[], ids: readonly string[], stored: readonly StoredBlock[]): BlockRange[] {
  const storedSize = new Map(stored.map((block) => [block.name, block.size]));
  return blocks.filter((block) => storedSize.get(ids[block.index]) !== blockLength(block));
}
