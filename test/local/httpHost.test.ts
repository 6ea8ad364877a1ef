import { connect } from 'node:net';
import { app, HttpRequest } from '@azure/functions';
import * as df from 'durable-functions';
import { LocalDurableBackend } from '../../src/local/durableBackend';
import { registrations } from '../../src/local/functionsCore';
import { createHttpHost, HttpHost } from '../../src/local/httpHost';
import { compileRouteTemplate } from '../../src/local/routeTemplate';

// ---- toy functions (names unique to this file) -------------------------------------------------

df.app.orchestration('httpToyFlow', function* (context) {
  const input = context.df.getInput();
  context.df.setCustomStatus('awaiting approval');
  const approval: { note: string } = yield context.df.waitForExternalEvent('Approval');
  const shout: string = yield context.df.callActivity('httpToyShout', approval.note);
  return { input, shout };
});
df.app.activity('httpToyShout', { handler: (text: string) => text.toUpperCase() });

df.app.client.http('httpToyStart', {
  methods: ['POST'],
  route: 'toys/{id}/start',
  handler: async (request: HttpRequest, client: df.DurableClient) => {
    try {
      const id = await client.startNew('httpToyFlow', { instanceId: request.params.id, input: await request.json() });
      return { status: 202, jsonBody: { id } };
    } catch (error) {
      return { status: 409, jsonBody: { error: (error as Error).message } };
    }
  },
});
df.app.client.http('httpToyApprove', {
  methods: ['POST'],
  route: 'toys/{id}/approve',
  handler: async (request: HttpRequest, client: df.DurableClient) => {
    await client.raiseEvent(request.params.id, 'Approval', await request.json());
    return { status: 204 };
  },
});
df.app.client.http('httpToyStatus', {
  methods: ['GET'],
  route: 'toys/{id}',
  handler: async (request: HttpRequest, client: df.DurableClient) => {
    const status = await client.getStatus(request.params.id);
    return { jsonBody: { runtimeStatus: status.runtimeStatus, customStatus: status.customStatus, output: status.output } };
  },
});
df.app.client.http('httpToyCancel', {
  methods: ['POST'],
  route: 'toys/{id}/cancel',
  handler: async (request: HttpRequest, client: df.DurableClient) => {
    await client.terminate(request.params.id, 'cancelled by researcher');
    return { status: 204 };
  },
});

app.http('httpThings', {
  methods: ['GET', 'PUT'],
  route: 'things/{id}',
  handler: async (request, context) => ({
    status: 200,
    headers: { 'x-thing': 'yes' },
    cookies: [{ name: 'session', value: 'abc', httpOnly: true, path: '/' }],
    jsonBody: {
      id: request.params.id,
      q: request.query.get('q'),
      body: request.method === 'PUT' ? await request.json() : null,
      url: request.url,
      contentType: request.headers.get('content-type'),
      functionName: context.functionName,
      hasInvocationId: context.invocationId.length > 0,
      trigger: context.options.trigger.type,
    },
  }),
});
app.http('httpThingsMine', { methods: ['GET'], route: 'things/mine', handler: async () => ({ jsonBody: { mine: true } }) });
app.http('httpBoom', {
  methods: ['GET'],
  route: 'boom',
  handler: async () => {
    throw new Error('secret detail that must not leak');
  },
});

// ---- host ---------------------------------------------------------------------------------------

const logs: string[] = [];
const SYSTEM_KEY = 'system-key-of-this-test';
let durable: LocalDurableBackend;
let host: HttpHost;
let origin: string;

beforeAll(async () => {
  durable = new LocalDurableBackend({ registrations, log: (line) => logs.push(line) });
  host = createHttpHost({
    registrations,
    durable,
    systemKey: SYSTEM_KEY,
    log: (line) => logs.push(line),
    extraRoutes: [{ method: 'GET', path: '/extra/ping', handle: async () => ({ status: 200, headers: { 'content-type': 'text/plain' }, body: 'pong' }) }],
  });
  origin = await host.listen(0);
});

afterAll(async () => {
  await host.close();
  await durable.stop();
});

const api = (path: string) => `${origin}/api/${path}`;
const postJson = (url: string, body: unknown) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

// ---- tests --------------------------------------------------------------------------------------

test('listen resolves with a loopback origin on a free port', () => {
  expect(origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  expect(host.origin).toBe(origin);
});

test('route parameters, query, JSON body, headers and cookies reach and leave the function', async () => {
  const response = await fetch(api('things/42?q=hello%20world'), {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ colour: 'blue' }),
  });
  expect(response.status).toBe(200);
  expect(response.headers.get('x-thing')).toBe('yes');
  expect(response.headers.get('content-type')).toMatch(/application\/json/);
  expect(response.headers.getSetCookie()).toEqual(['session=abc; Path=/; HttpOnly']);
  expect(await response.json()).toEqual({
    id: '42',
    q: 'hello world',
    body: { colour: 'blue' },
    url: `${origin}/api/things/42?q=hello%20world`,
    contentType: 'application/json',
    functionName: 'httpThings',
    hasInvocationId: true,
    trigger: 'httpTrigger',
  });
});

