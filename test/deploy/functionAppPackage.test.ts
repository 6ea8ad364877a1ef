/**
 * The package docs/deploy.md publishes (`npm run package`): it holds what Azure runs and nothing of the
 * local host or the toolchain, its production dependencies alone load the app, and the app it loads
 * registers every function the bicep event subscriptions deliver to.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import yauzl from 'yauzl';
import { readRepoFile, REPO_ROOT } from '../bicep/bicepParser';

const run = promisify(execFile);

function zipEntries(path: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    yauzl.open(path, { lazyEntries: true }, (error, zip) => {
      if (error || !zip) return reject(error);
      const names: string[] = [];
      zip.on('entry', (entry: yauzl.Entry) => {
        names.push(entry.fileName);
        zip.readEntry();
      });
      zip.on('end', () => resolve(names));
      zip.on('error', reject);
      zip.readEntry();
    });
  });
}

/** Loads the packaged app in a fresh Node process, as the worker would, and lists its registrations. */
async function registeredFunctions(packageDir: string): Promise<Record<string, string>> {
  const standIn = join(REPO_ROOT, 'dist', 'src', 'local', 'functionsCore.js');
  const script = [
    `const core = require(${JSON.stringify(standIn)});`,
    'core.installFunctionsCore();',
    `require(require('node:path').resolve(require(${JSON.stringify(join(packageDir, 'package.json'))}).main));`,
    'setImmediate(() => console.log(JSON.stringify(Object.fromEntries([...core.registrations.values()].map((r) => [r.name, core.triggerOf(r).type])))));',
  ].join('\n');
  const { stdout } = await run(process.execPath, ['-e', script], { cwd: packageDir, env: { PATH: process.env.PATH ?? '' } });
  return JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, string>;
}

describe('the Function App package', () => {
  const workDir = mkdtempSync(join(tmpdir(), 'airlock-package-'));
  const zipPath = join(workDir, 'airlock.zip');
  const packageDir = join(workDir, 'package');
  let entries: string[] = [];

  beforeAll(async () => {
    await run('bash', [join(REPO_ROOT, 'scripts', 'package-function-app.sh'), zipPath, '--keep-staging', packageDir], { cwd: REPO_ROOT, maxBuffer: 16 * 1024 * 1024 });
    entries = await zipEntries(zipPath);
  }, 300_000);

  afterAll(() => rmSync(workDir, { recursive: true, force: true }));

  it('holds the host configuration, the compiled app and its runtime dependencies', () => {
    const main = (JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { main: string }).main;
    expect(entries).toEqual(expect.arrayContaining(['host.json', 'package.json', main, 'node_modules/@azure/functions/package.json', 'node_modules/durable-functions/package.json']));
  });

  it('leaves out the local host, the tests and every development dependency', () => {
    const devDependencies = Object.keys((JSON.parse(readRepoFile('package.json')) as { devDependencies: Record<string, string> }).devDependencies);
    expect(devDependencies).toEqual(expect.arrayContaining(['azurite', 'jest', 'typescript']));
    const unwanted = entries.filter(
      (name) => /^dist\/(src\/local|test|bench)\//.test(name) || devDependencies.some((dev) => name.startsWith(`node_modules/${dev}/`)),
    );
    expect(unwanted).toEqual([]);
  });

  it('loads with its own dependencies and registers every function the event subscriptions name', async () => {
    const functions = await registeredFunctions(packageDir);
    const subscribed = [...readRepoFile('bicep/main.bicep').matchAll(/\/functions\/(\w+)'/g)].map((match) => match[1]);
    expect(subscribed.sort()).toEqual(['airlockNotifier', 'defenderScanResult']);
    for (const name of subscribed) expect([name, functions[name]]).toEqual([name, 'eventGridTrigger']);
    expect(functions).toMatchObject({ health: 'httpTrigger', createRequest: 'httpTrigger', airlockLifecycle: 'orchestrationTrigger', moveFiles: 'activityTrigger' });
  });
});
