/**
 * The console's pages and their paths under /api/console/. Ids in paths are percent-encoded, so a
 * path always names exactly one page.
 */

export const CONSOLE_BASE = '/api/console';

export type Route =
  | { page: 'myRequests' }
  | { page: 'request'; workspaceId: string; requestId: string }
  | { page: 'reviewQueue' }
  | { page: 'review'; workspaceId: string; requestId: string }
  | { page: 'audit'; workspaceId: string; requestId: string }
  | { page: 'notFound'; path: string };

const PAGE_WITH_IDS = { requests: 'request', review: 'review', audit: 'audit' } as const;

function decoded(segment: string): string | undefined {
  try {
    const text = decodeURIComponent(segment);
    return text === '' ? undefined : text;
  } catch {
    return undefined;
  }
}

export function routeOf(pathname: string): Route {
  const notFound: Route = { page: 'notFound', path: pathname };
  if (pathname !== CONSOLE_BASE && !pathname.startsWith(`${CONSOLE_BASE}/`)) return notFound;
  const segments = pathname.slice(CONSOLE_BASE.length).split('/').filter(Boolean);
  if (segments.length === 0) return { page: 'myRequests' };
  if (segments.length === 1 && segments[0] === 'review') return { page: 'reviewQueue' };
  if (segments.length === 3 && Object.hasOwn(PAGE_WITH_IDS, segments[0])) {
    const workspaceId = decoded(segments[1]);
    const requestId = decoded(segments[2]);
    if (workspaceId && requestId) return { page: PAGE_WITH_IDS[segments[0] as keyof typeof PAGE_WITH_IDS], workspaceId, requestId };
  }
  return notFound;
}

export function pathOf(route: Route): string {
  const ids = (kind: string, workspaceId: string, requestId: string) =>
    `${CONSOLE_BASE}/${kind}/${encodeURIComponent(workspaceId)}/${encodeURIComponent(requestId)}`;
  switch (route.page) {
    case 'myRequests':
      return `${CONSOLE_BASE}/`;
    case 'reviewQueue':
      return `${CONSOLE_BASE}/review`;
    case 'request':
      return ids('requests', route.workspaceId, route.requestId);
    case 'review':
      return ids('review', route.workspaceId, route.requestId);
    case 'audit':
      return ids('audit', route.workspaceId, route.requestId);
    case 'notFound':
      return route.path;
  }
}
