/**
 * One request as its researcher follows it: where it stands (the lifecycle diagram, and in words why
 * it stopped or what the airlock is doing), its files (the draft container while it is edited, the
 * files of record after submit), the checks' findings, the reviews, and what the researcher may do
 * next (submit, resubmit, cancel, download).
 */
import {
  Body1,
  Button,
  Caption1,
  Dialog,
  DialogActions,
  DialogBody,
  DialogContent,
  DialogSurface,
  DialogTitle,
  Link,
  MessageBar,
  MessageBarBody,
  MessageBarTitle,
  Spinner,
  Subtitle1,
  Subtitle2,
  Text,
  Title1,
  makeStyles,
  tokens,
} from '@fluentui/react-components';
import { useEffect, useMemo, useRef, useState } from 'react';
import { ApiError, useApi, useSession } from '../api/client';
import type { AirlockRequest, RequestWithActions } from '../api/types';
import { useSessionControls } from '../auth/sessionControls';
import { LifecycleDiagram } from '../lifecycle/LifecycleDiagram';
import { statusInWords } from '../lifecycle/lifecycleModel';
import { formatWhen } from '../review/format';
import { onLinkClick } from '../router';
import { useRequest } from './useRequest';
import { Announcer } from '../shell/Announcer';
import { pathOf } from '../shell/routes';
import { cachedLink } from '../storage/linkCache';
import { isActive, useUploads } from '../upload/uploadManager';
import { DraftFiles } from './DraftFiles';
import { RecordedFiles } from './RecordedFiles';
import { requestPath } from './requestPaths';
import { ReviewHistory } from './ReviewHistory';
import { TYPE_HINTS, TYPE_WORDS } from './requestWords';

export const REQUEST_REFRESH_MS = 5000;

const useStyles = makeStyles({
  header: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalXS, marginBottom: tokens.spacingVerticalL },
  title: { overflowWrap: 'anywhere' },
  justification: { whiteSpace: 'pre-wrap', overflowWrap: 'anywhere', maxWidth: '80ch' },
  section: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM, marginBottom: tokens.spacingVerticalXXL },
  actions: { display: 'flex', flexWrap: 'wrap', gap: tokens.spacingHorizontalM, alignItems: 'center' },
});

/** The statuses in which the requester edits the files in the draft container. */
const EDITING = new Set(['draft', 'changes_requested']);

