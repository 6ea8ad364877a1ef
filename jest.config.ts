/** @jest-config-loader esbuild-register */
import type { Config } from 'jest';

export default {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // Azurite loads Application Insights without using it; outside jest, src/local/azuriteTelemetryOff.ts
  // skips it through require's cache, which jest's own module registry does not read.
  moduleNameMapper: { '^applicationinsights$': '<rootDir>/test/support/emptyModule.js' },
  setupFiles: ['<rootDir>/test/support/functionsCore.setup.ts'],
  // One temporary folder per run, removed by the summary reporter when the run passes.
  globalSetup: '<rootDir>/test/support/runScratch.js',
  transform: {
    '^.+\\.tsx?$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  testTimeout: 60_000,
  // A worker ends with about 800 MB resident; on this kind of VM a Node process that size takes 0.4-0.5 s
  // to be gone after its last file, at jest's default limit of 0.5 s, past which jest kills it and warns
  // of leaked handles that are not there (none is open at its end). A worker that truly hangs is still
  // killed after this, with the same warning.
  workerGracefulExitTimeout: 2_000,
  testSequencer: '<rootDir>/test/support/slowFirstSequencer.js',
  reporters: ['default', '<rootDir>/test/support/summaryReporter.js'],
} satisfies Config;
