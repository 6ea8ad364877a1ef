/** Clocks, medians and waits shared by the benchmarks. */

export function seconds(since: number): number {
  return (performance.now() - since) / 1000;
}

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

/** The nearest-rank percentile: a value that was measured, never an interpolation between two. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1];
}

/** Runs `operation` `runs` times in a row and returns each run's seconds; progress goes to stderr. */
export async function timeRuns(label: string, runs: number, operation: (run: number) => Promise<void>): Promise<number[]> {
  const results: number[] = [];
  for (let run = 0; run < runs; run++) {
    const started = performance.now();
    await operation(run);
    results.push(seconds(started));
    progress(`  ${label}: run ${run + 1} ${results[run].toFixed(2)} s`);
  }
  return results;
}

export async function timed<T>(label: string, operation: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const result = await operation();
  progress(`${label}: ${seconds(started).toFixed(1)} s`);
  return result;
}

/** Progress of a long run, on stderr so that stdout holds the results alone. */
export function progress(line: string): void {
  process.stderr.write(`${line}\n`);
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Polls until `done` answers true. Polling is what a client of the API can do; the interval bounds
 * how late the end of a step is seen, so it is kept short for the steps timed one at a time.
 */
export async function waitUntil(what: string, done: () => Promise<boolean>, options: { timeoutMs: number; intervalMs?: number }): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    if (await done()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${options.timeoutMs / 1000} s waiting for ${what}`);
    await sleep(options.intervalMs ?? 50);
  }
}

/** Runs `task` on every item, at most `concurrency` at a time. */
export async function inParallel<T>(items: readonly T[], concurrency: number, task: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      for (let index = next++; index < items.length; index = next++) await task(items[index], index);
    }),
  );
}
