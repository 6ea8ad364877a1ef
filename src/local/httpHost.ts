/**
 * The HTTP half of the local host: a node:http server that serves every captured httpTrigger
 * registration under `/<routePrefix>/<route>` with a real HttpRequest and InvocationContext, delivers
 * Event Grid events to eventGridTrigger registrations (eventGridDelivery.ts), and
 * answers the Durable Functions extension's RPC endpoint so the real DurableClient inside those
 * functions (axios, over HTTP) drives the LocalDurableBackend exactly as it would drive Azure.
 */
import { Cookie, HttpRequest, HttpResponse, HttpResponseInit, InvocationContext } from '@azure/functions';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { CorsPolicy, preflightAnswer, responseCorsHeaders } from './corsPolicy';
import type { LocalDurableBackend } from './durableBackend';
import { DURABLE_RPC_BASE_PATH, handleDurableRpc } from './durableRpc';
import { eventGridWebhookRoutes } from './eventGridDelivery';
import type { ExtraRoute } from './extraRoute';
import { Registration, triggerOf } from './functionsCore';
import { createInvocationContext } from './invocationContext';
import { consoleLog, formatLogLine, LocalLog } from './localLog';
import { compareRoutePrecedence, compileRouteTemplate, RouteTemplate } from './routeTemplate';

const DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024;
/** Past this, an oversized body is no longer read to the end (so the client can see the 413) but cut off. */
const DISCARD_LIMIT_BYTES = 64 * 1024 * 1024;
const TASK_HUB_NAME = 'AirlockLocal';
const DEFAULT_METHODS = ['GET', 'POST'];
const CLOSE_GRACE_MS = 5000;

export interface HttpHostOptions {
  /** Read once, when the host is created: register the app's functions first. */
  registrations: Map<string, Registration>;
  durable: LocalDurableBackend;
  /** host.json `extensions.http.routePrefix`; '' serves functions at the root. */
  routePrefix?: string;
  extraRoutes?: ExtraRoute[];
  log?: LocalLog;
  maxBodyBytes?: number;
  /**
   * The system key (`durabletask_extension`) that the public Durable management endpoints require,
   * in `?code=` or `x-functions-key`, as the Functions host does. Without one, a random key that
   * nobody knows: those endpoints then answer no one.
   */
  systemKey?: string;
  /** Cross-origin access as the platform's CORS configuration grants it; undefined: none. */
  cors?: CorsPolicy;
}

export interface HttpHost {
  readonly server: Server;
  /** Resolves with the origin, e.g. `http://127.0.0.1:7071`; port 0 picks a free port. */
  listen(port?: number, host?: string): Promise<string>;
  /** Stops accepting connections, closes idle keep-alive sockets, resolves once the server is closed. */
  close(): Promise<void>;
  readonly origin: string;
  /** The context of one invocation of any trigger, with durable clients pointed back at this host. */
  contextFor(registration: Registration): InvocationContext;
}

interface FunctionRoute {
  registration: Registration;
  template: RouteTemplate;
  methods: string[];
}

