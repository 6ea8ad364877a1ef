/**
 * Calls to the airlock's public API with a bearer token per audience, and its refusals as ApiError.
 * Free of the DOM and of React, so it is tested in Node; pages reach it through client.ts.
 */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
  ) {
    super(detail);
    this.name = 'ApiError';
  }
}

export interface ApiClient {
  /** path starts with /api/; workspaceId picks that workspace's token, absent = the core token; JSON body in and out; a non-2xx throws ApiError with the answer's `detail`. */
  json<T>(path: string, options?: { method?: 'GET' | 'POST' | 'PUT' | 'DELETE'; body?: unknown; workspaceId?: string; signal?: AbortSignal }): Promise<T>;
  /** the answer's bytes (previews of images and PDFs) */
  blob(path: string, options: { workspaceId: string; signal?: AbortSignal }): Promise<Blob>;
}

/** Gives the bearer token for an audience: a workspace's, or the core API's when workspaceId is absent. */
export type TokenSource = (workspaceId?: string) => Promise<string>;

async function failureOf(response: Response): Promise<ApiError> {
  const text = await response.text().catch(() => '');
  let detail = text.trim() || `${response.status} ${response.statusText}`.trim();
  try {
    const body: unknown = JSON.parse(text);
    if (body && typeof body === 'object' && 'detail' in body) {
      const value = (body as { detail: unknown }).detail;
      // FastAPI-style validation lists carry their message in `msg`.
      detail = typeof value === 'string' ? value : JSON.stringify(value);
    }
  } catch {
    // not JSON: the text itself is the best description there is
  }
  return new ApiError(response.status, detail);
}

export function createApiClient(tokenFor: TokenSource, fetchImpl: typeof fetch = (input, init) => fetch(input, init)): ApiClient {
  async function send(path: string, init: RequestInit, workspaceId: string | undefined): Promise<Response> {
    if (!path.startsWith('/api/')) throw new Error(`API paths start with /api/: ${path}`);
    const headers = new Headers(init.headers);
    headers.set('Authorization', `Bearer ${await tokenFor(workspaceId)}`);
    const response = await fetchImpl(path, { ...init, headers });
    if (!response.ok) throw await failureOf(response);
    return response;
  }
  return {
    async json<T>(path: string, options: { method?: 'GET' | 'POST' | 'PUT' | 'DELETE'; body?: unknown; workspaceId?: string; signal?: AbortSignal } = {}) {
      const method = options.method ?? 'GET';
      const headers: Record<string, string> = { Accept: 'application/json' };
      // POSTs without a body still say JSON, as the TRE portal's do.
      if (method !== 'GET') headers['Content-Type'] = 'application/json';
      const body = options.body === undefined ? undefined : JSON.stringify(options.body);
      const response = await send(path, { method, headers, body, signal: options.signal }, options.workspaceId);
      const text = await response.text();
      return (text ? JSON.parse(text) : undefined) as T;
    },
    async blob(path: string, options: { workspaceId: string; signal?: AbortSignal }) {
      const response = await send(path, { method: 'GET', signal: options.signal }, options.workspaceId);
      return response.blob();
    },
  };
}