function sentence(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export function RequestPage({ workspaceId, requestId }: { workspaceId: string; requestId: string }) {
  const styles = useStyles();
  const session = useSession();
  const { workspaceName } = useSessionControls();
  const { data, error, reload } = useRequest(workspaceId, requestId, REQUEST_REFRESH_MS);
  const request = data?.airlockRequest;

  useEffect(() => {
    document.title = request ? `${request.title} – Airlock console` : 'Request – Airlock console';
  }, [request]);

  // The status said aloud when it changes while the page is open.
  const lastStatus = useRef<string>(undefined);
  const [announcement, setAnnouncement] = useState('');
  useEffect(() => {
    if (!request) return;
    if (lastStatus.current !== undefined && lastStatus.current !== request.status) {
      setAnnouncement(`Status changed to ${statusInWords(request.status)}.${request.statusMessage ? ` ${request.statusMessage}` : ''}`);
    }
    lastStatus.current = request.status;
  }, [request]);

  if (!data) {
    return (
      <>
        <Title1 as="h1">Request</Title1>
        {error ? (
          <MessageBar intent="error">
            <MessageBarBody>
              {error instanceof ApiError && error.status === 404 ? 'There is no such request, or it is not yours to see.' : `The request could not be loaded: ${error.message}`}
            </MessageBarBody>
          </MessageBar>
        ) : (
          <Spinner label="Loading the request…" />
        )}
      </>
    );
  }

  const requester = request!.createdBy.id === session.user.id;
  const roles = session.rolesIn(workspaceId);
  return (
    <>
      <header className={styles.header}>
        <Title1 as="h1" className={styles.title}>
          {request!.title}
        </Title1>
        <Body1>
          {TYPE_WORDS[request!.type]} ({TYPE_HINTS[request!.type]}) in workspace {workspaceName(workspaceId)}; requested by {request!.createdBy.name} on{' '}
          {formatWhen(request!.createdWhen)}.
        </Body1>
        <Body1 className={styles.justification}>
          <strong>Business justification:</strong> {request!.businessJustification}
        </Body1>
      </header>
      {error && (
        <MessageBar intent="warning">
          <MessageBarBody>Showing the request as it was last read; refreshing failed: {error.message}</MessageBarBody>
        </MessageBar>
      )}

      <StatusSection request={request!} />
      <Announcer text={announcement} />

      <ActionsSection
        data={data}
        workspaceId={workspaceId}
        requestId={requestId}
        onChanged={reload}
        mayReview={roles.includes('AirlockManager')}
        mayAudit={roles.includes('AirlockManager') || roles.includes('WorkspaceOwner')}
      />

      <FilesSection request={request!} requester={requester} mayDownload={requester || roles.includes('WorkspaceOwner')} />

      <section className={styles.section} aria-labelledby="reviews-heading">
        <Subtitle1 as="h2" id="reviews-heading">
          Reviews
        </Subtitle1>
        <ReviewHistory reviews={request!.reviews} />
      </section>
    </>
  );
}

function StatusSection({ request }: { request: AirlockRequest }) {
  const styles = useStyles();
  return (
    <section className={styles.section} aria-labelledby="status-heading">
      <Subtitle1 as="h2" id="status-heading">
        Status: {statusInWords(request.status)}
      </Subtitle1>
      <LifecycleDiagram type={request.type} status={request.status} />
      {request.statusMessage && (
        <MessageBar intent="error">
          <MessageBarBody>
            <MessageBarTitle>{request.status === 'failed' ? 'The request failed' : 'The request was blocked'}</MessageBarTitle>
            {request.statusMessage}
          </MessageBarBody>
        </MessageBar>
      )}
      {request.progressMessage && (
        <MessageBar intent={request.status === 'changes_requested' || request.status === 'rejected' ? 'warning' : 'info'}>
          <MessageBarBody>{sentence(request.progressMessage)}</MessageBarBody>
        </MessageBar>
      )}
      <Caption1>Last change {formatWhen(request.updatedWhen)} by {request.updatedBy.name}.</Caption1>
    </section>
  );
}

function ActionsSection({
  data,
  workspaceId,
  requestId,
  onChanged,
  mayReview,
  mayAudit,
}: {
  data: RequestWithActions;
  workspaceId: string;
  requestId: string;
  onChanged(): void;
  mayReview: boolean;
  mayAudit: boolean;
}) {
  const styles = useStyles();
  const api = useApi();
  const request = data.airlockRequest;
  const uploadsHere = useUploads(`${workspaceId}/${requestId}`);
  const uploading = uploadsHere.some((item) => item.state === 'queued' || isActive(item.state));
  const [busy, setBusy] = useState<'submit' | 'cancel'>();
  // undefined until first asked: the dialog is mounted only once needed (see App.tsx on focus sentinels).
  const [confirmingCancel, setConfirmingCancel] = useState<boolean>();
  const [problem, setProblem] = useState<string>();

  const act = async (action: 'submit' | 'cancel') => {
    setBusy(action);
    setProblem(undefined);
    try {
      await api.json<RequestWithActions>(requestPath(workspaceId, requestId, action), { method: 'POST', workspaceId });
      onChanged();
    } catch (error) {
      setProblem(`${action === 'submit' ? 'The request was not submitted' : 'The request was not cancelled'}: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      setBusy(undefined);
    }
  };

  const canSubmit = data.allowedUserActions.includes('submit');
  const canCancel = data.allowedUserActions.includes('cancel');
  const reviewable = mayReview && (data.allowedUserActions.includes('review') || data.allowedUserActions.includes('revoke'));
  if (!canSubmit && !canCancel && !reviewable && !mayAudit) return null;
  return (
    <section className={styles.section} aria-labelledby="actions-heading">
      <Subtitle1 as="h2" id="actions-heading">
        Actions
      </Subtitle1>
      <div className={styles.actions}>
        {canSubmit && (
          <Button appearance="primary" disabled={busy !== undefined || uploading} onClick={() => void act('submit')}>
            {busy === 'submit' ? 'Submitting…' : request.status === 'changes_requested' ? 'Resubmit' : 'Submit'}
          </Button>
        )}
        {canCancel && (
          <Button disabled={busy !== undefined} onClick={() => setConfirmingCancel(true)}>
            Cancel request
          </Button>
        )}
        {reviewable && (
          <Link href={pathOf({ page: 'review', workspaceId, requestId })} onClick={onLinkClick}>
            Open the review page
          </Link>
        )}
        {mayAudit && (
          <Link href={pathOf({ page: 'audit', workspaceId, requestId })} onClick={onLinkClick}>
            Audit log
          </Link>
        )}
      </div>
      {canSubmit && uploading && <Text>Wait for the uploads to finish before submitting.</Text>}
      {canSubmit && !uploading && (
        <Caption1>
          Submitting fixes the files in the draft container as they are now; they are then checked{request.type === 'export' ? ', scanned and reviewed' : ' and scanned'}.
        </Caption1>
      )}
      {problem && (
        <MessageBar intent="error" role="alert">
          <MessageBarBody>{problem}</MessageBarBody>
        </MessageBar>
      )}
      {confirmingCancel !== undefined && (
        <Dialog open={confirmingCancel} modalType="alert" onOpenChange={(_, state) => !state.open && setConfirmingCancel(false)}>
          <DialogSurface>
            <DialogBody>
              <DialogTitle>Cancel this request?</DialogTitle>
              <DialogContent>A cancelled request cannot be submitted again, and its files are deleted.</DialogContent>
              <DialogActions>
                <Button onClick={() => setConfirmingCancel(false)}>Keep the request</Button>
                <Button
                  appearance="primary"
                  onClick={() => {
                    setConfirmingCancel(false);
                    void act('cancel');
                  }}
                >
                  Cancel the request
                </Button>
              </DialogActions>
            </DialogBody>
          </DialogSurface>
        </Dialog>
      )}
    </section>
  );
}

function FilesSection({ request, requester, mayDownload }: { request: AirlockRequest; requester: boolean; mayDownload: boolean }) {
  const styles = useStyles();
  const api = useApi();
  const editing = EDITING.has(request.status) && requester;
  const approved = request.status === 'approved' && mayDownload;
  const requestKey = `${request.workspaceId}/${request.id}`;
  // One link per request and purpose: the draft's to edit, the approved stage's to download.
  const link = useMemo(
    () =>
      editing || approved
        ? cachedLink(async () => (await api.json<{ containerUrl: string }>(requestPath(request.workspaceId, request.id, 'link'), { workspaceId: request.workspaceId })).containerUrl)
        : undefined,
    [api, request.workspaceId, request.id, editing, approved],
  );
  return (
    <section className={styles.section} aria-labelledby="files-heading">
      <Subtitle1 as="h2" id="files-heading">
        Files
      </Subtitle1>
      {editing && link ? (
        <>
          <DraftFiles requestKey={requestKey} link={link} />
          {request.status === 'changes_requested' && request.files.length > 0 && (
            <>
              <Subtitle2 as="h3">As last submitted, with what the checks found</Subtitle2>
              <RecordedFiles request={request} />
            </>
          )}
        </>
      ) : EDITING.has(request.status) ? (
        <Text>The requester adds and removes this draft's files; they are listed here once it is submitted.</Text>
      ) : (
        <RecordedFiles request={request} downloadLink={approved ? link : undefined} />
      )}
    </section>
  );
}
