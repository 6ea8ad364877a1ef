/**
 * The console's shell in a real browser, against the built local host: the host says where it is,
 * it is served with its security headers and runs under them (client-side routes included), its configuration says the local sign-in, paths that climb
 * out of it are refused, the development sign-in gives tokens the API accepts, a person signs in
 * through the form, the sign-in page has no serious accessibility problem, and the browser may put a
 * file straight into a draft container through the SAS link (the stage accounts answer its origin).
 */
import { request as httpRequest } from 'node:http';
import type { Page } from 'playwright-core';
import { describeInBrowser } from './support/chromium';
import { seriousAccessibilityViolations } from './support/accessibility';
import { ConsoleUnderTest, devSignIn, signIn, startConsoleUnderTest, storedSession } from './support/consoleUnderTest';
import { screenshot } from './support/screenshots';

/** A GET sent exactly as written: fetch and the browser would resolve the dot segments first. */
function rawGet(origin: string, path: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(origin);
  return new Promise((resolve, reject) => {
    const request = httpRequest({ hostname, port, path, method: 'GET' }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on('error', reject);
    request.end();
  });
}

describeInBrowser('the console in Chromium, served by the local host', () => {
  let airlock: ConsoleUnderTest;
  let page: Page;
  const policyViolations: string[] = [];

  /** A page whose every Content-Security-Policy refusal (the browser says so on its console) is kept. */
  async function watchedPage(): Promise<Page> {
    const opened = await airlock.newPage();
    opened.on('console', (message) => {
      if (/Content Security Policy|Refused to/i.test(message.text())) policyViolations.push(message.text());
    });
    return opened;
  }

  beforeAll(async () => {
    airlock = await startConsoleUnderTest({ workspaces: ['ws02'] });
    page = await watchedPage();
  }, 120_000);

  afterAll(() => airlock?.close(), 60_000);

  test('the host says where the console is when it starts', () => {
    expect(airlock.host.output()).toContain(`console: ${airlock.consoleUrl}`);
  });

  test('config.json says the local sign-in, where it is', async () => {
    const response = await fetch(`${airlock.consoleUrl}config.json`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ signIn: 'local', devSignInUrl: '/local/dev-sign-in' });
  });

  test('/api/console/ serves the page with its security headers, and the page runs under them', async () => {
    const response = await page.goto(airlock.consoleUrl);
    expect(response?.status()).toBe(200);
    const headers = response!.headers();
    expect(headers['content-type']).toBe('text/html; charset=utf-8');
    expect(headers['x-content-type-options']).toBe('nosniff');
    expect(headers['referrer-policy']).toBe('no-referrer');
    const policy = headers['content-security-policy'];
    expect(policy).toContain("script-src 'self'");
    expect(policy).toContain("frame-ancestors 'none'");
    // The SAS links point at Azurite: the page may reach it (one origin for every account), and nothing else beyond this one.
    expect(policy).toMatch(/(^|; )connect-src 'self' http:\/\/127\.0\.0\.1:\d+(;|$)/);
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    expect(policyViolations).toEqual([]);
  });

  test('a client-side route opened directly loads the console: its assets resolve against /api/console/, under the policy', async () => {
    const fresh = await watchedPage();
    const failed: string[] = [];
    fresh.on('response', (response) => {
      if (response.status() >= 400) failed.push(`${response.status()} ${response.url()}`);
    });
    const response = await fresh.goto(`${airlock.consoleUrl}requests/demo/0f8fad5b-d9cb-469f-a165-70867728950e`);
    expect(response?.status()).toBe(200);
    // Not signed in in this context: the console shows its sign-in, which only its script can draw.
    await fresh.getByRole('button', { name: 'Sign in' }).waitFor();
    expect(failed).toEqual([]);
    expect(policyViolations).toEqual([]);
  });

  test('a path that climbs out of the console is refused, and nothing outside it is served', async () => {
    const encoded = await rawGet(airlock.origin, '/api/console/..%2F..%2Fpackage.json');
    expect(encoded.status).toBe(400);
    const dotted = await rawGet(airlock.origin, '/api/console/../../package.json');
    expect(dotted.status).toBeGreaterThanOrEqual(400);
    for (const answer of [encoded, dotted]) expect(answer.body).not.toContain('"name": "airlock"');
  });

  test('/local/dev-sign-in gives tokens the API accepts: the core token lists the workspace, the workspace token reads it', async () => {
    const session = await devSignIn(airlock.origin, { user: 'carol', name: 'Carol', workspaces: { demo: ['WorkspaceResearcher'] } });
    const listed = await airlock.api.call('GET', '/workspaces', session.core.accessToken);
    expect(listed.status).toBe(200);
    expect(listed.body.workspaces.map((workspace: { id: string }) => workspace.id)).toEqual(['demo']);
    const requests = await airlock.api.call('GET', '/workspaces/demo/requests', session.workspaces.demo.accessToken);
    expect(requests.status).toBe(200);
  });

  test('a person signs in through the form, and the console keeps the session the host gave', async () => {
    const session = await signIn(page, { user: 'alice', name: 'Alice', workspaces: { demo: ['WorkspaceResearcher'], ws02: ['AirlockManager'] } });
    expect(session.user).toEqual({ id: 'alice', name: 'Alice' });
    expect(Object.keys(session.workspaces).sort()).toEqual(['demo', 'ws02']);
    expect((await storedSession(page)).core.accessToken).toBe(session.core.accessToken);
    const listed = await airlock.api.call('GET', '/workspaces', session.core.accessToken);
    expect(listed.body.workspaces.map((workspace: { id: string }) => workspace.id).sort()).toEqual(['demo', 'ws02']);
    expect(policyViolations).toEqual([]);
  });

  test('someone the form cannot describe (an administrator with no workspace role) is signed in directly, the same way', async () => {
    const fresh = await watchedPage();
    const session = await signIn(fresh, { user: 'root', workspaces: {}, coreRoles: ['TREAdmin'] });
    expect((await storedSession(fresh)).user.id).toBe('root');
    const settings = await airlock.api.call('GET', '/workspaces/demo/airlock-settings', session.core.accessToken);
    expect(settings.status).toBe(200);
  });

  test('the sign-in page has no serious or critical accessibility violation', async () => {
    const fresh = await watchedPage();
    await fresh.goto(airlock.consoleUrl);
    await fresh.getByRole('group', { name: 'Roles in workspace demo' }).waitFor();
    expect(await seriousAccessibilityViolations(fresh)).toEqual([]);
    await screenshot(fresh, 'console-sign-in');
  });

  test('the browser puts a file into a draft container through its SAS link: the stage account answers the console\'s origin', async () => {
    const { workspaces } = await devSignIn(airlock.origin, { user: 'dora', workspaces: { demo: ['WorkspaceResearcher'] } });
    const token = workspaces.demo.accessToken;
    const created = await airlock.api.call('POST', '/workspaces/demo/requests', token, { type: 'import', title: 'from the browser' });
    expect(created.status).toBe(201);
    const containerUrl = await airlock.api.waitForLink('demo', created.body.airlockRequest.id, token);
    const response = await page.goto(airlock.consoleUrl);
    expect(response!.headers()['content-security-policy']).toContain(`connect-src 'self' ${new URL(containerUrl).origin}`);
    const upload = await page.evaluate(async (url) => {
      const [base, sas] = url.split('?');
      const response = await fetch(`${base}/hello.csv?${sas}`, { method: 'PUT', headers: { 'x-ms-blob-type': 'BlockBlob', 'content-type': 'text/csv' }, body: 'a,b\n1,2\n' });
      return { status: response.status, etag: response.headers.get('etag') };
    }, containerUrl);
    expect(upload.status).toBe(201);
    expect(upload.etag).toBeTruthy();
    expect(policyViolations).toEqual([]);
  });
});
