// typescript-eslint's recommended rules, without type information: TypeScript 7 ships no JS compiler
// API, so the parser runs on TypeScript 6 (package.json aliases `typescript` to @typescript/typescript6,
// while `tsc` comes from TypeScript 7 as @typescript/native). Type checking stays with `tsc`.
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig(
  { ignores: ['dist/', 'node_modules/', 'coverage/'] },
  {
    files: ['src/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    extends: [tseslint.configs.recommended],
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // A leading underscore marks a parameter that a signature must accept (handlers, stand-ins for the
      // worker's API) and a property split off with a rest pattern ({ _etag, ...rest }).
      '@typescript-eslint/no-unused-vars': ['error', {
        argsIgnorePattern: '^_',
        varsIgnorePattern: '^_',
        destructuredArrayIgnorePattern: '^_',
        ignoreRestSiblings: true,
      }],
      // A route made before the host listens may read a value known only after (the local issuer, whose
      // URL names the port): such a binding is a let assigned once, read first from a closure.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
    },
  },
  {
    // The browser console (console/, built by scripts/build-console.mjs), type-checked by its own
    // console/tsconfig.json; the same recommended rules as the server's code.
    files: ['console/**/*.{ts,tsx}'],
    extends: [tseslint.configs.recommended],
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true }],
    },
  },
  {
    // The local host requires in a set order (the functions-core stand-in before @azure/functions, the
    // app after it) and reaches into untyped package internals (Azurite's servers, durable-functions'
    // testing utilities); tests do the same, and jest.mock factories can only require.
    files: ['src/local/**/*.ts', 'test/**/*.ts'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Black-box tests read the HTTP API's JSON as any client would, untyped: typing the bodies with the
    // app's own types would check the code against itself.
    files: ['test/e2e/**/*.ts', 'test/chaos/**/*.ts', 'test/support/airlockClient.ts', 'test/support/eventSink.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
