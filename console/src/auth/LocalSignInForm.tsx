/**
 * The local host's development sign-in: who to be and which roles to hold in each workspace. It
 * exists only where the host serves `/local/dev-sign-in`; Azure has no such route.
 */
import {
  Button,
  Checkbox,
  Field,
  Input,
  MessageBar,
  MessageBarBody,
  MessageBarTitle,
  Spinner,
  Subtitle1,
  makeStyles,
  tokens,
} from '@fluentui/react-components';
import { useEffect, useState, type FormEvent } from 'react';
import { devSignIn, knownWorkspaces, WORKSPACE_ROLE_CHOICES, type DevSignInAnswer } from './localSession';

const ROLE_WORDS: Record<(typeof WORKSPACE_ROLE_CHOICES)[number], string> = {
  WorkspaceResearcher: 'Workspace Researcher',
  WorkspaceOwner: 'Workspace Owner',
  AirlockManager: 'Airlock Manager',
};

const useStyles = makeStyles({
  form: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM, width: '100%', maxWidth: '480px' },
  fieldset: {
    border: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke1}`,
    borderRadius: tokens.borderRadiusMedium,
    padding: `${tokens.spacingVerticalS} ${tokens.spacingHorizontalM}`,
    margin: 0,
    display: 'flex',
    flexWrap: 'wrap',
    columnGap: tokens.spacingHorizontalM,
  },
  legend: { fontWeight: tokens.fontWeightSemibold, padding: `0 ${tokens.spacingHorizontalXS}` },
});

export function LocalSignInForm({ devSignInUrl, notice, onSignedIn }: { devSignInUrl: string; notice?: string; onSignedIn(answer: DevSignInAnswer): void }) {
  const styles = useStyles();
  const [workspaces, setWorkspaces] = useState<string[]>();
  const [user, setUser] = useState('');
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [roles, setRoles] = useState<Record<string, string[]>>({});
  const [problem, setProblem] = useState<string>();
  const [sending, setSending] = useState(false);

  useEffect(() => {
    const controller = new AbortController();
    knownWorkspaces(devSignInUrl, controller.signal).then(setWorkspaces, (error: unknown) => {
      if (!controller.signal.aborted) setProblem(error instanceof Error ? error.message : String(error));
    });
    return () => controller.abort();
  }, [devSignInUrl]);

  const toggle = (workspaceId: string, role: string, on: boolean) =>
    setRoles((current) => {
      const held = new Set(current[workspaceId] ?? []);
      if (on) held.add(role);
      else held.delete(role);
      return { ...current, [workspaceId]: WORKSPACE_ROLE_CHOICES.filter((choice) => held.has(choice)) };
    });

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setProblem(undefined);
    const granted = Object.fromEntries(Object.entries(roles).filter(([, held]) => held.length > 0));
    if (!user.trim()) return setProblem('Enter a user id.');
    if (Object.keys(granted).length === 0) return setProblem('Pick at least one role in a workspace.');
    setSending(true);
    try {
      const answer = await devSignIn(devSignInUrl, {
        user: user.trim(),
        ...(name.trim() ? { name: name.trim() } : {}),
        ...(email.trim() ? { email: email.trim() } : {}),
        workspaces: granted,
        coreRoles: ['TREUser'],
      });
      onSignedIn(answer);
    } catch (error) {
      setProblem(error instanceof Error ? error.message : String(error));
      setSending(false);
    }
  };

  return (
    <>
      <MessageBar intent="warning">
        <MessageBarBody>
          <MessageBarTitle>Local development sign-in: not available in Azure.</MessageBarTitle>
          Pick any user and roles; the local host signs the tokens itself.
        </MessageBarBody>
      </MessageBar>
      {notice && (
        <MessageBar intent="info">
          <MessageBarBody>{notice}</MessageBarBody>
        </MessageBar>
      )}
      <Subtitle1 as="h2">Sign in</Subtitle1>
      <form className={styles.form} onSubmit={(event) => void submit(event)} noValidate>
        <Field label="User id" required hint="Any id, e.g. alice">
          <Input value={user} onChange={(_, data) => setUser(data.value)} autoComplete="username" />
        </Field>
        <Field label="Display name">
          <Input value={name} onChange={(_, data) => setName(data.value)} autoComplete="name" />
        </Field>
        <Field label="Email">
          <Input type="email" value={email} onChange={(_, data) => setEmail(data.value)} autoComplete="email" />
        </Field>
        {workspaces === undefined && !problem && <Spinner size="tiny" label="Loading the workspaces…" />}
        {workspaces?.map((workspaceId) => (
          <fieldset key={workspaceId} className={styles.fieldset}>
            <legend className={styles.legend}>Roles in workspace {workspaceId}</legend>
            {WORKSPACE_ROLE_CHOICES.map((role) => (
              <Checkbox
                key={role}
                label={ROLE_WORDS[role]}
                checked={(roles[workspaceId] ?? []).includes(role)}
                onChange={(_, data) => toggle(workspaceId, role, data.checked === true)}
              />
            ))}
          </fieldset>
        ))}
        {problem && (
          <MessageBar intent="error" role="alert">
            <MessageBarBody>{problem}</MessageBarBody>
          </MessageBar>
        )}
        <div>
          <Button appearance="primary" type="submit" disabled={sending}>
            {sending ? 'Signing in…' : 'Sign in'}
          </Button>
        </div>
      </form>
    </>
  );
}
