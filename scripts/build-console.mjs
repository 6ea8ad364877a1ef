/**
 * Builds the browser console (console/) into dist/console/: one ES module bundle with its lazily
 * loaded chunks (Entra ID's MSAL is fetched only when the deployment signs in with Entra ID), named by
 * content hash so a browser never runs a stale mix, and index.html naming them. The page carries no
 * inline script: the console's Content-Security-Policy forbids them.
 *
 * dist/console/ is this script's alone: it is emptied first, which also drops what `tsc -p
 * tsconfig.json` emitted there for the console modules the unit tests import.
 */
import { build } from 'esbuild';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist', 'console');
const started = Date.now();

await rm(outdir, { recursive: true, force: true });
await mkdir(outdir, { recursive: true });

const result = await build({
  absWorkingDir: root,
  entryPoints: { main: 'console/src/main.tsx' },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  jsx: 'automatic',
  minify: true,
  sourcemap: false,
  legalComments: 'linked',
  outdir,
  entryNames: 'assets/[name]-[hash]',
  chunkNames: 'assets/[name]-[hash]',
  assetNames: 'assets/[name]-[hash]',
  define: { 'process.env.NODE_ENV': '"production"' },
  metafile: true,
  logLevel: 'warning',
});

const entry = Object.entries(result.metafile.outputs).find(([, output]) => output.entryPoint === 'console/src/main.tsx');
if (!entry) throw new Error('esbuild wrote no bundle for console/src/main.tsx');
const [entryFile, entryOutput] = entry;
// Paths in index.html are relative to its <base href="/api/console/">, so they hold under every client-side route.
const assetPath = (file) => relative(outdir, join(root, file)).split('\\').join('/');
// The marker in console/index.html becomes the bundle's stylesheet and script, by their hashed names.
const tags = [];
if (entryOutput.cssBundle) tags.push(`<link rel="stylesheet" href="${assetPath(entryOutput.cssBundle)}" />`);
tags.push(`<script type="module" src="${assetPath(entryFile)}"></script>`);

const template = await readFile(join(root, 'console', 'index.html'), 'utf8');
if (!template.includes('<!--assets-->')) throw new Error('console/index.html has no <!--assets--> marker for the bundle');
const html = template
  .replace('<head>', '<head>\n    <base href="/api/console/" />')
  .replace('<!--assets-->', tags.join('\n    '));
await writeFile(join(outdir, 'index.html'), html);

const files = Object.keys(result.metafile.outputs).map((file) => basename(file));
console.log(`console: ${files.length} files in ${relative(root, outdir)}/ in ${Date.now() - started} ms`);
