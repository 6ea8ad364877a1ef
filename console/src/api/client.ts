/**
 * The console's only way to the airlock: the public API with a bearer token per audience (the core
 * token for /api/workspaces and /api/requests, a workspace's token for everything under it), JSON in
 * and out, errors as ApiError carrying the API's own `detail` so pages can show it as it is.
 */
import { createContext, useCallback, useContext, useEffect, useRef, useState } from 'react';
import type { ApiClient, ApiError } from './apiCalls';

export { ApiError, createApiClient, type ApiClient, type TokenSource } from './apiCalls';

export const ApiContext = createContext<ApiClient | undefined>(undefined);

export function useApi(): ApiClient {
  const api = useContext(ApiContext);
  if (!api) throw new Error('useApi outside the signed-in console');
  return api;
}

export interface SessionView {
  user: { id: string; name: string; email?: string };
  workspaceIds: string[];
  rolesIn(workspaceId: string): string[];
}

export const SessionContext = createContext<SessionView | undefined>(undefined);

export function useSession(): SessionView {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside the signed-in console');
  return session;
}

function asError(error: unknown): ApiError | Error {
  return error instanceof Error ? error : new Error(String(error));
}

/**
 * Loads now and again every `intervalMs` (0: once) while mounted, keeping the last answer shown while
 * the next is on its way. `intervalMs` may instead be a function, asked after each load, of the
 * latest answer (undefined before any) and of this load's error, if it failed: a page waiting for
 * something to pass looks sooner (see refresh.ts). New `deps` start afresh (the old answer belonged
 * to other arguments); an error keeps the last data, so a page does not blank on one failed poll.
 * Paused while the tab is hidden, and caught up when it shows again.
 */
export function usePolling<T>(
  load: (signal: AbortSignal) => Promise<T>,
  intervalMs: number | ((latest: T | undefined, error: ApiError | Error | undefined) => number),
  deps: unknown[],
): { data?: T; error?: ApiError | Error; reload(): void } {
  const [state, setState] = useState<{ data?: T; error?: ApiError | Error; key: number }>({ key: 0 });
  const [reloads, setReloads] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  const intervalRef = useRef(intervalMs);
  intervalRef.current = intervalMs;
  // A function (a new one at every render) polls; a number polls when above 0, and restarts the polling when it changes.
  const polls = typeof intervalMs === 'function' ? 'chosen per answer' : intervalMs;
  const generation = useRef(0);

  useEffect(() => {
    generation.current += 1;
    setState({ key: generation.current });
    // The caller's deps decide when a load starts afresh, as with useEffect's own.
  }, deps);

  useEffect(() => {
    const controller = new AbortController();
    const key = generation.current;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let running = false;
    let latest: T | undefined;
    const run = async () => {
      if (running) return;
      running = true;
      clearTimeout(timer);
      let failure: ApiError | Error | undefined;
      try {
        const data = await loadRef.current(controller.signal);
        latest = data;
        if (!controller.signal.aborted) setState({ data, key });
      } catch (error) {
        failure = asError(error);
        if (!controller.signal.aborted) setState((last) => ({ data: last.key === key ? last.data : undefined, error: failure, key }));
      } finally {
        running = false;
      }
      const interval = intervalRef.current;
      const next = typeof interval === 'function' ? interval(latest, failure) : interval;
      if (!controller.signal.aborted && next > 0) {
        timer = setTimeout(() => {
          if (document.visibilityState !== 'hidden') void run();
        }, next);
      }
    };
    const onVisible = () => {
      if (document.visibilityState === 'visible') void run();
    };
    void run();
    if (polls !== 0) document.addEventListener('visibilitychange', onVisible);
    return () => {
      controller.abort();
      clearTimeout(timer);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, [...deps, reloads, polls]);

  const reload = useCallback(() => setReloads((count) => count + 1), []);
  return { data: state.data, error: state.error, reload };
}
