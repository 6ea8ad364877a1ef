import { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { withStatus } from '../../domain/request';
import { userRefOf } from '../../domain/roles';
import { parseReview } from '../../domain/schemas';
import { requireTarget } from '../../domain/transitions';
import { answering } from './httpMapping';
import { recordAction } from './recordAction';

export const reviewRequest = answering(
  async (request: HttpRequest, client: df.DurableClient, _context: InvocationContext): Promise<HttpResponseInit> =>
    recordAction(request, client, 'review', async ({ request: airlockRequest, caller, deps, now, body }) => {
      const review = parseReview(await body());
      const trigger = review.approval ? 'approve' : 'reject';
      const reviewer = userRefOf(caller);
      return withStatus(airlockRequest, {
        to: requireTarget(airlockRequest.status, trigger),
        trigger,
        actor: reviewer,
        now,
        changes: {
          reviews: [
            ...airlockRequest.reviews,
            {
              id: deps.newId(),
              reviewer,
              dateCreated: now,
              reviewDecision: review.approval ? 'approved' : 'rejected',
              decisionExplanation: review.decisionExplanation,
            },
          ],
        },
      });
    }),
);

df.app.client.http('reviewRequest', {
  methods: ['POST'],
  authLevel: 'anonymous',
  route: 'workspaces/{workspaceId}/requests/{requestId}/review',
  handler: reviewRequest,
});