test('literal segments win over parameters and match case-insensitively; parameters are percent-decoded', async () => {
  expect(await (await fetch(api('THINGS/Mine'))).json()).toEqual({ mine: true });
  expect(await (await fetch(api('things/7'))).json()).toMatchObject({ id: '7' });
  expect(await (await fetch(api('Things/a%20b%2Fc'))).json()).toMatchObject({ id: 'a b/c' });
  expect(await (await fetch(api('things/7/'))).json()).toMatchObject({ id: '7' });
  expect((await fetch(api('things/7/more'))).status).toBe(404);
  expect((await fetch(api('things'))).status).toBe(404);
});

test('route shapes the app never registers are refused when the host compiles them, not served differently from Azure', () => {
  for (const template of ['files/{id:guid}', 'files/{*path}', 'pages/{page?}', 'pages/{page=1}', 'files/{name}.{ext}']) {
    expect(() => compileRouteTemplate(template)).toThrow(`route '${template}'`);
  }
  expect(compileRouteTemplate('workspaces/{workspaceId}/requests/{requestId}/link').match('/Workspaces/ws1/requests/r%201/LINK')).toEqual({
    workspaceId: 'ws1',
    requestId: 'r 1',
  });
});

test('unknown paths are 404 and known routes with the wrong method are 405', async () => {
  const missing = await fetch(api('nothing/here'));
  expect(missing.status).toBe(404);
  expect(await missing.json()).toEqual({ detail: 'no route for GET /api/nothing/here' });

  const wrongMethod = await fetch(api('things/1'), { method: 'DELETE' });
  expect(wrongMethod.status).toBe(405);
  expect(wrongMethod.headers.get('allow')).toBe('GET, PUT');
});

test('a handler that throws is a 500 without details, and the error is logged', async () => {
  const response = await fetch(api('boom'));
  expect(response.status).toBe(500);
  const text = await response.text();
  expect(JSON.parse(text)).toEqual({ detail: 'internal error' });
  expect(text).not.toContain('secret');
  expect(logs.some((line) => line.startsWith('[error]') && line.includes('secret detail that must not leak'))).toBe(true);
});

test('request bodies over 10 MiB are refused with 413', async () => {
  const response = await fetch(api('things/1'), { method: 'PUT', body: Buffer.alloc(10 * 1024 * 1024 + 1, 0x61) });
  expect(response.status).toBe(413);
  const justUnder = await fetch(api('things/1'), { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify('a'.repeat(1024)) });
  expect(justUnder.status).toBe(200);
});

test('extra routes are served next to the functions', async () => {
  const response = await fetch(`${origin}/extra/ping`);
  expect(response.status).toBe(200);
  expect(await response.text()).toBe('pong');
  expect((await fetch(`${origin}/extra/ping`, { method: 'POST' })).status).toBe(405);
});

test('the real DurableClient starts, observes and completes an orchestration over HTTP', async () => {
  const started = await postJson(api('toys/t1/start'), { requestId: 'r1' });
  expect(started.status).toBe(202);
  expect(await started.json()).toEqual({ id: 't1' });
  await durable.idle();

  expect(await (await fetch(api('toys/t1'))).json()).toEqual({ runtimeStatus: 'Running', customStatus: 'awaiting approval', output: null });

  // A second start with the same id while it runs: the client surfaces the extension's 409.
  const duplicate = await postJson(api('toys/t1/start'), { requestId: 'r1' });
  expect(duplicate.status).toBe(409);
  expect(((await duplicate.json()) as { error: string }).error).toMatch(/unexpected status code: 409.*already exists/);

  expect((await postJson(api('toys/t1/approve'), { note: 'looks good' })).status).toBe(204);
  await durable.idle();
  expect(await (await fetch(api('toys/t1'))).json()).toEqual({
    runtimeStatus: 'Completed',
    customStatus: 'awaiting approval',
    output: { input: { requestId: 'r1' }, shout: 'LOOKS GOOD' },
  });

  // Raising an event on a finished instance is a 410 the client treats as success.
  expect((await postJson(api('toys/t1/approve'), { note: 'again' })).status).toBe(204);
});

