/**
 * The browser console, served by the Function App itself (no second server): `GET /api/console/...`
 * answers the files `npm run build` wrote to dist/console/, and `GET /api/console/config.json` tells
 * the console how to sign people in. A request's path is data: it is looked up in the listing of
 * that folder, read once, so no path a caller sends can name a file outside it.
 *
 * Every answer carries the console's security headers: its scripts and styles come only from here,
 * it talks only to this API, the stage accounts' blob endpoints (SAS uploads and downloads) and, in
 * Azure, Entra ID; nothing may frame it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { app, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { AirlockConfig, ConsoleSignIn, loadConfig } from '../../config';
import { DependencyError, NotFoundError, ValidationError } from '../../domain/errors';
import { CORE_ACCOUNTS, Stage, stageAccountFor, storageAccountName, WORKSPACE_ACCOUNTS } from '../../domain/stages';
import { REQUEST_TYPES } from '../../domain/status';
import { errorResponse } from './httpMapping';

/** Where the console's development sign-in answers: on the local host only (src/local/devSignIn.ts). */
export const DEV_SIGN_IN_PATH = '/local/dev-sign-in';

const ENTRA_LOGIN_ORIGIN = 'https://login.microsoftonline.com';
const INDEX = 'index.html';

/** What the console must know to sign in, as `config.json` says it. */
export type ConsoleSettings =
  | { signIn: 'local'; devSignInUrl: string }
  | { signIn: 'entra'; clientId: string; authority: string; coreScope: string };

/**
 * The sign-in the console is given, or a 503 naming what is missing: a console that cannot sign in
 * says so at once rather than half-working.
 */
export function consoleSettingsOf(signIn: ConsoleSignIn | undefined): ConsoleSettings {
  if (signIn?.kind === 'local') return { signIn: 'local', devSignInUrl: DEV_SIGN_IN_PATH };
  const missing = [
    signIn?.clientId ? undefined : 'AIRLOCK_CONSOLE_CLIENT_ID (the client id of the console\'s single-page app registration)',
    signIn?.authority ? undefined : 'AIRLOCK_CONSOLE_AUTHORITY (https://login.microsoftonline.com/<tenant id>; it cannot be read from AIRLOCK_AUTH_ISSUER)',
  ].filter((text): text is string => text !== undefined);
  if (!signIn || missing.length > 0) {
    throw new DependencyError(`the console's Entra ID sign-in is not configured: set ${missing.join(' and ')}`);
  }
  return { signIn: 'entra', clientId: signIn.clientId!, authority: signIn.authority!, coreScope: signIn.coreScope };
}

/** The stages whose containers a browser reaches through a link (domain/permissions.ts `linkGrantFor`). */
const LINKED_STAGES: readonly Stage[] = ['draft', 'in_progress', 'approved'];

/**
 * The origins of the stage accounts whose links the console is given: the core accounts of the TRE
 * and those of every configured workspace. With Azurite they share one origin.
 */
export function linkedStorageOrigins(config: Pick<AirlockConfig, 'treId' | 'workspaceAudiences' | 'storage'>): string[] {
  const accounts = new Set(REQUEST_TYPES.flatMap((type) => LINKED_STAGES.map((stage) => stageAccountFor(type, stage))));
  const names = [
    ...CORE_ACCOUNTS.filter((account) => accounts.has(account)).map((account) => storageAccountName(account, { treId: config.treId, workspaceId: '' })),
    ...Object.keys(config.workspaceAudiences).flatMap((workspaceId) =>
      WORKSPACE_ACCOUNTS.filter((account) => accounts.has(account)).map((account) => storageAccountName(account, { treId: config.treId, workspaceId })),
    ),
  ];
  return [...new Set(names.map((name) => new URL(config.storage.endpointTemplate.replace('{account}', name)).origin))];
}

/** The Entra ID origin the console signs in with: the authority's, else the public cloud's. */
function signInOrigins(signIn: ConsoleSignIn | undefined): string[] {
  if (signIn?.kind === 'local') return [];
  try {
    return [signIn?.authority ? new URL(signIn.authority).origin : ENTRA_LOGIN_ORIGIN];
  } catch {
    return [ENTRA_LOGIN_ORIGIN];
  }
}

