/** The workspace picked in the header: the list shows its requests, a new request goes there. */
import { createContext, useContext } from 'react';

export const ALL_WORKSPACES = '*';

export interface WorkspaceChoice {
  /** a workspace id, or ALL_WORKSPACES */
  workspaceId: string;
  choose(workspaceId: string): void;
}

export const WorkspaceChoiceContext = createContext<WorkspaceChoice>({ workspaceId: ALL_WORKSPACES, choose: () => undefined });

export function useWorkspaceChoice(): WorkspaceChoice {
  return useContext(WorkspaceChoiceContext);
}
