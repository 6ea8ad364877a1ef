/**
 * Cross-origin access as the Functions platform grants it. In Azure the Function App's CORS
 * configuration (bicep: `siteConfig.cors.allowedOrigins`) is applied by the platform before the app
 * sees a request; the local host plays that part from the same setting, the way the Functions
 * host's CORS middleware does: any method and header from an allowed origin, no credentials, the
 * preflight answered 204 before routing, and for an origin not on the list no CORS headers at all
 * (so the browser refuses the call, and the app never learns of it).
 */
import { OutgoingHttpHeaders } from 'node:http';
import { ConfigError } from '../config';

export const CORS_ORIGINS_SETTING = 'AIRLOCK_CORS_ALLOWED_ORIGINS';

export type CorsPolicy = { anyOrigin: true } | { anyOrigin: false; origins: ReadonlySet<string> };

/** The setting's value: a comma-separated list of origins (`https://portal.example.org`) or `*`; unset or empty: no cross-origin access. */
export function parseCorsOrigins(text: string | undefined): CorsPolicy | undefined {
  const items = (text ?? '').split(',').map((item) => item.trim()).filter(Boolean);
  if (items.length === 0) return undefined;
  if (items.includes('*')) {
    if (items.length > 1) throw new ConfigError([`${CORS_ORIGINS_SETTING}: '*' allows every origin and must stand alone (got '${text}')`]);
    return { anyOrigin: true };
  }
  const problems = items.filter((item) => !isOrigin(item)).map((item) => `${CORS_ORIGINS_SETTING}: '${item}' is not an origin (scheme://host[:port], no path)`);
  if (problems.length > 0) throw new ConfigError(problems);
  return { anyOrigin: false, origins: new Set(items.map((item) => new URL(item).origin)) };
}

function isOrigin(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === text.replace(/\/$/, '').toLowerCase();
  } catch {
    return false;
  }
}

function allows(policy: CorsPolicy, origin: string): boolean {
  return policy.anyOrigin || policy.origins.has(origin.toLowerCase());
}

export interface CrossOriginRequest {
  method: string;
  origin?: string;
  requestedMethod?: string;
  requestedHeaders?: string;
}

/** A preflight's answer, or undefined when the request is not a preflight. */
export function preflightAnswer(policy: CorsPolicy, request: CrossOriginRequest): { status: 204; headers: OutgoingHttpHeaders } | undefined {
  if (request.method !== 'OPTIONS' || !request.origin || !request.requestedMethod) return undefined;
  if (!allows(policy, request.origin)) return { status: 204, headers: {} };
  return {
    status: 204,
    headers: {
      ...allowOrigin(policy, request.origin),
      'access-control-allow-methods': request.requestedMethod,
      ...(request.requestedHeaders ? { 'access-control-allow-headers': request.requestedHeaders } : {}),
    },
  };
}

/** The headers an actual (non-preflight) response carries for its request's origin. */
export function responseCorsHeaders(policy: CorsPolicy, origin: string | undefined): OutgoingHttpHeaders {
  return origin && allows(policy, origin) ? allowOrigin(policy, origin) : {};
}

function allowOrigin(policy: CorsPolicy, origin: string): OutgoingHttpHeaders {
  // With a list, the answer depends on the Origin header, so caches must key on it.
  return policy.anyOrigin ? { 'access-control-allow-origin': '*' } : { 'access-control-allow-origin': origin, vary: 'Origin' };
}
