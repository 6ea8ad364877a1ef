import {
  blockId,
  blockLength,
  blocksToSend,
  blockSizeFor,
  DEFAULT_BLOCK_SIZE,
  fileFingerprint,
  MAX_BLOCKS,
  MIB,
  planBlocks,
} from '../../console/src/upload/blockPlan';

describe('cutting a file into blocks', () => {
  it('uses 8 MiB blocks and a shorter last block, covering every byte once', () => {
    const size = 20 * MIB + 5;
    const blocks = planBlocks(size);
    expect(blocks.map(blockLength)).toEqual([8 * MIB, 8 * MIB, 4 * MIB + 5]);
    expect(blocks.map((block) => block.index)).toEqual([0, 1, 2]);
    for (let i = 1; i < blocks.length; i += 1) expect(blocks[i].start).toBe(blocks[i - 1].end);
    expect(blocks[0].start).toBe(0);
    expect(blocks[blocks.length - 1].end).toBe(size);
  });

  it('gives a file of exactly one block size one block, and an empty file none', () => {
    expect(planBlocks(DEFAULT_BLOCK_SIZE)).toEqual([{ index: 0, start: 0, end: DEFAULT_BLOCK_SIZE }]);
    expect(planBlocks(1)).toEqual([{ index: 0, start: 0, end: 1 }]);
    expect(planBlocks(0)).toEqual([]);
  });

  it('makes a 1 GiB file 128 blocks', () => {
    expect(planBlocks(1024 * MIB)).toHaveLength(128);
  });

  it('grows the block size in whole MiB for files beyond 50,000 blocks of 8 MiB', () => {
    expect(blockSizeFor(DEFAULT_BLOCK_SIZE * MAX_BLOCKS)).toBe(DEFAULT_BLOCK_SIZE);
    const huge = DEFAULT_BLOCK_SIZE * MAX_BLOCKS + 1;
    const size = blockSizeFor(huge);
    expect(size % MIB).toBe(0);
    expect(size).toBeGreaterThan(DEFAULT_BLOCK_SIZE);
    expect(planBlocks(huge, size).length).toBeLessThanOrEqual(MAX_BLOCKS);
  });

  it('refuses sizes that are not byte counts', () => {
    expect(() => planBlocks(-1)).toThrow(RangeError);
    expect(() => planBlocks(1.5)).toThrow(RangeError);
    expect(() => planBlocks(10, 0)).toThrow(RangeError);
  });
});

describe('block ids', () => {
  const fingerprint = fileFingerprint(20 * MIB, 1_700_000_000_000);

  it('are Base64 of the fingerprint and the zero-padded index, the same for the same block every time', () => {
    expect(atob(blockId(fingerprint, 7))).toBe(`${fingerprint}-000007`);
    expect(blockId(fingerprint, 7)).toBe(blockId(fingerprint, 7));
  });

  it('have one length for every block of a blob, as Azure requires, and differ per block', () => {
    const ids = [0, 9, 10, 999, 49_999].map((index) => blockId(fingerprint, index));
    expect(new Set(ids.map((id) => id.length)).size).toBe(1);
    expect(new Set(ids).size).toBe(ids.length);
    expect(atob(ids[0]).length).toBeLessThanOrEqual(64);
  });

  it('refuse an index beyond the 50,000 blocks a blob may have', () => {
    expect(() => blockId(fingerprint, MAX_BLOCKS)).toThrow(RangeError);
    expect(() => blockId(fingerprint, -1)).toThrow(RangeError);
  });

  it('differ for another version of the file (size or modification time), so leftovers are never reused', () => {
    expect(fileFingerprint(100, 1)).toBe(fileFingerprint(100, 1));
    expect(fileFingerprint(100, 1)).not.toBe(fileFingerprint(101, 1));
    expect(fileFingerprint(100, 1)).not.toBe(fileFingerprint(100, 2));
    expect(fileFingerprint(100, 1)).toMatch(/^[0-9a-f]{8}$/);
  });
});

describe('resuming an interrupted upload', () => {
  const size = 4 * DEFAULT_BLOCK_SIZE + 100;
  const blocks = planBlocks(size);
  const fingerprint = fileFingerprint(size, 42);
  const ids = blocks.map((block) => blockId(fingerprint, block.index));

  it('sends every block when the service holds none', () => {
    expect(blocksToSend(blocks, ids, [])).toEqual(blocks);
  });

  it('skips the blocks the service already holds whole, and sends the rest in order', () => {
    const stored = [
      { name: ids[0], size: DEFAULT_BLOCK_SIZE },
      { name: ids[2], size: DEFAULT_BLOCK_SIZE },
      { name: ids[4], size: 100 },
    ];
    expect(blocksToSend(blocks, ids, stored).map((block) => block.index)).toEqual([1, 3]);
  });

  it('sends again a block whose stored size does not match (cut short)', () => {
    const stored = [{ name: ids[1], size: DEFAULT_BLOCK_SIZE - 1 }];
    expect(blocksToSend(blocks, ids, stored).map((block) => block.index)).toEqual([0, 1, 2, 3, 4]);
  });

  it("ignores blocks left by another version of the file under the same name", () => {
    const otherIds = blocks.map((block) => blockId(fileFingerprint(size, 43), block.index));
    const stored = otherIds.map((name, index) => ({ name, size: blockLength(blocks[index]) }));
    expect(blocksToSend(blocks, ids, stored)).toHaveLength(blocks.length);
  });
});
