import { useState } from 'react';
import { ApiError, useApi, usePolling } from '../api/client';
import { refreshPolicy } from '../api/refresh';
import type { RequestWithActions } from '../api/types';
import { passingStatus } from '../lifecycle/lifecycleModel';
import { requestPath } from './requestPaths';

/**
 * One request with the caller's actions, read again every `restingMs`, and sooner while the airlock
 * moves it on by itself (its checks, files moving after a decision): whoever looks waits on that.
 */
export function useRequest(
  workspaceId: string,
  requestId: string,
  restingMs: number,
): { data?: RequestWithActions; error?: ApiError | Error; reload(): void } {
  const api = useApi();
  const [refreshAfter] = useState(() => refreshPolicy(restingMs));
  return usePolling(
    (signal) => api.json<RequestWithActions>(requestPath(workspaceId, requestId), { workspaceId, signal }),
    (latest) => refreshAfter(passingStatus(latest?.airlockRequest.status)),
    [api, workspaceId, requestId],
  );
}
