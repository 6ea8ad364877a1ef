import { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { filesLocationOf, withStatus } from '../../domain/request';
import { userRefOf } from '../../domain/roles';
import { parseRevoke } from '../../domain/schemas';
import { getDependencies } from '../../infra/dependencies';
import { answering, json, withActions } from './httpMapping';
import { storeAction } from './recordAction';

/** How long the answer waits for the files to leave the approved stage; past it, 202 says they are still leaving. */
const FILES_GONE_WAIT_MS = 60_000;
const POLL_INTERVAL_MS = 250;

/**
 * Recorded as a review with decision `revoked`, as Azure TRE does; the workflow then moves the data
 * out of the approved stage. The answer waits for that move, because until it ends every link to the
 * approved files still works: 200 means they are gone from there, 202 that they are still leaving.
 */
export const revokeRequest = answering(
  async (request: HttpRequest, client: df.DurableClient, _context: InvocationContext): Promise<HttpResponseInit> => {
    const { caller, stored: revoked } = await storeAction(request, client, 'revoke', async ({ request: airlockRequest, caller, deps, now, body }) => {
      const { reason } = parseRevoke(await body());
      const reviewer = userRefOf(caller);
      return withStatus(airlockRequest, {
        to: 'revoked',
        trigger: 'revoke',
        actor: reviewer,
        now,
        // Progress, not an error bar in TRE's portal: it shows the reason with the revoking review.
        message: `Revoked: ${reason}`,
        changes: {
          reviews: [
            ...airlockRequest.reviews,
            { id: deps.newId(), reviewer, dateCreated: now, reviewDecision: 'revoked', decisionExplanation: reason },
          ],
        },
      });
    });
    const deps = await getDependencies();
    const deadline = deps.now().getTime() + FILES_GONE_WAIT_MS;
    for (;;) {
      const stored = await deps.store.get(revoked.workspaceId, revoked.id);
      if (!stored) return json(200, withActions(caller, revoked));
      if (filesLocationOf(stored)?.stage !== 'approved') return json(200, withActions(caller, stored));
      if (deps.now().getTime() >= deadline) return json(202, withActions(caller, stored));
      await deps.sleep(POLL_INTERVAL_MS);
    }
  },
);

df.app.client.http('revokeRequest', {
  methods: ['POST'],
  authLevel: 'anonymous',
  route: 'workspaces/{workspaceId}/requests/{requestId}/revoke',
  handler: revokeRequest,
});
