/**
 * Opens the New request dialog, which lives in the shell rather than in a page: creating navigates to
 * the new request, and a dialog unmounted by that navigation while still open would leave Fluent UI's
 * modal state behind (the rest of the page hidden from assistive technology).
 */
import { createContext, useContext } from 'react';

export const CreateRequestContext = createContext<() => void>(() => undefined);

export function useOpenCreateRequest(): () => void {
  return useContext(CreateRequestContext);
}
