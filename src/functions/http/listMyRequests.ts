import { app, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { canReview, hasPermission } from '../../domain/permissions';
import { parseListQuery } from '../../domain/schemas';
import { getDependencies } from '../../infra/dependencies';
import { answering, json, queryObject } from './httpMapping';
import { authenticate } from './requestAccess';

/**
 * `GET /api/requests`, as Azure TRE answers it: a bare list of the caller's own requests across
 * workspaces, or with `airlock_manager=true` the requests awaiting the caller's review. Workspace
 * roles are known only for the workspace whose token the caller presents, so that is where an
 * Airlock Manager's queue is looked for. The continuation token travels in a header to keep the
 * body Azure TRE's shape.
 */
export const listMyRequests = answering(async (request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> => {
  const deps = await getDependencies();
  const caller = await authenticate(request, deps);
  const query = parseListQuery(queryObject(request));
  let page;
  if (query.airlockManager) {
    if (!caller.workspaceId || !hasPermission(caller, 'review')) return json(200, []);
    page = await deps.store.list(caller.workspaceId, { ...query, status: 'in_review' });
    // The queue offers exactly what review would accept: not their own, not one they reviewed this cycle.
    page = { ...page, items: page.items.filter((item) => canReview(caller, item)) };
  } else {
    page = await deps.store.listAll({ ...query, creatorUserId: caller.id });
  }
  const response = json(200, page.items);
  if (page.continuationToken) response.headers = { ...response.headers, 'x-continuation-token': page.continuationToken };
  return response;
});

app.http('listMyRequests', {
  methods: ['GET'],
  authLevel: 'anonymous',
  route: 'requests',
  handler: listMyRequests,
});