/**
 * Fluent UI v9 (Griffel) inserts style elements at run time, hence 'unsafe-inline' for styles only.
 * Previews show images and PDFs from blob: URLs the console makes of the bytes it fetched; MSAL renews
 * tokens in a hidden frame on the authority, so in Azure that origin may be framed and called. The
 * page names its assets relative to `<base href="/api/console/">` (scripts/build-console.mjs), so that
 * they load under every client-side route: a base on this origin only.
 */
export function consoleSecurityHeaders(config: Pick<AirlockConfig, 'treId' | 'workspaceAudiences' | 'storage' | 'console'> | undefined): Record<string, string> {
  // Without a configuration (it did not load), the answer is an error and the page may reach nothing beyond this origin.
  const signIn = config ? signInOrigins(config.console) : [];
  const storage = config ? linkedStorageOrigins(config) : [];
  const policy = [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' blob: data:",
    "font-src 'self' data:",
    ['connect-src', "'self'", ...storage, ...signIn].join(' '),
    ['frame-src', "'self'", 'blob:', ...signIn].join(' '),
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
  return {
    'content-security-policy': policy,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
  };
}

const CONTENT_TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  mjs: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  json: 'application/json; charset=utf-8',
  map: 'application/json; charset=utf-8',
  txt: 'text/plain; charset=utf-8',
  svg: 'image/svg+xml',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  ico: 'image/x-icon',
  woff: 'font/woff',
  woff2: 'font/woff2',
  ttf: 'font/ttf',
};

function extensionOf(path: string): string | undefined {
  const name = path.slice(path.lastIndexOf('/') + 1);
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot + 1).toLowerCase() : undefined;
}

export function contentTypeOf(path: string): string {
  return CONTENT_TYPES[extensionOf(path) ?? ''] ?? 'application/octet-stream';
}

/** A built asset's name carries its content hash (`assets/<name>-<hash>.<ext>`): it never changes, so it may be kept for a year. */
export function cacheControlOf(path: string): string {
  return /^assets\/(?:[^/]+\/)*[^/]+-[A-Za-z0-9_]{8,}\.[A-Za-z0-9]+$/.test(path) ? 'public, max-age=31536000, immutable' : 'no-cache';
}

/**
 * The file a request path names inside the console folder, as a relative key of the listing: each
 * segment percent-decoded once, and refused (400) when it could climb out or smuggle a separator.
 * `undefined` for the console's root.
 */
export function consolePathOf(rawPath: string): string | undefined {
  if (rawPath === '') return undefined;
  const refuse = (why: string) => new ValidationError(`the console path '${rawPath.slice(0, 200)}' ${why}`);
  // Checked before decoding: once decoded, %2F would pass for a separator the router never saw.
  if (/%(?:2f|5c|00)/i.test(rawPath)) throw refuse('has an encoded slash, backslash or NUL');
  const segments = rawPath.split('/').map((segment) => {
    let text: string;
    try {
      text = decodeURIComponent(segment);
    } catch {
      throw refuse('is not valid percent-encoding');
    }
    if (text === '' || text === '.' || text === '..') throw refuse("has an empty, '.' or '..' segment");
    if (/[\\\u0000-\u001f\u007f]/.test(text)) throw refuse('has a backslash or a control character');
    return text;
  });
  return segments.join('/');
}

/** Every regular file under `folder`, by its path relative to it (`assets/app-X1.js`); links are not followed. */
function listFiles(folder: string, prefix = ''): Map<string, string> {
  const files = new Map<string, string>();
  for (const entry of readdirSync(join(folder, prefix), { withFileTypes: true })) {
    const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) for (const [key, path] of listFiles(folder, relative)) files.set(key, path);
    else if (entry.isFile()) files.set(relative, join(folder, relative));
  }
  return files;
}

export interface ConsoleSite {
  /** dist/console/ */
  folder: string;
  config(): AirlockConfig;
}

/**
 * The console's two handlers over one folder and configuration. The listing is read on the first
 * request once the console is built (before that, each request looks again: a 503 until built), and
 * again when a file is asked for that it lacks, in case the console was rebuilt under a running host.
 */
