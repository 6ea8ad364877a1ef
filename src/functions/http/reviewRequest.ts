import { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { recordReview } from '../../domain/review';
import { userRefOf } from '../../domain/roles';
import { parseReview } from '../../domain/schemas';
import { answering } from './httpMapping';
import { recordAction } from './recordAction';
import { airlockSettingsOf } from '../airlockSettings';

/**
 * `{approval, decisionExplanation?}` as Azure TRE takes it (`approval` also in TRE's string forms
 * such as "True"; see parseReview), or `{decision, decisionExplanation}` with `changes_requested`
 * too. The body is read only once the caller may review this request. Approvals count until the
 * workspace's quorum is met.
 */
export const reviewRequest = answering(
  async (request: HttpRequest, client: df.DurableClient, _context: InvocationContext): Promise<HttpResponseInit> =>
    recordAction(request, client, 'review', async ({ request: airlockRequest, caller, deps, now, body }) => {
      const review = parseReview(await body());
      const settings = await airlockSettingsOf(deps, airlockRequest.workspaceId);
      return recordReview(airlockRequest, {
        id: deps.newId(),
        reviewer: userRefOf(caller),
        decision: review.decision,
        decisionExplanation: review.decisionExplanation,
        now,
        requiredApprovals: settings.requiredApprovals,
      });
    }),
);

df.app.client.http('reviewRequest', {
  methods: ['POST'],
  authLevel: 'anonymous',
  route: 'workspaces/{workspaceId}/requests/{requestId}/review',
  handler: reviewRequest,
});
