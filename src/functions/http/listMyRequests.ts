import { app, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { ForbiddenError } from '../../domain/errors';
import { canListAcrossWorkspaces, canReview, CROSS_WORKSPACE_LIST, isTreUser, managerViewMembers } from '../../domain/permissions';
import { Caller } from '../../domain/roles';
import { ParsedListQuery, parseListQuery } from '../../domain/schemas';
import { Dependencies, getDependencies } from '../../infra/dependencies';
import { RequestPage } from '../../infra/requestStore';
import { answering, json, queryObject, requestOnWire } from './httpMapping';
import { authenticate } from './requestAccess';

/**
 * `GET /api/requests`, as Azure TRE answers it: a bare list of requests across workspaces, the
 * caller's own, or with `airlock_manager=true` every request (any status) of the workspaces where
 * the caller is an Airlock Manager, which the portal's "All Requests" shows (tre-facts §1.11).
 * `awaiting_my_review=true` narrows that to what `review` would accept from the caller now. A core
 * token's workspace roles come from the role directory; a workspace token's from the token, for
 * its own workspace. The continuation token travels in a header to keep the body Azure TRE's shape.
 */
export const listMyRequests = answering(async (request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> => {
  const deps = await getDependencies();
  const caller = await authenticate(request, deps);
  if (!canListAcrossWorkspaces(caller)) throw new ForbiddenError(CROSS_WORKSPACE_LIST.refusal);
  const query = parseListQuery(queryObject(request));
  const page = query.airlockManager ? await managerView(deps, caller, query) : await deps.store.listAll({ ...query, creatorUserId: caller.id });
  const response = json(200, page.items.map(requestOnWire));
  if (page.continuationToken) response.headers = { ...response.headers, 'x-continuation-token': page.continuationToken };
  return response;
});

async function managerView(deps: Dependencies, caller: Caller, query: ParsedListQuery): Promise<RequestPage> {
  // The directory is asked only for a TRE user's core token: a workspace token carries its own roles.
  const directory = isTreUser(caller) ? await deps.roleDirectory.rolesOf(caller.id, await deps.workspaces.list()) : undefined;
  const members = new Map(managerViewMembers(caller, directory).map((member) => [member.workspaceId!, member]));
  if (members.size === 0) return { items: [] };
  // One query over the managed workspaces, so the list is ordered as a whole (Azure TRE concatenates per workspace).
  const page = await deps.store.listAll({ ...query, workspaceIds: [...members.keys()] });
  if (!query.awaitingMyReview) return page;
  // Narrowed after the query: the page may hold fewer, and its token still continues after it.
  return { ...page, items: page.items.filter((item) => canReview(members.get(item.workspaceId)!, item)) };
}

app.http('listMyRequests', {
  methods: ['GET'],
  authLevel: 'anonymous',
  route: 'requests',
  handler: listMyRequests,
});
