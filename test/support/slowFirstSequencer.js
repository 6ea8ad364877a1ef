// Runs the longest test files first, so that no worker is left running one alone at the end. Jest
// does this from the durations it cached in an earlier run; a clean checkout (CI) has none, and jest
// then orders by file size, which starts small files that start whole hosts (chaos.test.ts: 1 KiB,
// 45 s) last. Without a cached duration, a file that starts a host or a browser counts as long.
const Sequencer = require('@jest/test-sequencer').default;

const STARTS_A_HOST_OR_BROWSER = /[\\/]test[\\/](browser|chaos|e2e|deploy)[\\/]/;
const LONG_MS = 20_000;

class SlowFirstSequencer extends Sequencer {
  sort(tests) {
    const sorted = super.sort(tests);
    const estimate = (test) => test.duration ?? (STARTS_A_HOST_OR_BROWSER.test(test.path) ? LONG_MS : 0);
    const failed = new Set(sorted.filter((test) => this.hasFailed(test)));
    // Stable: among equal estimates (no duration, same kind) the default's order by size stays.
    return sorted
      .map((test, position) => ({ test, position }))
      .sort((a, b) => Number(failed.has(b.test)) - Number(failed.has(a.test)) || estimate(b.test) - estimate(a.test) || a.position - b.position)
      .map(({ test }) => test);
  }
}

module.exports = SlowFirstSequencer;
