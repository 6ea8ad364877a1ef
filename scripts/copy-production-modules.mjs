#!/usr/bin/env node
// Stages the production dependencies of the lock file from this checkout's node_modules in a staging
// folder: what `npm ci --omit=dev --ignore-scripts` would install there, without npm extracting 130
// packages again from its cache (or the network). The installed tree must be the lock's: a package
// whose version differs from the lock's stops it, so the package holds exactly what was tested.
// Files are hard-linked where the filesystem allows (a staging folder is only read, by zip and the
// tests): creating 23,000 files costs seconds of system time on a slow disk, linking them a fraction.
//
//   node scripts/copy-production-modules.mjs STAGING_DIR
import { copyFileSync, existsSync, linkSync, mkdirSync, readdirSync, readFileSync, readlinkSync, symlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(fileURLToPath(import.meta.url), '..', '..');
const staging = process.argv[2];
if (!staging) {
  console.error('usage: copy-production-modules.mjs STAGING_DIR');
  process.exit(2);
}

const lock = JSON.parse(readFileSync(join(repoRoot, 'package-lock.json'), 'utf8'));
if (!lock.packages) {
  console.error('package-lock.json has no "packages" (lockfileVersion 2 or later is needed)');
  process.exit(1);
}

/** `from` into `to`, file by file (linked, or copied across filesystems), leaving out `skip`. */
function stageTree(from, to, skip) {
  mkdirSync(to, { recursive: true });
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const source = join(from, entry.name);
    const target = join(to, entry.name);
    if (source === skip) continue;
    if (entry.isDirectory()) stageTree(source, target, skip);
    else if (entry.isSymbolicLink()) symlinkSync(readlinkSync(source), target);
    else if (entry.isFile()) linkOrCopy(source, target);
  }
}

function linkOrCopy(source, target) {
  try {
    linkSync(source, target);
  } catch (error) {
    if (error.code !== 'EXDEV' && error.code !== 'EPERM' && error.code !== 'EMLINK') throw error;
    copyFileSync(source, target);
  }
}

const problems = [];
let copied = 0;
for (const [path, entry] of Object.entries(lock.packages)) {
  // '' is the project itself; dev-only packages are what --omit=dev leaves out.
  if (path === '' || !path.startsWith('node_modules/') || entry.dev) continue;
  if (entry.link || entry.inBundle || entry.hasInstallScript) {
    problems.push(`${path}: ${entry.link ? 'a link' : entry.inBundle ? 'bundled' : 'has an install script'}, which this copy does not handle; package with npm ci instead`);
    continue;
  }
  const source = join(repoRoot, path);
  const manifest = join(source, 'package.json');
  if (!existsSync(manifest)) {
    // An optional dependency for another platform is in the lock but never installed.
    if (entry.optional) continue;
    problems.push(`${path} is not installed: run npm ci`);
    continue;
  }
  const installed = JSON.parse(readFileSync(manifest, 'utf8')).version;
  if (entry.version && installed !== entry.version) {
    problems.push(`${path} is ${installed}, the lock says ${entry.version}: run npm ci`);
    continue;
  }
  // Its own node_modules holds packages the lock lists separately, each staged (or left out) on its own.
  stageTree(source, join(staging, path), join(source, 'node_modules'));
  copied++;
}

if (problems.length > 0) {
  console.error(`cannot stage the production dependencies:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.error(`staged ${copied} production packages`);
