import { useEffect, useState } from 'react';
import { useApi } from '../api/client';

/**
 * The bytes of a raw preview (an image or a PDF) as an object URL the page can show, revoked when the
 * file changes or the component goes: the bytes never leave the browser's memory as a download.
 */
export function useObjectUrl(workspaceId: string, path: string, contentType: string | undefined): { url?: string; error?: Error } {
  const api = useApi();
  const [state, setState] = useState<{ url?: string; error?: Error }>({});
  useEffect(() => {
    const controller = new AbortController();
    let url: string | undefined;
    setState({});
    api.blob(path, { workspaceId, signal: controller.signal }).then(
      (blob) => {
        if (controller.signal.aborted) return;
        // The type the preview API sniffed from the content, not whatever the answer's header said.
        url = URL.createObjectURL(contentType ? new Blob([blob], { type: contentType }) : blob);
        setState({ url });
      },
      (error: unknown) => {
        if (!controller.signal.aborted) setState({ error: error instanceof Error ? error : new Error(String(error)) });
      },
    );
    return () => {
      controller.abort();
      if (url) URL.revokeObjectURL(url);
    };
  }, [api, workspaceId, path, contentType]);
  return state;
}
