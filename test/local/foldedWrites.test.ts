/** Folded writes: one write at a time, and everything asked for meanwhile in the single next write. */
import { FoldedWrites } from '../../src/local/foldedWrites';

test('appends asked for during a write go out together, in order, and each caller learns when its own is written', async () => {
  const writes: string[] = [];
  let release!: () => void;
  const firstWrite = new Promise<void>((resolve) => (release = resolve));
  const folded = new FoldedWrites<string>(
    async (lines) => {
      if (writes.length === 0) await firstWrite;
      writes.push(lines);
    },
    (queued, added) => queued + added,
  );
  const done: string[] = [];
  const all = ['a', 'b', 'c', 'd'].map((line) => folded.submit(line).then(() => done.push(line)));
  await new Promise((resolve) => setImmediate(resolve));
  expect(done).toEqual([]);
  expect(folded.idle).toBe(false);
  release();
  await Promise.all(all);
  expect(writes).toEqual(['a', 'bcd']);
  expect(done).toEqual(['a', 'b', 'c', 'd']);
  expect(folded.idle).toBe(true);
});

test('a failure reaches only the callers whose values that write held', async () => {
  const folded = new FoldedWrites<number>(
    async (value) => {
      if (value === 2) throw new Error('no space left');
    },
    (_older, newer) => newer,
  );
  const outcomes = await Promise.allSettled([folded.submit(1), folded.submit(2), folded.submit(2)]);
  expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected', 'rejected']);
  await expect(folded.submit(3)).resolves.toBeUndefined();
  await folded.flushed();
});
