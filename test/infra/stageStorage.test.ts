/**
 * How files are cut into blocks for their digests and copies, and how work on many blocks or files
 * is bounded: the pure parts of the stage storage contract.
 */
import { createHash } from 'node:crypto';
import { IntegrityError } from '../../src/domain/errors';
import { AZURE_BLOCK_LIMITS, blockBytesFor, blockDigestsOf, digestedBlocksOf, forEachBounded } from '../../src/infra/stageStorage';

const MiB = 1024 * 1024;
const md5 = (text: string) => createHash('md5').update(text).digest();

describe('blockBytesFor, with Azure limits', () => {
  test('a file up to 256 MiB is one block, copied in one call', () => {
    expect(blockBytesFor(0, AZURE_BLOCK_LIMITS)).toBe(1);
    expect(blockBytesFor(5, AZURE_BLOCK_LIMITS)).toBe(5);
    expect(blockBytesFor(256 * MiB, AZURE_BLOCK_LIMITS)).toBe(256 * MiB);
  });

  test('a larger file is 8 blocks, so its digests fit the request document and its blocks copy in parallel', () => {
    expect(blockBytesFor(256 * MiB + 1, AZURE_BLOCK_LIMITS)).toBe(32 * MiB + 1);
    expect(blockBytesFor(1024 * MiB, AZURE_BLOCK_LIMITS)).toBe(128 * MiB);
    expect(blockBytesFor(8 * 4000 * MiB, AZURE_BLOCK_LIMITS)).toBe(4000 * MiB);
  });

  test('blocks never exceed what one Put Block From URL copies, so a file beyond 8 of them has more: 13 at the largest file size a workspace allows', () => {
    const largestAllowed = 51_200 * MiB;
    const blockBytes = blockBytesFor(largestAllowed, AZURE_BLOCK_LIMITS);
    expect(blockBytes).toBe(4000 * MiB);
    expect(digestedBlocksOf('huge.bin', largestAllowed, blockDigestsOf(blockBytes, new Array<Buffer>(13).fill(md5('x'))))).toHaveLength(13);
  });
});

describe('digestedBlocksOf', () => {
  test('pairs each block, in order, the last holding the rest, with its recorded MD5', () => {
    const recorded = blockDigestsOf(4, [md5('a'), md5('b'), md5('c')]);
    expect(recorded.md5).toBe(Buffer.concat([md5('a'), md5('b'), md5('c')]).toString('base64'));
    expect(digestedBlocksOf('f', 10, recorded)).toEqual([
      { range: { offset: 0, count: 4 }, md5: md5('a') },
      { range: { offset: 4, count: 4 }, md5: md5('b') },
      { range: { offset: 8, count: 2 }, md5: md5('c') },
    ]);
    expect(digestedBlocksOf('empty', 0, blockDigestsOf(1, [md5('')]))).toEqual([{ range: { offset: 0, count: 0 }, md5: md5('') }]);
  });

  test.each([
    ['one digest too few', blockDigestsOf(4, [md5('a'), md5('b')])],
    ['one digest too many', blockDigestsOf(4, [md5('a'), md5('b'), md5('c'), md5('d')])],
    ['half a digest', { blockBytes: 4, md5: Buffer.concat([md5('a'), md5('b'), md5('c')]).subarray(0, 40).toString('base64') }],
    ['not base64', { blockBytes: 4, md5: `${blockDigestsOf(4, [md5('a'), md5('b'), md5('c')]).md5}!` }],
    ['no block size', { blockBytes: 0, md5: blockDigestsOf(4, [md5('a')]).md5 }],
  ])('digests that do not describe the file are an IntegrityError naming it: %s', (_case, blocks) => {
    expect(() => digestedBlocksOf('data.csv', 10, blocks)).toThrow(IntegrityError);
    expect(() => digestedBlocksOf('data.csv', 10, blocks)).toThrow(/^file 'data.csv' has block digests recorded that do not describe its 10 bytes \(\d+ base64 characters for blocks of \d+ bytes\)$/);
  });
});

describe('forEachBounded', () => {
  const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

  test('runs every item once, never more than the limit at once', async () => {
    let running = 0;
    let most = 0;
    const done: number[] = [];
    await forEachBounded([1, 2, 3, 4, 5, 6, 7], 3, async (item) => {
      running++;
      most = Math.max(most, running);
      await tick();
      done.push(item);
      running--;
    });
    expect(most).toBe(3);
    expect(done.sort()).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  test('after a failure starts nothing new, and throws it only once the work under way has ended', async () => {
    const started: number[] = [];
    let ended = 0;
    const failure = new Error('block 2 failed');
    const running = forEachBounded([1, 2, 3, 4, 5, 6], 2, async (item) => {
      started.push(item);
      if (item === 2) throw failure;
      await tick();
      ended++;
    });
    await expect(running).rejects.toBe(failure);
    expect(started).toEqual([1, 2]);
    expect(ended).toBe(1);
  });
});