export function createHttpHost(options: HttpHostOptions): HttpHost {
  const log = options.log ?? consoleLog;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const routes = functionRoutes(options.registrations, options.routePrefix ?? 'api');
  const extraRoutes = [
    ...(options.extraRoutes ?? []),
    ...eventGridWebhookRoutes({ registrations: options.registrations, invocationContext: invocationContextFor, log }),
  ];
  const sockets = new Set<Socket>();
  let origin = '';
  let closing = false;
  const systemKeyDigest = digest(options.systemKey ?? randomBytes(32).toString('base64url'));
  // The DurableClient inside the functions reaches the backend through this path. In Azure that is a
  // loopback-only endpoint of the worker; here it is a path only this process knows, new at each start.
  const clientRpcSegment = randomBytes(32).toString('base64url');

  const server = createServer((req, res) => {
    void serve(req, res);
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  // Requests being answered, per connection: at close, a connection with none (idle, or opened and
  // never used, which closeIdleConnections leaves alone) goes at once; only answers under way get the grace.
  const answering = new Map<Socket, number>();
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const socket = req.socket;
    answering.set(socket, (answering.get(socket) ?? 0) + 1);
    res.on('close', () => {
      const left = (answering.get(socket) ?? 1) - 1;
      if (left > 0) answering.set(socket, left);
      else answering.delete(socket);
    });
  });

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = Date.now();
    const method = (req.method ?? 'GET').toUpperCase();
    res.on('finish', () => log(formatLogLine('info', `http: ${method} ${redactedForLog(req.url ?? '/', clientRpcSegment)} → ${res.statusCode} (${Date.now() - started} ms)`)));
    try {
      if (options.cors) {
        const request = { method, origin: req.headers.origin, requestedMethod: headerText(req.headers['access-control-request-method']), requestedHeaders: headerText(req.headers['access-control-request-headers']) };
        const preflight = preflightAnswer(options.cors, request);
        if (preflight) return send(res, preflight.status, preflight.headers, '');
        for (const [name, value] of Object.entries(responseCorsHeaders(options.cors, request.origin))) res.setHeader(name, value as string);
      }
      const body = await readBody(req, maxBodyBytes);
      if (body === 'tooLarge') return send(res, 413, jsonHeaders(), json({ detail: `request body exceeds ${maxBodyBytes} bytes` }));
      const url = new URL(req.url ?? '/', 'http://local-host.invalid');

      if (url.pathname.startsWith(DURABLE_RPC_BASE_PATH)) {
        const route = url.pathname.slice(DURABLE_RPC_BASE_PATH.length);
        const fromClient = route.startsWith(`${clientRpcSegment}/`);
        if (!fromClient && !carriesKey(req, url, systemKeyDigest)) {
          return send(res, 401, jsonHeaders(), json({ detail: 'the Durable management endpoints need the system key (durabletask_extension) in ?code= or the x-functions-key header' }));
        }
        url.searchParams.delete('code');
        const path = fromClient ? route.slice(clientRpcSegment.length + 1) : route;
        const reply = await handleDurableRpc(options.durable, method, path + url.search, body);
        return send(res, reply.status, { ...jsonHeaders(), ...reply.headers }, reply.body === undefined ? '' : json(reply.body));
      }

      const extras = extraRoutes.filter((route) => route.path === url.pathname);
      if (extras.length > 0) {
        const extra = extras.find((route) => route.method.toUpperCase() === method);
        if (!extra) return methodNotAllowed(res, extras.map((route) => route.method.toUpperCase()));
        const reply = await extra.handle(req, body);
        return send(res, reply.status, reply.headers ?? {}, reply.body ?? '');
      }

      const matches = routes.flatMap((route) => {
        const params = route.template.match(url.pathname);
        return params ? [{ route, params }] : [];
      });
      if (matches.length === 0) return send(res, 404, jsonHeaders(), json({ detail: `no route for ${method} ${url.pathname}` }));
      const hit = matches.find(({ route }) => route.methods.includes(method));
      if (!hit) return methodNotAllowed(res, [...new Set(matches.flatMap(({ route }) => route.methods))]);
      await invokeFunction(hit.route, hit.params, req, body, res);
    } catch (error) {
      log(formatLogLine('error', `http: ${method} ${req.url} failed`, error));
      if (!res.headersSent) send(res, 500, jsonHeaders(), json({ detail: 'internal error' }));
      else res.destroy();
    }
  }

  async function invokeFunction(
    route: FunctionRoute,
    params: Record<string, string>,
    req: IncomingMessage,
    body: Buffer,
    res: ServerResponse,
  ): Promise<void> {
    const context = invocationContextFor(route.registration);
    const request = new HttpRequest({
      method: req.method,
      url: new URL(req.url ?? '/', `http://${req.headers.host ?? new URL(origin).host}`).href,
      headers: flattenHeaders(req.headers),
      params,
      body: body.length > 0 ? { bytes: body } : undefined,
    });
    const result = await route.registration.handler(request, context);
    const response = result instanceof HttpResponse ? result : new HttpResponse(toResponseInit(result));
    const headers: OutgoingHttpHeaders = {};
    response.headers.forEach((value, key) => {
      if (key !== 'set-cookie') headers[key] = value;
    });
    const cookies = [...response.headers.getSetCookie(), ...response.cookies.map(serializeCookie)];
    if (cookies.length > 0) headers['set-cookie'] = cookies;
    send(res, response.status, headers, Buffer.from(await response.arrayBuffer()));
  }

  /** The context of one invocation of any trigger type, as the worker would build it. */
  function invocationContextFor(registration: Registration): InvocationContext {
    const context = createInvocationContext(registration, log);
    connectDurableClients(context);
    return context;
  }

  /** What the extension would bind to a durableClient input, pointed back at this host. */
  function connectDurableClients(context: InvocationContext): void {
    for (const input of context.options.extraInputs) {
      if (input.type !== 'durableClient' && input.type !== 'orchestrationClient') continue;
      context.extraInputs.set(input, {
        taskHubName: TASK_HUB_NAME,
        creationUrls: {},
        managementUrls: {},
        rpcBaseUrl: `${origin}${DURABLE_RPC_BASE_PATH}${clientRpcSegment}/`,
      });
    }
  }

  function send(res: ServerResponse, status: number, headers: OutgoingHttpHeaders, body: string | Buffer): void {
    // While closing, no connection is kept alive for another request.
    res.writeHead(status, closing ? { ...headers, connection: 'close' } : headers);
    res.end(body);
  }

  function methodNotAllowed(res: ServerResponse, allowed: string[]): void {
    send(res, 405, { ...jsonHeaders(), allow: allowed.join(', ') }, json({ detail: `method not allowed; use ${allowed.join(', ')}` }));
  }

  return {
    server,
    contextFor: invocationContextFor,
    get origin() {
      return origin;
    },
    async listen(port = 0, host = '127.0.0.1') {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      const address = server.address() as AddressInfo;
      // The DurableClient calls back through this origin, so a wildcard address becomes loopback.
      const reachableHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
      origin = `http://${reachableHost.includes(':') ? `[${reachableHost}]` : reachableHost}:${address.port}`;
      return origin;
    },
    async close() {
      closing = true;
      const closed = new Promise<void>((resolve, reject) => {
        server.close((error) => (error && (error as NodeJS.ErrnoException).code !== 'ERR_SERVER_NOT_RUNNING' ? reject(error) : resolve()));
      });
      server.closeIdleConnections();
      for (const socket of sockets) if (!answering.has(socket)) socket.destroy();
      // A client that keeps a request open must not hold the host's shutdown hostage.
      const forceClose = setTimeout(() => {
        for (const socket of sockets) socket.destroy();
      }, CLOSE_GRACE_MS);
      forceClose.unref();
      try {
        await closed;
      } finally {
        clearTimeout(forceClose);
      }
    },
  };
}

