// Prints the closing line CI reads: "tests: N passed, N failed, N skipped", alone on a line; then
// removes the run's temporary folder (test/support/runScratch.js) if the run passed, or says where it is.
const { rmSync } = require('node:fs');

class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    process.stdout.write(`\ntests: ${results.numPassedTests} passed, ${results.numFailedTests} failed, ${skipped} skipped\n`);
    const scratch = process.env.AIRLOCK_TEST_RUN_DIR;
    if (!scratch) return;
    const passed = results.numFailedTests === 0 && results.numFailedTestSuites === 0 && results.numRuntimeErrorTestSuites === 0;
    if (passed) rmSync(scratch, { recursive: true, force: true, maxRetries: 3 });
    else process.stdout.write(`the run's temporary files (hosts' data directories, logs) are kept in ${scratch}\n`);
  }
}
module.exports = SummaryReporter;
