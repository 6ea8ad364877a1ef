/**
 * Nothing of the console shows before sign-in. The gate reads how this deployment signs in, keeps the
 * session, and gives the signed-in pages their API client and session through context.
 */
import { Button, MessageBar, MessageBarBody, Spinner, Title1, makeStyles, tokens } from '@fluentui/react-components';
import { useCallback, useEffect, useMemo, useState, type ReactNode } from 'react';
import { ApiContext, SessionContext, createApiClient, type SessionView } from '../api/client';
import { loadConsoleConfig, type ConsoleConfig } from './consoleConfig';
import { localSession, readStoredSignIn, type DevSignInAnswer } from './localSession';
import { LocalSignInForm } from './LocalSignInForm';
import type { Session } from './session';
import { SessionControlsContext, type SessionControls } from './sessionControls';

const useStyles = makeStyles({
  page: { maxWidth: '720px', margin: '0 auto', padding: `${tokens.spacingVerticalXXL} ${tokens.spacingHorizontalL}` },
  stack: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM, alignItems: 'flex-start' },
});

type GateState =
  | { step: 'loading' }
  | { step: 'failed'; message: string }
  | { step: 'localForm'; devSignInUrl: string; notice?: string }
  | { step: 'entraSignIn'; signIn(): Promise<void> }
  | { step: 'signedIn'; session: Session };

export function SignInGate({ children }: { children: ReactNode }) {
  const styles = useStyles();
  const [state, setState] = useState<GateState>({ step: 'loading' });
  const [config, setConfig] = useState<ConsoleConfig>();

  const toLocalForm = useCallback((devSignInUrl: string, notice?: string) => setState({ step: 'localForm', devSignInUrl, notice }), []);

  const signInLocally = useCallback(
    (devSignInUrl: string, answer: DevSignInAnswer) => setState({ step: 'signedIn', session: localSession(answer, (reason) => toLocalForm(devSignInUrl, reason)) }),
    [toLocalForm],
  );

  useEffect(() => {
    const controller = new AbortController();
    (async () => {
      const loaded = await loadConsoleConfig(controller.signal);
      setConfig(loaded);
      if (loaded.signIn === 'local') {
        const stored = readStoredSignIn();
        if (stored) signInLocally(loaded.devSignInUrl, stored);
        else toLocalForm(loaded.devSignInUrl);
        return;
      }
      const { startEntraSession } = await import('./entraSession');
      const start = await startEntraSession(loaded, () => setState({ step: 'loading' }));
      if (controller.signal.aborted) return;
      setState(start.signedIn ? { step: 'signedIn', session: start.session } : { step: 'entraSignIn', signIn: start.signIn });
    })().catch((error: unknown) => {
      if (!controller.signal.aborted) setState({ step: 'failed', message: error instanceof Error ? error.message : String(error) });
    });
    return () => controller.abort();
  }, [signInLocally, toLocalForm]);

  const session = state.step === 'signedIn' ? state.session : undefined;
  const api = useMemo(() => (session ? createApiClient(session.tokenFor) : undefined), [session]);
  const view = useMemo<SessionView | undefined>(
    () => session && { user: session.user, workspaceIds: session.workspaceIds, rolesIn: (workspaceId) => session.roles[workspaceId] ?? [] },
    [session],
  );
  const controls = useMemo<SessionControls | undefined>(
    () => session && { kind: session.kind, signOut: session.signOut, workspaceName: (id) => session.workspaceNames[id] ?? id },
    [session],
  );

  if (state.step === 'signedIn' && api && view && controls) {
    return (
      <ApiContext.Provider value={api}>
        <SessionContext.Provider value={view}>
          <SessionControlsContext.Provider value={controls}>{children}</SessionControlsContext.Provider>
        </SessionContext.Provider>
      </ApiContext.Provider>
    );
  }
  return (
    <main className={styles.page}>
      <div className={styles.stack}>
        <Title1 as="h1">Airlock console</Title1>
        {state.step === 'loading' && <Spinner label="Loading the console…" />}
        {state.step === 'failed' && (
          <MessageBar intent="error">
            <MessageBarBody>{state.message}</MessageBarBody>
          </MessageBar>
        )}
        {state.step === 'localForm' && config?.signIn === 'local' && (
          <LocalSignInForm devSignInUrl={state.devSignInUrl} notice={state.notice} onSignedIn={(answer) => signInLocally(state.devSignInUrl, answer)} />
        )}
        {state.step === 'entraSignIn' && (
          <Button appearance="primary" onClick={() => void state.signIn()}>
            Sign in with Microsoft Entra ID
          </Button>
        )}
      </div>
    </main>
  );
}
