import { app, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { ForbiddenError } from '../../domain/errors';
import { canReview, canView, seesOnlyOwnRequests } from '../../domain/permissions';
import { parseListQuery } from '../../domain/schemas';
import { getDependencies } from '../../infra/dependencies';
import { answering, json, queryObject, withActions, workspaceIdParam } from './httpMapping';
import { airlockSettingsOf } from '../airlockSettings';
import { authenticate } from './requestAccess';

/**
 * `GET /api/workspaces/{workspaceId}/requests`: the workspace's requests the caller may see, with
 * what they may do to each. Without `pageSize` it answers every request up to LIST_PAGE_CAP (the
 * portal and the `tre` CLI read no continuation token), with `continuationToken` beyond it.
 * `awaiting_my_review=true` keeps what `review` would accept from the caller now.
 */
export const listRequests = answering(async (request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> => {
  const deps = await getDependencies();
  const workspaceId = workspaceIdParam(request);
  const caller = await authenticate(request, deps, workspaceId);
  if (!canView(caller)) throw new ForbiddenError('Only workspace members with an airlock role can list airlock requests');
  const query = parseListQuery(queryObject(request));
  const { requestVisibility } = await airlockSettingsOf(deps, workspaceId);
  // Narrowed in the query itself, so that pages stay full and tokens stay valid.
  const page = await deps.store.list(workspaceId, seesOnlyOwnRequests(caller, requestVisibility) ? { ...query, creatorUserId: caller.id } : query);
  return json(200, {
    airlockRequests: page.items
      .filter((item) => canView(caller, item, requestVisibility) && (!query.awaitingMyReview || canReview(caller, item)))
      .map((item) => withActions(caller, item)),
    ...(page.continuationToken ? { continuationToken: page.continuationToken } : {}),
  });
});

app.http('listRequests', {
  methods: ['GET'],
  authLevel: 'anonymous',
  route: 'workspaces/{workspaceId}/requests',
  handler: listRequests,
});