export function consoleHandlers(site: ConsoleSite) {
  let listing: Map<string, string> | undefined;

  function builtFiles(fresh = false): Map<string, string> {
    if (listing && !fresh) return listing;
    let files: Map<string, string>;
    try {
      files = listFiles(site.folder);
    } catch {
      files = new Map();
    }
    if (!files.has(INDEX)) throw new DependencyError(`the console was not built: ${site.folder} has no ${INDEX}; run npm run build`);
    listing = files;
    return files;
  }

  /** Security headers on every answer, errors included. */
  const guarded =
    (handler: (request: HttpRequest, config: AirlockConfig) => HttpResponseInit) =>
    async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
      let config: AirlockConfig | undefined;
      let response: HttpResponseInit;
      try {
        config = site.config();
        response = handler(request, config);
      } catch (error) {
        response = errorResponse(error, context);
      }
      return { ...response, headers: { ...(response.headers as Record<string, string> | undefined), ...consoleSecurityHeaders(config) } };
    };

  const serveFile = (key: string, path: string): HttpResponseInit => ({
    status: 200,
    body: readFileSync(path),
    headers: { 'content-type': contentTypeOf(key), 'cache-control': cacheControlOf(key) },
  });

  return {
    serveConsole: guarded((request) => {
      const { base, rest } = consolePartOf(request.url);
      // Without the trailing slash, the page's relative asset paths would resolve against /api/.
      if (rest === '') return { status: 302, headers: { location: `${base}/`, 'cache-control': 'no-cache' } };
      const key = consolePathOf(rest.slice(1)) ?? INDEX;
      let files = builtFiles();
      // A path without an extension is one of the console's own pages: the page decides what it shows.
      if (!files.has(key) && extensionOf(key) === undefined) return serveFile(INDEX, files.get(INDEX)!);
      if (!files.has(key)) files = builtFiles(true);
      const path = files.get(key);
      if (path === undefined) throw new NotFoundError(`the console has no file '${key}'`);
      return serveFile(key, path);
    }),
    serveConsoleConfig: guarded((_request, config) => ({
      status: 200,
      jsonBody: consoleSettingsOf(config.console),
      headers: { 'cache-control': 'no-cache' },
    })),
  };
}

/**
 * The console's part of a request URL, undecoded: `base` up to and including the `console` segment
 * (`/api/console`), `rest` after it ('' or `/...`).
 */
function consolePartOf(url: string): { base: string; rest: string } {
  const pathname = new URL(url).pathname;
  const match = /^(.*?\/console)(\/.*)?$/i.exec(pathname);
  if (!match) throw new NotFoundError(`'${pathname.slice(0, 200)}' is not under the console`);
  return { base: match[1], rest: match[2] ?? '' };
}

/**
 * dist/console/ under the app's root: the folder holding the airlock's package.json, two or three
 * folders above this file (src/... under jest, dist/src/... built, and in the deployed package).
 */
export function defaultConsoleFolder(start: string = __dirname): string {
  for (let dir = start; ; dir = dirname(dir)) {
    try {
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: unknown };
      if (manifest.name === 'airlock') return join(dir, 'dist', 'console');
    } catch {
      // not here (or not readable): look one folder up
    }
    if (dirname(dir) === dir) return join(start, 'console-not-found');
  }
}

let configuration: AirlockConfig | undefined;
const { serveConsole, serveConsoleConfig } = consoleHandlers({
  folder: defaultConsoleFolder(),
  // Configuration only, not the adapters: the console loads even while the request store does not answer.
  config: () => (configuration ??= loadConfig()),
});
export { serveConsole, serveConsoleConfig };

/**
 * The routes the Functions host and the local host both match: literals and `{name}` segments only
 * (src/local/routeTemplate.ts refuses catch-all parameters), so one route per depth up to the
 * deepest path the console has (`requests/{ws}/{id}`, with room to spare). The handler reads the
 * path from the URL itself, undecoded.
 */
export const CONSOLE_PATH_DEPTH = 6;

app.http('consoleConfig', { methods: ['GET'], authLevel: 'anonymous', route: 'console/config.json', handler: serveConsoleConfig });
app.http('console', { methods: ['GET'], authLevel: 'anonymous', route: 'console', handler: serveConsole });
for (let depth = 1; depth <= CONSOLE_PATH_DEPTH; depth++) {
  const segments = Array.from({ length: depth }, (_, i) => `{p${i + 1}}`);
  app.http(`consolePath${depth}`, { methods: ['GET'], authLevel: 'anonymous', route: ['console', ...segments].join('/'), handler: serveConsole });
}