function digest(key: string): Buffer {
  return createHash('sha256').update(key).digest();
}

/** Compared as digests, in constant time, so neither the key's length nor its prefix leaks. */
function carriesKey(req: IncomingMessage, url: URL, keyDigest: Buffer): boolean {
  const header = req.headers['x-functions-key'];
  const offered = [url.searchParams.get('code'), ...(Array.isArray(header) ? header : [header])].filter((key): key is string => !!key);
  return offered.some((key) => timingSafeEqual(digest(key), keyDigest));
}

/** The request line as logged: neither a key nor the client's secret path may reach a log. */
function redactedForLog(requestUrl: string, clientRpcSegment: string): string {
  return requestUrl.replace(clientRpcSegment, '<client>').replace(/([?&]code=)[^&]*/gi, '$1<redacted>');
}

function functionRoutes(registrations: Map<string, Registration>, routePrefix: string): FunctionRoute[] {
  const prefix = routePrefix.replace(/^\/+|\/+$/g, '');
  const routes: FunctionRoute[] = [];
  for (const registration of registrations.values()) {
    const trigger = Object.values(registration.bindings).some((binding) => binding.type === 'httpTrigger') ? triggerOf(registration) : undefined;
    if (!trigger) continue;
    const route = typeof trigger.route === 'string' ? trigger.route : registration.name;
    const methods = Array.isArray(trigger.methods) ? trigger.methods.map((method) => String(method).toUpperCase()) : DEFAULT_METHODS;
    routes.push({ registration, methods, template: compileRouteTemplate([prefix, route.replace(/^\/+/, '')].filter(Boolean).join('/')) });
  }
  return routes.sort((a, b) => compareRoutePrecedence(a.template, b.template));
}

/** The body, or 'tooLarge' once it exceeds the limit (read on to the end, so the client sees the 413). */
async function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer | 'tooLarge'> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > DISCARD_LIMIT_BYTES) {
      req.socket.destroy();
      return 'tooLarge';
    }
    if (size <= maxBytes) chunks.push(buffer);
  }
  return size > maxBytes ? 'tooLarge' : Buffer.concat(chunks);
}

/** HttpRequest takes one string per header; repeated headers are joined as HTTP allows. */
function flattenHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}

function toResponseInit(result: unknown): HttpResponseInit {
  return typeof result === 'object' && result !== null ? (result as HttpResponseInit) : {};
}

function serializeCookie(cookie: Cookie): string {
  const parts = [`${cookie.name}=${cookie.value}`];
  if (cookie.domain) parts.push(`Domain=${cookie.domain}`);
  if (cookie.path) parts.push(`Path=${cookie.path}`);
  if (cookie.expires !== undefined) parts.push(`Expires=${new Date(cookie.expires).toUTCString()}`);
  if (cookie.maxAge !== undefined) parts.push(`Max-Age=${cookie.maxAge}`);
  if (cookie.secure) parts.push('Secure');
  if (cookie.httpOnly) parts.push('HttpOnly');
  if (cookie.sameSite) parts.push(`SameSite=${cookie.sameSite}`);
  return parts.join('; ');
}

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

function jsonHeaders(): OutgoingHttpHeaders {
  return { 'content-type': 'application/json; charset=utf-8' };
}

function json(value: unknown): string {
  return JSON.stringify(value);
}
