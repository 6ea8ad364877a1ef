/**
 * Cross-origin access on the local host, as the Functions platform answers a browser: the TRE
 * portal calls the API with `mode: "cors"` and the headers Authorization, Content-Type and etag on
 * every call, so every call is preflighted (tre-facts §4).
 */
import { ConfigError } from '../../src/config';
import { parseCorsOrigins, preflightAnswer, responseCorsHeaders } from '../../src/local/corsPolicy';
import { LocalDurableBackend } from '../../src/local/durableBackend';
import { createHttpHost, HttpHost } from '../../src/local/httpHost';

const PORTAL = 'https://portal.tre.example.org';
const PORTAL_HEADERS = 'authorization,content-type,etag';

describe('the setting', () => {
  test('unset or empty: no cross-origin access', () => {
    expect(parseCorsOrigins(undefined)).toBeUndefined();
    expect(parseCorsOrigins(' , ')).toBeUndefined();
  });

  test('a list of origins, compared as browsers send them; or * alone', () => {
    const policy = parseCorsOrigins(`${PORTAL}, http://localhost:3000`)!;
    expect(responseCorsHeaders(policy, PORTAL)).toEqual({ 'access-control-allow-origin': PORTAL, vary: 'Origin' });
    expect(responseCorsHeaders(policy, 'http://localhost:3000')).toEqual({ 'access-control-allow-origin': 'http://localhost:3000', vary: 'Origin' });
    expect(responseCorsHeaders(policy, 'https://evil.example.org')).toEqual({});
    expect(responseCorsHeaders(policy, `${PORTAL}.evil.example.org`)).toEqual({});
    expect(responseCorsHeaders(policy, undefined)).toEqual({});
    expect(responseCorsHeaders(parseCorsOrigins('*')!, 'https://anyone.example.org')).toEqual({ 'access-control-allow-origin': '*' });
  });

  test('what is not an origin stops the start, naming it', () => {
    for (const [text, message] of [
      ['*,https://a.example.org', "'*' allows every origin and must stand alone"],
      ['https://a.example.org/path', "'https://a.example.org/path' is not an origin"],
      ['portal.example.org', "'portal.example.org' is not an origin"],
      ['ftp://a.example.org', "'ftp://a.example.org' is not an origin"],
    ]) {
      expect(() => parseCorsOrigins(text)).toThrow(ConfigError);
      expect(() => parseCorsOrigins(text)).toThrow(message);
    }
  });

  test('a preflight from an allowed origin is granted the method and headers it asks for; others get no grant', () => {
    const policy = parseCorsOrigins(PORTAL)!;
    expect(preflightAnswer(policy, { method: 'OPTIONS', origin: PORTAL, requestedMethod: 'POST', requestedHeaders: PORTAL_HEADERS })).toEqual({
      status: 204,
      headers: { 'access-control-allow-origin': PORTAL, vary: 'Origin', 'access-control-allow-methods': 'POST', 'access-control-allow-headers': PORTAL_HEADERS },
    });
    expect(preflightAnswer(policy, { method: 'OPTIONS', origin: 'https://evil.example.org', requestedMethod: 'POST' })).toEqual({ status: 204, headers: {} });
    // Not preflights: an OPTIONS without the request-method header, or any other method.
    expect(preflightAnswer(policy, { method: 'OPTIONS', origin: PORTAL })).toBeUndefined();
    expect(preflightAnswer(policy, { method: 'GET', origin: PORTAL, requestedMethod: 'GET' })).toBeUndefined();
  });
});

describe('the local host', () => {
  let durable: LocalDurableBackend;
  const hosts: HttpHost[] = [];

  async function hostWith(cors: string | undefined): Promise<string> {
    const host = createHttpHost({
      registrations: new Map(),
      durable,
      cors: parseCorsOrigins(cors),
      log: () => undefined,
      extraRoutes: [{ method: 'GET', path: '/api/ping', handle: async () => ({ status: 200, headers: { 'content-type': 'application/json' }, body: '{"ok":true}' }) }],
    });
    hosts.push(host);
    return host.listen(0);
  }

  beforeAll(() => {
    durable = new LocalDurableBackend({ registrations: new Map(), log: () => undefined });
  });
  afterAll(async () => {
    for (const host of hosts) await host.close();
    await durable.stop();
  });

  test("the portal's preflight and call succeed from an allowed origin", async () => {
    const origin = await hostWith(PORTAL);
    const preflight = await fetch(`${origin}/api/ping`, {
      method: 'OPTIONS',
      headers: { origin: PORTAL, 'access-control-request-method': 'GET', 'access-control-request-headers': PORTAL_HEADERS },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(PORTAL);
    expect(preflight.headers.get('access-control-allow-headers')).toBe(PORTAL_HEADERS);
    expect(preflight.headers.get('access-control-allow-methods')).toBe('GET');
    const call = await fetch(`${origin}/api/ping`, { headers: { origin: PORTAL } });
    expect(call.status).toBe(200);
    expect(call.headers.get('access-control-allow-origin')).toBe(PORTAL);
    // Errors carry the grant too, so the browser lets the portal read why.
    const missing = await fetch(`${origin}/api/nothing-here`, { headers: { origin: PORTAL } });
    expect(missing.status).toBe(404);
    expect(missing.headers.get('access-control-allow-origin')).toBe(PORTAL);
  });

  test('another origin gets no grant, so the browser refuses the call', async () => {
    const origin = await hostWith(PORTAL);
    const preflight = await fetch(`${origin}/api/ping`, { method: 'OPTIONS', headers: { origin: 'https://evil.example.org', 'access-control-request-method': 'GET' } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    expect((await fetch(`${origin}/api/ping`, { headers: { origin: 'https://evil.example.org' } })).headers.get('access-control-allow-origin')).toBeNull();
  });

  test('without the setting there is no cross-origin access: a preflight is an OPTIONS the app does not serve', async () => {
    const origin = await hostWith(undefined);
    const preflight = await fetch(`${origin}/api/ping`, { method: 'OPTIONS', headers: { origin: PORTAL, 'access-control-request-method': 'GET' } });
    expect(preflight.status).toBe(405);
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
  });
});
