/**
 * The package docs/deploy.md publishes (`npm run package`): it holds what Azure runs and nothing of the
 * local host or the toolchain (so no development sign-in), its production dependencies alone load the
 * app, the app it loads registers every function the bicep event subscriptions deliver to, and it
 * serves the built console from inside the package.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
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

/**
 * Loads the packaged app in a fresh Node process, as the worker would, then runs `body` there (with
 * `core`, the stand-in holding the registrations, and `functions`, the package's @azure/functions) and
 * returns the JSON it prints.
 */
async function inPackagedApp<T>(packageDir: string, body: string, env: Record<string, string> = {}): Promise<T> {
  const standIn = join(REPO_ROOT, 'dist', 'src', 'local', 'functionsCore.js');
  const script = [
    `const core = require(${JSON.stringify(standIn)});`,
    'core.installFunctionsCore();',
    `require(require('node:path').resolve(require(${JSON.stringify(join(packageDir, 'package.json'))}).main));`,
    `const functions = require(${JSON.stringify(join(packageDir, 'node_modules', '@azure', 'functions'))});`,
    `setImmediate(async () => console.log(JSON.stringify(await (async () => { ${body} })())));`,
  ].join('\n');
  const { stdout } = await run(process.execPath, ['-e', script], { cwd: packageDir, env: { PATH: process.env.PATH ?? '', ...env } });
  return JSON.parse(stdout.trim().split('\n').pop()!) as T;
}

/** Every function the packaged app registers, with its trigger type. */
function registeredFunctions(packageDir: string): Promise<Record<string, string>> {
  return inPackagedApp(packageDir, 'return Object.fromEntries([...core.registrations.values()].map((r) => [r.name, core.triggerOf(r).type]));');
}

/** The routes of its HTTP functions, as the Functions host would serve them under /api. */
function httpRoutes(packageDir: string): Promise<string[]> {
  return inPackagedApp(
    packageDir,
    "return [...core.registrations.values()].map((r) => core.triggerOf(r)).filter((t) => t.type === 'httpTrigger').map((t) => t.route);",
  );
}

/** The settings the packaged app needs to load its configuration (nothing is connected to). */
const AZURE_LIKE_SETTINGS = {
  AIRLOCK_TRE_ID: 'pkgtest',
  AIRLOCK_WORKSPACE_AUDIENCES: 'ws01=00000000-0000-0000-0000-000000000001',
  AIRLOCK_AUTH_ISSUER: 'https://login.microsoftonline.com/11111111-2222-3333-4444-555555555555/v2.0',
  AIRLOCK_AUTH_JWKS_URI: 'https://login.microsoftonline.com/11111111-2222-3333-4444-555555555555/discovery/v2.0/keys',
  AIRLOCK_CORE_AUDIENCE: '00000000-0000-0000-0000-0000000000aa',
  AIRLOCK_COSMOS_ENDPOINT: 'https://cosmos.invalid',
  AIRLOCK_SCANNER: 'none',
};

describe('the Function App package', () => {
  const workDir = mkdtempSync(join(tmpdir(), 'airlock-package-'));
  const zipPath = join(workDir, 'airlock.zip');
  const packageDir = join(workDir, 'package');
  let entries: string[] = [];

  beforeAll(async () => {
    // dist/ as `npm test` built it: building again here would rewrite it under the end-to-end tests running beside this one.
    await run('bash', [join(REPO_ROOT, 'scripts', 'package-function-app.sh'), zipPath, '--keep-staging', packageDir, '--no-build'], {
      cwd: REPO_ROOT,
      maxBuffer: 16 * 1024 * 1024,
    });
    entries = await zipEntries(zipPath);
  }, 300_000);

  afterAll(() => rmSync(workDir, { recursive: true, force: true }));

  it('holds the host configuration, the compiled app and its runtime dependencies', () => {
    const main = (JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { main: string }).main;
    expect(entries).toEqual(expect.arrayContaining(['host.json', 'package.json', main, 'node_modules/@azure/functions/package.json', 'node_modules/durable-functions/package.json']));
  });

  it('leaves out the local host, the tests and every development dependency', () => {
    // What the lock file marks dev-only: a dev dependency that a production one also needs (the console's
    // @azure/msal-browser, which @azure/identity uses too) is not dev-only, and ships.
    const lock = JSON.parse(readRepoFile('package-lock.json')) as { packages: Record<string, { dev?: boolean }> };
    const devOnly = Object.entries(lock.packages).filter(([path, info]) => path !== '' && info.dev === true).map(([path]) => `${path}/`);
    expect(devOnly).toEqual(expect.arrayContaining(['node_modules/azurite/', 'node_modules/jest/', 'node_modules/typescript/', 'node_modules/react/', 'node_modules/playwright-core/']));
    const unwanted = entries.filter((name) => /^dist\/(src\/local|test|bench)\//.test(name) || devOnly.some((prefix) => name.startsWith(prefix)));
    expect(unwanted).toEqual([]);
  });

  it('loads with its own dependencies and registers every function the event subscriptions name', async () => {
    const functions = await registeredFunctions(packageDir);
    const subscribed = [...readRepoFile('bicep/main.bicep').matchAll(/\/functions\/(\w+)'/g)].map((match) => match[1]);
    expect(subscribed.sort()).toEqual(['airlockNotifier', 'defenderScanResult']);
    for (const name of subscribed) expect([name, functions[name]]).toEqual([name, 'eventGridTrigger']);
    expect(functions).toMatchObject({ health: 'httpTrigger', createRequest: 'httpTrigger', airlockLifecycle: 'orchestrationTrigger', moveFiles: 'activityTrigger' });
  });

  it('ships the built console, and the packaged app serves it from inside the package', async () => {
    const built = readdirSync(join(REPO_ROOT, 'dist', 'console'), { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => relative(REPO_ROOT, join(entry.parentPath, entry.name)).split(sep).join('/'));
    expect(built).toContain('dist/console/index.html');
    expect(entries).toEqual(expect.arrayContaining(built));
    const answer = await inPackagedApp<{ status: number; body: string; csp: string }>(
      packageDir,
      [
        "const serve = core.registrations.get('console').handler;",
        "const response = await serve(new functions.HttpRequest({ method: 'GET', url: 'http://127.0.0.1/api/console/' }), new functions.InvocationContext({ functionName: 'console' }));",
        "return { status: response.status, body: Buffer.from(response.body ?? '').toString('utf8'), csp: response.headers['content-security-policy'] };",
      ].join('\n'),
      AZURE_LIKE_SETTINGS,
    );
    expect(answer.status).toBe(200);
    expect(answer.body).toBe(readFileSync(join(packageDir, 'dist', 'console', 'index.html'), 'utf8'));
    expect(answer.csp).toContain("script-src 'self'");
  });

  it('holds no development sign-in: no local host code, and no function route under local/', async () => {
    expect(entries.filter((name) => /devSignIn|(^|\/)src\/local\//.test(name))).toEqual([]);
    const routes = await httpRoutes(packageDir);
    expect(routes).toEqual(expect.arrayContaining(['console', 'console/config.json', 'workspaces/{workspaceId}/requests']));
    expect(routes.filter((route) => /^\/?local(\/|$)/i.test(route) || /sign-in/i.test(route))).toEqual([]);
  });
});
