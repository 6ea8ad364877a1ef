import { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { checkSubmittable } from '../../domain/policies';
import { withStatus } from '../../domain/request';
import { userRefOf } from '../../domain/roles';
import { containerFor } from '../../infra/stageStorage';
import { airlockSettingsOf } from '../airlockSettings';
import { answering } from './httpMapping';
import { recordAction } from './recordAction';

/** Checks the draft container now, so a request with no files (or too many) is refused at once. */
export const submitRequest = answering(
  async (request: HttpRequest, client: df.DurableClient, _context: InvocationContext): Promise<HttpResponseInit> =>
    recordAction(request, client, 'submit', async ({ request: airlockRequest, caller, deps, now }) => {
      const files = await deps.storage.listFiles(containerFor(airlockRequest, 'draft'));
      checkSubmittable(files, { maxFiles: (await airlockSettingsOf(deps, airlockRequest.workspaceId)).maxFiles });
      return withStatus(airlockRequest, {
        to: 'submitted',
        trigger: 'submit',
        actor: userRefOf(caller),
        now,
        // A new cycle: reviews and approvals of an earlier submission no longer count.
        changes: { files: files.map(({ name, size }) => ({ name, size })), reviewCycle: (airlockRequest.reviewCycle ?? 0) + 1 },
      });
    }),
);

df.app.client.http('submitRequest', {
  methods: ['POST'],
  authLevel: 'anonymous',
  route: 'workspaces/{workspaceId}/requests/{requestId}/submit',
  handler: submitRequest,
});
