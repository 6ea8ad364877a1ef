/**
 * scripts/copy-production-modules.mjs, which stages the package's dependencies: the lock's production
 * packages as installed, nested ones included, no dev-only package, and nothing staged from a tree
 * that is not the lock's.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../bicep/bicepParser';

const run = promisify(execFile);

/** A checkout of its own: the script, a lock, and node_modules with the given package.json versions. */
function checkout(lockPackages: Record<string, object>, installed: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'airlock-modules-'));
  mkdirSync(join(root, 'scripts'));
  copyFileSync(join(REPO_ROOT, 'scripts', 'copy-production-modules.mjs'), join(root, 'scripts', 'copy-production-modules.mjs'));
  writeFileSync(join(root, 'package-lock.json'), JSON.stringify({ lockfileVersion: 3, packages: { '': { name: 'app' }, ...lockPackages } }));
  for (const [path, version] of Object.entries(installed)) {
    mkdirSync(join(root, path), { recursive: true });
    writeFileSync(join(root, path, 'package.json'), JSON.stringify({ name: path.split('node_modules/').pop(), version }));
    writeFileSync(join(root, path, 'index.js'), `module.exports = ${JSON.stringify(version)};\n`);
  }
  return root;
}

async function stage(root: string, staging = join(root, 'staging')): Promise<{ code: number; stderr: string; staging: string }> {
  try {
    const { stderr } = await run(process.execPath, [join(root, 'scripts', 'copy-production-modules.mjs'), staging]);
    return { code: 0, stderr, staging };
  } catch (error) {
    const failed = error as { code: number; stderr: string };
    return { code: failed.code, stderr: failed.stderr, staging };
  }
}

const roots: string[] = [];
afterAll(() => roots.forEach((root) => rmSync(root, { recursive: true, force: true })));

test('stages the production packages as installed, nested ones included, and leaves out every dev-only one', async () => {
  const root = checkout(
    {
      'node_modules/prod': { version: '1.0.0' },
      'node_modules/prod/node_modules/inner': { version: '2.0.0' },
      'node_modules/tool': { version: '3.0.0', dev: true },
      'node_modules/tool/node_modules/helper': { version: '4.0.0', dev: true },
      'node_modules/other-platform': { version: '5.0.0', optional: true },
    },
    { 'node_modules/prod': '1.0.0', 'node_modules/prod/node_modules/inner': '2.0.0', 'node_modules/tool': '3.0.0', 'node_modules/tool/node_modules/helper': '4.0.0' },
  );
  roots.push(root);
  const { code, stderr, staging } = await stage(root);
  expect([code, stderr]).toEqual([0, 'staged 2 production packages\n']);
  expect(require(join(staging, 'node_modules/prod/index.js'))).toBe('1.0.0');
  expect(require(join(staging, 'node_modules/prod/node_modules/inner/index.js'))).toBe('2.0.0');
  expect(existsSync(join(staging, 'node_modules/tool'))).toBe(false);
  expect(existsSync(join(staging, 'node_modules/other-platform'))).toBe(false);
});

test('a package whose installed version is not the lock\'s, or that is missing, stops it and is named', async () => {
  const root = checkout(
    { 'node_modules/drifted': { version: '1.0.0' }, 'node_modules/absent': { version: '1.0.0' }, 'node_modules/fine': { version: '1.0.0' } },
    { 'node_modules/drifted': '1.0.1', 'node_modules/fine': '1.0.0' },
  );
  roots.push(root);
  const { code, stderr } = await stage(root);
  expect(code).toBe(1);
  expect(stderr).toContain('node_modules/drifted is 1.0.1, the lock says 1.0.0: run npm ci');
  expect(stderr).toContain('node_modules/absent is not installed: run npm ci');
  expect(stderr).not.toContain('node_modules/fine');
});

test('a package with an install script is refused, since copying would skip what npm ci runs', async () => {
  const root = checkout({ 'node_modules/native': { version: '1.0.0', hasInstallScript: true } }, { 'node_modules/native': '1.0.0' });
  roots.push(root);
  const { code, stderr } = await stage(root);
  expect(code).toBe(1);
  expect(stderr).toContain('node_modules/native: has an install script');
});

test('files are hard-linked into a staging folder on the same filesystem, and copied into one on another', async () => {
  const root = checkout({ 'node_modules/prod': { version: '1.0.0' } }, { 'node_modules/prod': '1.0.0' });
  roots.push(root);
  const installed = join(root, 'node_modules/prod/index.js');
  const linked = await stage(root);
  expect(linked.code).toBe(0);
  expect(statSync(join(linked.staging, 'node_modules/prod/index.js')).ino).toBe(statSync(installed).ino);

  // /dev/shm is a tmpfs of its own on Linux: linking there fails with EXDEV, and the file is copied.
  if (!existsSync('/dev/shm') || statSync('/dev/shm').dev === statSync(root).dev) {
    throw new Error('this test needs /dev/shm on a filesystem other than the temp dir, to stage across filesystems');
  }
  const elsewhere = mkdtempSync('/dev/shm/airlock-staging-');
  roots.push(elsewhere);
  const copied = await stage(root, join(elsewhere, 'staging'));
  expect(copied.code).toBe(0);
  const staged = join(copied.staging, 'node_modules/prod/index.js');
  expect(statSync(staged).ino).not.toBe(statSync(installed).ino);
  expect(require(staged)).toBe('1.0.0');
});
