/**
 * The console served by the app (`GET /api/console/...`, `GET /api/console/config.json`) over a built
 * folder made for each test: only files inside it are served, whatever the path says; client-side
 * routes get the page; every answer carries the security headers; a console not built, or an Entra
 * ID sign-in not configured, is a 503 that says what to do.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { AirlockConfig, ConfigError, loadConfig } from '../../../src/config';
import { consoleHandlers, consolePathOf, defaultConsoleFolder } from '../../../src/functions/http/consoleAssets';

const TENANT = '11111111-2222-3333-4444-555555555555';
const SPA_CLIENT_ID = '99999999-8888-7777-6666-555555555555';
const INDEX_HTML = '<!doctype html><title>Airlock console</title><script src="assets/app-ABCD2345.js"></script>';
const APP_JS = 'console.log("app")';
const SECRET = 'the airlock\'s secret settings';

const localEnv = {
  AIRLOCK_TRE_ID: 'local',
  AIRLOCK_WORKSPACE_AUDIENCES: 'demo=api://airlock-local/workspaces/demo',
  AIRLOCK_AUTH_ISSUER: 'http://127.0.0.1:7071/local-issuer',
  AIRLOCK_AUTH_JWKS_URI: 'http://127.0.0.1:7071/local-issuer/.well-known/jwks.json',
  AIRLOCK_CORE_AUDIENCE: 'api://airlock-local/core',
  AIRLOCK_STATE_STORE: 'table',
  AIRLOCK_TABLE_CONNECTION_STRING: 'UseDevelopmentStorage=true',
  AIRLOCK_SCANNER: 'none',
  AIRLOCK_BLOB_ENDPOINT_TEMPLATE: 'http://127.0.0.1:10000/{account}',
  AIRLOCK_CONSOLE_SIGN_IN: 'local',
};

const azureEnv = {
  AIRLOCK_TRE_ID: 'mytre',
  AIRLOCK_WORKSPACE_AUDIENCES: 'ws01=00000000-0000-0000-0000-000000000001;ws02=00000000-0000-0000-0000-000000000002',
  AIRLOCK_AUTH_ISSUER: `https://login.microsoftonline.com/${TENANT}/v2.0`,
  AIRLOCK_AUTH_JWKS_URI: `https://login.microsoftonline.com/${TENANT}/discovery/v2.0/keys`,
  AIRLOCK_CORE_AUDIENCE: '00000000-0000-0000-0000-0000000000aa',
  AIRLOCK_COSMOS_ENDPOINT: 'https://cosmos.invalid',
  AIRLOCK_SCANNER: 'none',
  AIRLOCK_CONSOLE_CLIENT_ID: SPA_CLIENT_ID,
};

let root: string;
let folder: string;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'airlock-console-'));
  folder = join(root, 'dist', 'console');
  mkdirSync(join(folder, 'assets'), { recursive: true });
  writeFileSync(join(folder, 'index.html'), INDEX_HTML);
  writeFileSync(join(folder, 'assets', 'app-ABCD2345.js'), APP_JS);
  writeFileSync(join(folder, 'assets', 'app-ABCD2345.css'), 'body{}');
  writeFileSync(join(folder, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  // What a path that climbs out would reach: beside the console and above it.
  writeFileSync(join(root, 'dist', 'secret.txt'), SECRET);
  writeFileSync(join(root, 'secret.txt'), SECRET);
});

afterEach(() => rmSync(root, { recursive: true, force: true }));

function site(env: Record<string, string> = localEnv, at: string = folder) {
  const config: AirlockConfig = loadConfig(env);
  return consoleHandlers({ folder: at, config: () => config });
}

function get(handler: (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit>, path: string): Promise<HttpResponseInit> {
  return handler(new HttpRequest({ method: 'GET', url: `http://127.0.0.1:7071${path}` }), new InvocationContext({ functionName: 'console', logHandler: () => undefined }));
}

const headersOf = (response: HttpResponseInit) => response.headers as Record<string, string>;
const text = (response: HttpResponseInit) => Buffer.from(response.body as Uint8Array).toString('utf8');
const cspDirective = (response: HttpResponseInit, name: string) =>
  headersOf(response)['content-security-policy'].split(';').map((part) => part.trim()).find((part) => part.startsWith(`${name} `));

function expectSecurityHeaders(response: HttpResponseInit): void {
  const headers = headersOf(response);
  expect(headers['x-content-type-options']).toBe('nosniff');
  expect(headers['referrer-policy']).toBe('no-referrer');
  expect(cspDirective(response, 'script-src')).toBe("script-src 'self'");
  expect(cspDirective(response, 'style-src')).toBe("style-src 'self' 'unsafe-inline'");
  expect(cspDirective(response, 'img-src')).toBe("img-src 'self' blob: data:");
  expect(cspDirective(response, 'object-src')).toBe("object-src 'none'");
  expect(cspDirective(response, 'base-uri')).toBe("base-uri 'self'");
  expect(cspDirective(response, 'frame-ancestors')).toBe("frame-ancestors 'none'");
  expect(cspDirective(response, 'frame-src')).toMatch(/^frame-src 'self' blob:/);
}

describe('GET /api/console/...: the built console and nothing else', () => {
  test('the root serves index.html, never cached without asking, with the security headers', async () => {
    const response = await get(site().serveConsole, '/api/console/');
    expect(response.status).toBe(200);
    expect(text(response)).toBe(INDEX_HTML);
    expect(headersOf(response)['content-type']).toBe('text/html; charset=utf-8');
    expect(headersOf(response)['cache-control']).toBe('no-cache');
    expectSecurityHeaders(response);
  });

  test('without the trailing slash, a redirect to it (the page\'s asset paths are relative to /api/console/)', async () => {
    const response = await get(site().serveConsole, '/api/console');
    expect(response.status).toBe(302);
    expect(headersOf(response).location).toBe('/api/console/');
  });

  test('a hashed asset: its content type, cached for a year as immutable', async () => {
    const { serveConsole } = site();
    const script = await get(serveConsole, '/api/console/assets/app-ABCD2345.js');
    expect([script.status, text(script), headersOf(script)['content-type'], headersOf(script)['cache-control']]).toEqual([
      200,
      APP_JS,
      'text/javascript; charset=utf-8',
      'public, max-age=31536000, immutable',
    ]);
    const style = await get(serveConsole, '/api/console/assets/app-ABCD2345.css');
    expect(headersOf(style)['content-type']).toBe('text/css; charset=utf-8');
    expectSecurityHeaders(style);
    // Not under assets/ with a hash: it may change with the next build.
    const icon = await get(serveConsole, '/api/console/favicon.svg');
    expect([icon.status, headersOf(icon)['content-type'], headersOf(icon)['cache-control']]).toEqual([200, 'image/svg+xml', 'no-cache']);
  });

  test('a client-side route (no extension) gets the page; the page decides what it shows', async () => {
    const { serveConsole } = site();
    for (const path of ['/api/console/requests/demo/0f8fad5b-d9cb-469f-a165-70867728950e', '/api/console/review', '/api/console/no/such/page']) {
      const response = await get(serveConsole, path);
      expect([path, response.status, text(response), headersOf(response)['cache-control']]).toEqual([path, 200, INDEX_HTML, 'no-cache']);
    }
  });

  test('a missing asset: 404 with a detail, and still the security headers', async () => {
    const response = await get(site().serveConsole, '/api/console/assets/gone-ZZZZ2345.js');
    expect(response.status).toBe(404);
    expect(response.jsonBody).toEqual({ detail: "the console has no file 'assets/gone-ZZZZ2345.js'" });
    expectSecurityHeaders(response);
  });

  test.each([
    ['an encoded slash climbing out', '/api/console/..%2F..%2Fsecret.txt'],
    ['an encoded slash climbing out of assets', '/api/console/assets/..%2f..%2f..%2fsecret.txt'],
    ['encoded dots and slash', '/api/console/%2e%2e%2fsecret.txt'],
    ['an encoded backslash', '/api/console/..%5Csecret.txt'],
    ['a NUL', '/api/console/index.html%00.js'],
    ['a decoded backslash', '/api/console/assets%5c..%5c..%5csecret.txt'],
    ['a control character', '/api/console/a%0Ab'],
    ['an empty segment', '/api/console/assets//app-ABCD2345.js'],
    ['broken percent-encoding', '/api/console/%E0%A4%A.js'],
  ])('%s is refused with 400, never served: %s', async (_what, path) => {
    const response = await get(site().serveConsole, path);
    expect(response.status).toBe(400);
    expect(JSON.stringify(response.jsonBody)).toMatch(/^\{"detail":"the console path '.*'/);
    expect(response.body).toBeUndefined();
    expectSecurityHeaders(response);
  });

  test('dot segments the URL resolves leave the console entirely: nothing there is served', async () => {
    // The URL parser turns /api/console/../secret.txt into /api/secret.txt, which is no console path.
    const response = await get(site().serveConsole, '/api/console/../../secret.txt');
    expect(response.status).toBe(404);
    expect(response.body).toBeUndefined();
  });

  test('rebuilt under a running host: the new assets are found (the listing is read again on a miss)', async () => {
    const { serveConsole } = site();
    expect((await get(serveConsole, '/api/console/')).status).toBe(200);
    writeFileSync(join(folder, 'assets', 'app-NEWHASH2.js'), 'console.log("rebuilt")');
    const response = await get(serveConsole, '/api/console/assets/app-NEWHASH2.js');
    expect([response.status, text(response)]).toEqual([200, 'console.log("rebuilt")']);
  });

  test('a link inside the folder to a file outside it is not served', async () => {
    symlinkSync(join(root, 'secret.txt'), join(folder, 'assets', 'linked-ABCD2345.js'));
    const response = await get(site().serveConsole, '/api/console/assets/linked-ABCD2345.js');
    expect(response.status).toBe(404);
  });

  test('not built: 503 saying so and what to run; once built, the console is served', async () => {
    const empty = join(root, 'not-built');
    const { serveConsole } = site(localEnv, empty);
    const before = await get(serveConsole, '/api/console/');
    expect(before.status).toBe(503);
    expect((before.jsonBody as { detail: string }).detail).toMatch(/console was not built.*npm run build/);
    expectSecurityHeaders(before);
    mkdirSync(empty);
    writeFileSync(join(empty, 'index.html'), INDEX_HTML);
    expect(text(await get(serveConsole, '/api/console/'))).toBe(INDEX_HTML);
  });

  test('scripts may reach this API and the stage accounts the links point into, nothing else', async () => {
    const local = await get(site().serveConsole, '/api/console/');
    expect(cspDirective(local, 'connect-src')).toBe("connect-src 'self' http://127.0.0.1:10000");

    const azure = await get(site(azureEnv).serveConsole, '/api/console/');
    const origins = cspDirective(azure, 'connect-src')!.split(' ').slice(1);
    // Links go to the draft, in-progress and approved accounts of each type: three core, three per workspace.
    expect(origins.sort()).toEqual(
      [
        "'self'",
        'https://login.microsoftonline.com',
        'https://stalimexmytre.blob.core.windows.net',
        'https://stalimipmytre.blob.core.windows.net',
        'https://stalexappmytre.blob.core.windows.net',
        'https://stalimappwsws01.blob.core.windows.net',
        'https://stalexintwsws01.blob.core.windows.net',
        'https://stalexipwsws01.blob.core.windows.net',
        'https://stalimappwsws02.blob.core.windows.net',
        'https://stalexintwsws02.blob.core.windows.net',
        'https://stalexipwsws02.blob.core.windows.net',
      ].sort(),
    );
    // MSAL renews tokens in a hidden frame on the authority.
    expect(cspDirective(azure, 'frame-src')).toBe("frame-src 'self' blob: https://login.microsoftonline.com");
  });
});

describe('GET /api/console/config.json: how the console signs in', () => {
  test('on the local host: the development sign-in and its path', async () => {
    const response = await get(site().serveConsoleConfig, '/api/console/config.json');
    expect(response.status).toBe(200);
    expect(response.jsonBody).toEqual({ signIn: 'local', devSignInUrl: '/local/dev-sign-in' });
    expect(headersOf(response)['cache-control']).toBe('no-cache');
    expectSecurityHeaders(response);
    expect(cspDirective(response, 'connect-src')).not.toContain('login.microsoftonline.com');
  });

  test('in Azure: Entra ID with the SPA client id, the tenant read from the issuer, and the core scope from the audience', async () => {
    const response = await get(site(azureEnv).serveConsoleConfig, '/api/console/config.json');
    expect(response.status).toBe(200);
    expect(response.jsonBody).toEqual({
      signIn: 'entra',
      clientId: SPA_CLIENT_ID,
      authority: `https://login.microsoftonline.com/${TENANT}`,
      coreScope: 'api://00000000-0000-0000-0000-0000000000aa/user_impersonation',
    });
  });

  test('stated authority and scope win; a v1 issuer still names the tenant', async () => {
    const stated = await get(
      site({ ...azureEnv, AIRLOCK_CONSOLE_AUTHORITY: `https://login.microsoftonline.us/${TENANT}/`, AIRLOCK_CONSOLE_CORE_SCOPE: 'api://tre-core/user_impersonation' }).serveConsoleConfig,
      '/api/console/config.json',
    );
    expect(stated.jsonBody).toMatchObject({ authority: `https://login.microsoftonline.us/${TENANT}`, coreScope: 'api://tre-core/user_impersonation' });
    expect(cspDirective(stated, 'connect-src')).toContain('https://login.microsoftonline.us');
    const v1 = await get(site({ ...azureEnv, AIRLOCK_AUTH_ISSUER: `https://sts.windows.net/${TENANT}/` }).serveConsoleConfig, '/api/console/config.json');
    expect(v1.jsonBody).toMatchObject({ authority: `https://login.microsoftonline.com/${TENANT}` });
  });

  test('Entra ID without the client id: 503 naming the setting, and no half configuration', async () => {
    const env: Record<string, string> = { ...azureEnv };
    delete env.AIRLOCK_CONSOLE_CLIENT_ID;
    const response = await get(site(env).serveConsoleConfig, '/api/console/config.json');
    expect(response.status).toBe(503);
    expect((response.jsonBody as { detail: string }).detail).toMatch(/^the console's Entra ID sign-in is not configured: set AIRLOCK_CONSOLE_CLIENT_ID/);
    expect(response.jsonBody).not.toHaveProperty('signIn');
    expectSecurityHeaders(response);
  });

  test('Entra ID when no tenant can be known: 503 naming AIRLOCK_CONSOLE_AUTHORITY', async () => {
    const response = await get(site({ ...azureEnv, AIRLOCK_AUTH_ISSUER: 'https://issuer.example.org' }).serveConsoleConfig, '/api/console/config.json');
    expect(response.status).toBe(503);
    expect((response.jsonBody as { detail: string }).detail).toContain('AIRLOCK_CONSOLE_AUTHORITY');
  });

  test('a console setting given wrong stops the start, saying which and why', () => {
    const problems = (env: Record<string, string>) => {
      try {
        loadConfig({ ...azureEnv, ...env });
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        return (error as Error).message;
      }
      throw new Error('accepted');
    };
    expect(problems({ AIRLOCK_CONSOLE_SIGN_IN: 'password' })).toContain("AIRLOCK_CONSOLE_SIGN_IN must be 'entra' or 'local' (got 'password')");
    expect(problems({ AIRLOCK_CONSOLE_CLIENT_ID: 'my-spa' })).toContain("AIRLOCK_CONSOLE_CLIENT_ID must be the console's app registration client id, a GUID (got 'my-spa')");
    expect(problems({ AIRLOCK_CONSOLE_AUTHORITY: 'http://login.example.org/x' })).toContain('AIRLOCK_CONSOLE_AUTHORITY must be an https URL naming the tenant');
    expect(problems({ AIRLOCK_CONSOLE_CORE_SCOPE: 'user_impersonation' })).toContain('AIRLOCK_CONSOLE_CORE_SCOPE must be a scope');
  });
});

describe('consolePathOf: a request path as a key of the listing', () => {
  test('segments decoded once; the root is no key', () => {
    expect(consolePathOf('')).toBeUndefined();
    expect(consolePathOf('assets/app-ABCD2345.js')).toBe('assets/app-ABCD2345.js');
    expect(consolePathOf('assets/my%20file.js')).toBe('assets/my file.js');
    // Decoded once only: a doubly encoded slash stays text, and is looked up (and not found) as such.
    expect(consolePathOf('%252F')).toBe('%2F');
  });
});

test('the console folder is dist/console/ beside the package.json named airlock, from the sources and from the build', () => {
  const repo = join(__dirname, '..', '..', '..');
  expect(defaultConsoleFolder(join(repo, 'src', 'functions', 'http'))).toBe(join(repo, 'dist', 'console'));
  expect(defaultConsoleFolder(join(repo, 'dist', 'src', 'functions', 'http'))).toBe(join(repo, 'dist', 'console'));
});
