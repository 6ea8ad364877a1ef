/**
 * The researcher's own requests, newest first, in the workspace picked in the header or in all of
 * them, filtered by status and type; statuses refresh every five seconds without a reload, and a
 * change is announced.
 */
import {
  Button,
  Link,
  MessageBar,
  MessageBarBody,
  Spinner,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  Text,
  Title1,
  makeStyles,
  tokens,
} from '@fluentui/react-components';
import { useEffect, useRef, useState } from 'react';
import { useApi, usePolling, useSession } from '../api/client';
import { type AirlockRequest, type RequestList, type RequestStatus, type RequestType } from '../api/types';
import { useSessionControls } from '../auth/sessionControls';
import { StatusBadge } from '../lifecycle/StatusBadge';
import { statusInWords } from '../lifecycle/lifecycleModel';
import { formatWhen } from '../review/format';
import { onLinkClick } from '../router';
import { Announcer } from '../shell/Announcer';
import { StatusFilter, TypeFilter } from '../shell/RequestFilters';
import { pathOf } from '../shell/routes';
import { ALL_WORKSPACES, useWorkspaceChoice } from '../shell/workspaceChoice';
import { workspacesToCreateIn } from './CreateRequestDialog';
import { useOpenCreateRequest } from './createRequestContext';
import { myRequestsInWorkspacePath, myRequestsPath, type ListFilters } from './requestPaths';
import { TYPE_WORDS } from './requestWords';

export const LIST_REFRESH_MS = 5000;

const useStyles = makeStyles({
  bar: { display: 'flex', flexWrap: 'wrap', alignItems: 'flex-end', gap: tokens.spacingHorizontalL, margin: `${tokens.spacingVerticalL} 0` },
  filter: { minWidth: '180px' },
  grow: { flexGrow: 1 },
  titleCell: { overflowWrap: 'anywhere' },
  empty: { display: 'block', margin: `${tokens.spacingVerticalL} 0` },
});

function announceChanges(previous: Map<string, RequestStatus>, requests: readonly AirlockRequest[]): string[] {
  const news: string[] = [];
  for (const request of requests) {
    const before = previous.get(request.id);
    if (before !== undefined && before !== request.status) news.push(`"${request.title}" is now ${statusInWords(request.status)}.`);
  }
  return news;
}

export function MyRequests() {
  const styles = useStyles();
  const api = useApi();
  const session = useSession();
  const { workspaceName } = useSessionControls();
  const { workspaceId } = useWorkspaceChoice();
  const [status, setStatus] = useState<RequestStatus | ''>('');
  const [type, setType] = useState<RequestType | ''>('');
  const openCreateRequest = useOpenCreateRequest();
  const everywhere = workspaceId === ALL_WORKSPACES;
  const filters: ListFilters = { ...(status ? { status } : {}), ...(type ? { type } : {}) };

  const { data, error } = usePolling(
    async (signal) =>
      everywhere
        ? // Across workspaces the API answers as Azure TRE's /requests does: a bare array of requests, without actions.
          api.json<AirlockRequest[]>(myRequestsPath(filters), { signal })
        : (await api.json<RequestList>(myRequestsInWorkspacePath(workspaceId, session.user.id, filters), { workspaceId, signal })).airlockRequests.map(
            (item) => item.airlockRequest,
          ),
    LIST_REFRESH_MS,
    [api, workspaceId, status, type, session.user.id],
  );

  const statuses = useRef(new Map<string, RequestStatus>());
  const [announcement, setAnnouncement] = useState('');
  useEffect(() => {
    if (!data) return;
    const news = announceChanges(statuses.current, data);
    if (news.length > 0) setAnnouncement(news.join(' '));
    statuses.current = new Map(data.map((request) => [request.id, request.status]));
  }, [data]);

  const canCreate = workspacesToCreateIn(session).length > 0;
  const where = everywhere ? 'in all your workspaces' : `in workspace ${workspaceName(workspaceId)}`;

  return (
    <>
      <Title1 as="h1">My requests</Title1>
      <div className={styles.bar}>
        <StatusFilter value={status} onChange={setStatus} className={styles.filter} />
        <TypeFilter value={type} onChange={setType} className={styles.filter} />
        <div className={styles.grow} />
        {canCreate && (
          <Button appearance="primary" onClick={openCreateRequest}>
            New request
          </Button>
        )}
      </div>
            {error && (
        <MessageBar intent="error">
          <MessageBarBody>The list could not be loaded: {error.message}</MessageBarBody>
        </MessageBar>
      )}
      {!data && !error && <Spinner label="Loading your requests…" />}
      {data && data.length === 0 && (
        <Text className={styles.empty}>
          You have no {status ? `${statusInWords(status)} ` : ''}
          {type ? `${type} ` : ''}requests {where}.
          {canCreate ? ' Start one with “New request”.' : ''}
        </Text>
      )}
      {data && data.length > 0 && (
        <Table aria-label={`My requests ${where}`} size="medium">
          <TableHeader>
            <TableRow>
              <TableHeaderCell scope="col">Title</TableHeaderCell>
              {everywhere && <TableHeaderCell scope="col">Workspace</TableHeaderCell>}
              <TableHeaderCell scope="col">Type</TableHeaderCell>
              <TableHeaderCell scope="col">Status</TableHeaderCell>
              <TableHeaderCell scope="col">Last change</TableHeaderCell>
            </TableRow>
          </TableHeader>
          <TableBody>
            {data.map((request) => (
              <TableRow key={request.id}>
                <TableCell className={styles.titleCell}>
                  <Link href={pathOf({ page: 'request', workspaceId: request.workspaceId, requestId: request.id })} onClick={onLinkClick}>
                    {request.title}
                  </Link>
                </TableCell>
                {everywhere && <TableCell>{workspaceName(request.workspaceId)}</TableCell>}
                <TableCell>{TYPE_WORDS[request.type] ?? request.type}</TableCell>
                <TableCell>
                  <StatusBadge status={request.status} />
                </TableCell>
                <TableCell>{formatWhen(request.updatedWhen)}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
      <Announcer text={announcement} />
    </>
  );
}
