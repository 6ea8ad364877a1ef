/** A new request: where, import or export, a title and the business justification; then its page. */
import {
  Button,
  Dialog,
  DialogActions,
  DialogBody,
  DialogContent,
  DialogSurface,
  DialogTitle,
  Field,
  Input,
  MessageBar,
  MessageBarBody,
  Radio,
  RadioGroup,
  Select,
  Textarea,
  makeStyles,
  tokens,
} from '@fluentui/react-components';
import { useState, type FormEvent } from 'react';
import { useApi, useSession, type SessionView } from '../api/client';
import type { RequestType, RequestWithActions } from '../api/types';
import { useSessionControls } from '../auth/sessionControls';
import { navigate } from '../router';
import { pathOf } from '../shell/routes';
import { ALL_WORKSPACES, useWorkspaceChoice } from '../shell/workspaceChoice';
import { requestsPath } from './requestPaths';
import { TYPE_HINTS, TYPE_WORDS } from './requestWords';

/** The API lets Workspace Researchers and Owners create requests. */
export function workspacesToCreateIn(session: SessionView): string[] {
  return session.workspaceIds.filter((id) => session.rolesIn(id).some((role) => role === 'WorkspaceResearcher' || role === 'WorkspaceOwner'));
}

const useStyles = makeStyles({
  form: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
});

/**
 * Always mounted (in the shell), opened and closed by `open`: Fluent UI hides the rest of the page
 * from assistive technology while a modal dialog is open and restores it when the dialog closes, not
 * when it is unmounted. The form inside is mounted afresh at each opening.
 */
export function CreateRequestDialog({ open, onClose }: { open: boolean; onClose(): void }) {
  return (
    <Dialog open={open} modalType="modal" onOpenChange={(_, data) => !data.open && onClose()}>
      <DialogSurface aria-describedby={undefined}>
        <CreateRequestForm onClose={onClose} />
      </DialogSurface>
    </Dialog>
  );
}

function CreateRequestForm({ onClose }: { onClose(): void }) {
  const styles = useStyles();
  const api = useApi();
  const session = useSession();
  const { workspaceName } = useSessionControls();
  const choice = useWorkspaceChoice();
  const eligible = workspacesToCreateIn(session);
  const [workspaceId, setWorkspaceId] = useState(eligible.includes(choice.workspaceId) ? choice.workspaceId : (eligible[0] ?? ''));
  const [type, setType] = useState<RequestType>('import');
  const [title, setTitle] = useState('');
  const [justification, setJustification] = useState('');
  const [problems, setProblems] = useState<{ title?: string; justification?: string; api?: string }>({});
  const [sending, setSending] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const found = {
      ...(title.trim() ? {} : { title: 'Give the request a title.' }),
      ...(justification.trim() ? {} : { justification: 'Say why the data must move: reviewers read this.' }),
    };
    setProblems(found);
    if (Object.keys(found).length > 0 || !workspaceId) return;
    setSending(true);
    try {
      const created = await api.json<RequestWithActions>(requestsPath(workspaceId), {
        method: 'POST',
        workspaceId,
        body: { type, title: title.trim(), businessJustification: justification.trim() },
      });
      if (choice.workspaceId !== ALL_WORKSPACES && choice.workspaceId !== workspaceId) choice.choose(workspaceId);
      onClose();
      navigate(pathOf({ page: 'request', workspaceId, requestId: created.airlockRequest.id }));
    } catch (error) {
      setProblems({ api: error instanceof Error ? error.message : String(error) });
      setSending(false);
    }
  };

  return (
    <form onSubmit={(event) => void submit(event)} noValidate>
      <DialogBody>
        <DialogTitle>New request</DialogTitle>
        <DialogContent className={styles.form}>
          {eligible.length > 1 ? (
            <Field label="Workspace" required>
              <Select value={workspaceId} onChange={(_, data) => setWorkspaceId(data.value)}>
                {eligible.map((id) => (
                  <option key={id} value={id}>
                    {workspaceName(id)}
                  </option>
                ))}
              </Select>
            </Field>
          ) : (
            <Field label="Workspace">
              <Input value={workspaceName(workspaceId)} readOnly />
            </Field>
          )}
          <Field label="Type" required>
            <RadioGroup value={type} onChange={(_, data) => setType(data.value as RequestType)}>
              {(['import', 'export'] as const).map((value) => (
                <Radio key={value} value={value} label={`${TYPE_WORDS[value]}: ${TYPE_HINTS[value]}`} />
              ))}
            </RadioGroup>
          </Field>
          <Field label="Title" required validationMessage={problems.title}>
            <Input value={title} onChange={(_, data) => setTitle(data.value)} maxLength={200} />
          </Field>
          <Field label="Business justification" required validationMessage={problems.justification}>
            <Textarea value={justification} onChange={(_, data) => setJustification(data.value)} rows={4} resize="vertical" maxLength={4000} />
          </Field>
          {problems.api && (
            <MessageBar intent="error" role="alert">
              <MessageBarBody>The request was not created: {problems.api}</MessageBarBody>
            </MessageBar>
          )}
        </DialogContent>
        <DialogActions>
          <Button appearance="secondary" onClick={onClose}>
            Cancel
          </Button>
          <Button appearance="primary" type="submit" disabled={sending}>
            {sending ? 'Creating…' : 'Create'}
          </Button>
        </DialogActions>
      </DialogBody>
    </form>
  );
}
