/** The signed-in console: the page for the current path, inside the shell. */
import { Link, Text, Title1 } from '@fluentui/react-components';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useSession } from '../api/client';
import { AuditView } from '../audit/AuditView';
import { CreateRequestDialog } from '../requests/CreateRequestDialog';
import { CreateRequestContext } from '../requests/createRequestContext';
import { MyRequests } from '../requests/MyRequests';
import { RequestPage } from '../requests/RequestPage';
import { ReviewPage } from '../review/ReviewPage';
import { ReviewQueue } from '../review/ReviewQueue';
import { onLinkClick, useLocationPath } from '../router';
import { uploads } from '../upload/uploadManager';
import { AppShell } from './AppShell';
import { PageErrorBoundary } from './PageErrorBoundary';
import { pathOf, routeOf, type Route } from './routes';
import { ALL_WORKSPACES, WorkspaceChoiceContext, type WorkspaceChoice } from './workspaceChoice';

const WORKSPACE_KEY = 'airlock.workspace';

const TITLES: Record<Route['page'], string> = {
  myRequests: 'My requests',
  request: 'Request',
  reviewQueue: 'Review queue',
  review: 'Review',
  audit: 'Audit log',
  notFound: 'Page not found',
};

function useWorkspaceChoiceState(workspaceIds: readonly string[]): WorkspaceChoice {
  const fallback = workspaceIds.length === 1 ? workspaceIds[0] : ALL_WORKSPACES;
  const [chosen, setChosen] = useState(() => sessionStorage.getItem(WORKSPACE_KEY) ?? fallback);
  const workspaceId = chosen === ALL_WORKSPACES ? fallback : workspaceIds.includes(chosen) ? chosen : fallback;
  return useMemo(
    () => ({
      workspaceId,
      choose: (id: string) => {
        sessionStorage.setItem(WORKSPACE_KEY, id);
        setChosen(id);
      },
    }),
    [workspaceId],
  );
}

function Page({ route }: { route: Route }) {
  switch (route.page) {
    case 'myRequests':
      return <MyRequests />;
    case 'request':
      return <RequestPage key={`${route.workspaceId}/${route.requestId}`} workspaceId={route.workspaceId} requestId={route.requestId} />;
    case 'reviewQueue':
      return <ReviewQueue />;
    case 'review':
      return <ReviewPage key={`${route.workspaceId}/${route.requestId}`} workspaceId={route.workspaceId} requestId={route.requestId} />;
    case 'audit':
      return <AuditView key={`${route.workspaceId}/${route.requestId}`} workspaceId={route.workspaceId} requestId={route.requestId} />;
    case 'notFound':
      return (
        <>
          <Title1 as="h1">Page not found</Title1>
          <Text as="p">
            The console has no page at {route.path}.{' '}
            <Link href={pathOf({ page: 'myRequests' })} onClick={onLinkClick}>
              Go to my requests
            </Link>
            .
          </Text>
        </>
      );
  }
}

export function App() {
  const session = useSession();
  const path = useLocationPath();
  const route = routeOf(path);
  const choice = useWorkspaceChoiceState(session.workspaceIds);

  // After a navigation (not the first load), focus moves to the new page, as a page load would put it.
  const shownPath = useRef(path);
  useEffect(() => {
    document.title = `${TITLES[route.page]} – Airlock console`;
    if (path !== shownPath.current) document.getElementById('main')?.focus();
    shownPath.current = path;
  }, [path, route.page]);

  // An upload in progress lives in this tab: leaving the page would stop it.
  useEffect(() => {
    const warn = (event: BeforeUnloadEvent) => {
      if (uploads.hasUnfinished()) event.preventDefault();
    };
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, []);

  const [creating, setCreating] = useState(false);
  // Mounted at the first opening, not before: Fluent UI's focus management adds hidden focus sentinels
  // to the page once a modal dialog exists, which pages that never open one are better without.
  const [createMounted, setCreateMounted] = useState(false);
  const openCreateRequest = useCallback(() => {
    setCreateMounted(true);
    setCreating(true);
  }, []);

  return (
    <WorkspaceChoiceContext.Provider value={choice}>
      <CreateRequestContext.Provider value={openCreateRequest}>
        <AppShell route={route}>
          <PageErrorBoundary key={path}>
            <Page route={route} />
          </PageErrorBoundary>
        </AppShell>
        {createMounted && <CreateRequestDialog open={creating} onClose={() => setCreating(false)} />}
      </CreateRequestContext.Provider>
    </WorkspaceChoiceContext.Provider>
  );
}
