/** The API paths of the researcher's pages, with the list filters as the API names them (README, API). */
import type { RequestStatus, RequestType } from '../api/types';

export interface ListFilters {
  status?: RequestStatus;
  type?: RequestType;
}

function query(params: Record<string, string | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined) search.set(key, value);
  const text = search.toString();
  return text ? `?${text}` : '';
}

const NEWEST_FIRST = { order_by: 'updatedWhen', order_ascending: 'false' };

/** The caller's own requests in every workspace (core token; a bare array). */
export function myRequestsPath(filters: ListFilters): string {
  return `/api/requests${query({ ...NEWEST_FIRST, status: filters.status, type: filters.type })}`;
}

/** The caller's own requests in one workspace (that workspace's token; `{airlockRequests}`). */
export function myRequestsInWorkspacePath(workspaceId: string, userId: string, filters: ListFilters): string {
  return `${requestsPath(workspaceId)}${query({ ...NEWEST_FIRST, creator_user_id: userId, status: filters.status, type: filters.type })}`;
}

export function requestsPath(workspaceId: string): string {
  return `/api/workspaces/${encodeURIComponent(workspaceId)}/requests`;
}

/** A request, or one of its actions: `link`, `submit`, `cancel`. */
export function requestPath(workspaceId: string, requestId: string, action?: 'link' | 'submit' | 'cancel'): string {
  return `${requestsPath(workspaceId)}/${encodeURIComponent(requestId)}${action ? `/${action}` : ''}`;
}
