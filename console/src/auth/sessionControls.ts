/** What the shell needs of the session beyond useSession(): how to sign out, and workspaces' names. */
import { createContext, useContext } from 'react';

export interface SessionControls {
  kind: 'local' | 'entra';
  signOut(): void;
  workspaceName(workspaceId: string): string;
}

export const SessionControlsContext = createContext<SessionControls | undefined>(undefined);

export function useSessionControls(): SessionControls {
  const controls = useContext(SessionControlsContext);
  if (!controls) throw new Error('useSessionControls outside the signed-in console');
  return controls;
}
