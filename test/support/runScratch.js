// Jest's globalSetup: one folder per run for every temporary file the tests make (data directories of
// the hosts they start, Azurite's files, clamd's, Chromium's profiles), through TMPDIR, which the
// workers and the processes they start inherit. The summary reporter removes it once the run has
// passed, and names it when the run failed, so a run no longer leaves hundreds of MB behind in /tmp.
const { mkdtempSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

module.exports = async function runScratch() {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-test-run-'));
  process.env.AIRLOCK_TEST_RUN_DIR = dir;
  process.env.TMPDIR = dir;
};