test('the real DurableClient terminates an instance, and fails for an unknown one', async () => {
  await postJson(api('toys/t2/start'), {});
  await durable.idle();
  expect((await fetch(api('toys/t2/cancel'), { method: 'POST' })).status).toBe(204);
  expect(await (await fetch(api('toys/t2'))).json()).toMatchObject({ runtimeStatus: 'Terminated', output: 'cancelled by researcher' });

  const unknown = await postJson(api('toys/nobody/approve'), { note: 'x' });
  expect(unknown.status).toBe(500);
  expect(logs.some((line) => line.includes("No instance with ID 'nobody' found."))).toBe(true);
});

test('the durable RPC endpoint answers status codes the extension uses', async () => {
  const rpc = `${origin}/runtime/webhooks/durabletask/`;
  const withKey = (init: RequestInit = {}): RequestInit => ({ ...init, headers: { 'x-functions-key': SYSTEM_KEY } });
  expect((await fetch(`${rpc}instances/nobody`, withKey())).status).toBe(404);
  expect((await fetch(`${rpc}orchestrators/noSuchOrchestrator`, withKey({ method: 'POST' }))).status).toBe(400);

  const created = await fetch(`${rpc}orchestrators/httpToyFlow/rpc-1`, withKey({ method: 'POST', body: JSON.stringify({ direct: true }) }));
  expect(created.status).toBe(202);
  expect(await created.json()).toEqual({ id: 'rpc-1' });
  await durable.idle();
  const running = await fetch(`${rpc}instances/rpc-1?code=${SYSTEM_KEY}`);
  expect(running.status).toBe(202);
  expect(await running.json()).toMatchObject({ name: 'httpToyFlow', instanceId: 'rpc-1', runtimeStatus: 'Running', input: { direct: true } });

  expect((await fetch(`${rpc}instances/rpc-1/terminate?reason=done%20here`, withKey({ method: 'POST' }))).status).toBe(202);
  expect((await fetch(`${rpc}instances/rpc-1/terminate?reason=again`, withKey({ method: 'POST' }))).status).toBe(410);
  expect((await fetch(`${rpc}instances/rpc-1/raiseEvent/Approval`, withKey({ method: 'POST', body: '{}' }))).status).toBe(410);
  const ended = await fetch(`${rpc}instances/rpc-1`, withKey());
  expect(ended.status).toBe(200);
  expect(await ended.json()).toMatchObject({ runtimeStatus: 'Terminated', output: 'done here' });
});

test('without the system key the durable management API answers 401, changes nothing and logs no key', async () => {
  await postJson(api('toys/t3/start'), {});
  await durable.idle();
  const rpc = `${origin}/runtime/webhooks/durabletask/`;
  for (const [url, init] of [
    [`${rpc}instances`, {}],
    [`${rpc}instances/t3/terminate?reason=x`, { method: 'POST' }],
    [`${rpc}instances/t3/raiseEvent/Approval?code=not-the-key`, { method: 'POST', body: '{"note":"forged"}' }],
    [`${rpc}orchestrators/httpToyFlow/t4`, { method: 'POST', headers: { 'x-functions-key': 'not-the-key' } }],
  ] as Array<[string, RequestInit]>) {
    const response = await fetch(url, init);
    expect(response.status).toBe(401);
    expect(((await response.json()) as { detail: string }).detail).toMatch(/system key/);
  }
  await durable.idle();
  expect(await (await fetch(api('toys/t3'))).json()).toMatchObject({ runtimeStatus: 'Running', customStatus: 'awaiting approval' });
  expect(durable.getStatus('t4')).toBeUndefined();

  await fetch(`${rpc}instances?code=${SYSTEM_KEY}`);
  expect(logs.some((line) => line.includes(SYSTEM_KEY))).toBe(false);
  expect(logs.some((line) => line.includes('/runtime/webhooks/durabletask/instances?code=<redacted>'))).toBe(true);
});

test('close() does not wait for a connection that was opened and never sent a request', async () => {
  const closable = createHttpHost({ registrations, durable, log: () => undefined });
  const { port } = new URL(await closable.listen(0));
  const silent = connect(Number(port), '127.0.0.1');
  await new Promise((resolve) => silent.once('connect', resolve));
  const silentClosed = new Promise((resolve) => silent.once('close', resolve));
  // With the grace timer frozen, close() can only resolve if the unused connection is closed at once.
  jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask', 'hrtime', 'performance', 'Date'] });
  try {
    await closable.close();
  } finally {
    jest.useRealTimers();
  }
  await silentClosed;
});

test('close() resolves promptly although fetch keeps connections alive', async () => {
  const closable = createHttpHost({ registrations, durable, log: () => undefined });
  const closableOrigin = await closable.listen(0);
  expect((await fetch(`${closableOrigin}/api/things/1`)).status).toBe(200);
  const before = Date.now();
  await closable.close();
  expect(Date.now() - before).toBeLessThan(1000);
  await expect(fetch(`${closableOrigin}/api/things/1`)).rejects.toThrow();
});
