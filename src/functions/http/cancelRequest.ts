import { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { withStatus } from '../../domain/request';
import { userRefOf } from '../../domain/roles';
import { answering } from './httpMapping';
import { recordAction } from './recordAction';

export const cancelRequest = answering(
  async (request: HttpRequest, client: df.DurableClient, _context: InvocationContext): Promise<HttpResponseInit> =>
    recordAction(request, client, 'cancel', ({ request: airlockRequest, caller, now }) =>
      withStatus(airlockRequest, { to: 'cancelled', trigger: 'cancel', actor: userRefOf(caller), now }),
    ),
);

df.app.client.http('cancelRequest', {
  methods: ['POST'],
  authLevel: 'anonymous',
  route: 'workspaces/{workspaceId}/requests/{requestId}/cancel',
  handler: cancelRequest,
});
