import { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { withStatus } from '../../domain/request';
import { userRefOf } from '../../domain/roles';
import { parseRevoke } from '../../domain/schemas';
import { answering } from './httpMapping';
import { recordAction } from './recordAction';

/** Recorded as a review with decision `revoked`, as Azure TRE does; the workflow then moves the data out. */
export const revokeRequest = answering(
  async (request: HttpRequest, client: df.DurableClient, _context: InvocationContext): Promise<HttpResponseInit> =>
    recordAction(request, client, 'revoke', async ({ request: airlockRequest, caller, deps, now, body }) => {
      const { reason } = parseRevoke(await body());
      const reviewer = userRefOf(caller);
      return withStatus(airlockRequest, {
        to: 'revoked',
        trigger: 'revoke',
        actor: reviewer,
        now,
        statusMessage: `Revoked: ${reason}`,
        changes: {
          reviews: [
            ...airlockRequest.reviews,
            { id: deps.newId(), reviewer, dateCreated: now, reviewDecision: 'revoked', decisionExplanation: reason },
          ],
        },
      });
    }),
);

df.app.client.http('revokeRequest', {
  methods: ['POST'],
  authLevel: 'anonymous',
  route: 'workspaces/{workspaceId}/requests/{requestId}/revoke',
  handler: revokeRequest,
});
