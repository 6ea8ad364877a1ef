import { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { checkSubmittable } from '../../domain/policies';
import { withStatus } from '../../domain/request';
import { userRefOf } from '../../domain/roles';
import { containerFor } from '../../infra/stageStorage';
import { answering } from './httpMapping';
import { recordAction } from './recordAction';

/** Checks the draft container now, so a request with no files (or too many) is refused at once. */
export const submitRequest = answering(
  async (request: HttpRequest, client: df.DurableClient, _context: InvocationContext): Promise<HttpResponseInit> =>
    recordAction(request, client, 'submit', async ({ request: airlockRequest, caller, deps, now }) => {
      const files = await deps.storage.listFiles(containerFor(airlockRequest, 'draft'));
      checkSubmittable(files, { maxFiles: deps.config.maxFilesPerRequest });
      return withStatus(airlockRequest, {
        to: 'submitted',
        trigger: 'submit',
        actor: userRefOf(caller),
        now,
        changes: { files: files.map(({ name, size }) => ({ name, size })) },
      });
    }),
);

df.app.client.http('submitRequest', {
  methods: ['POST'],
  authLevel: 'anonymous',
  route: 'workspaces/{workspaceId}/requests/{requestId}/submit',
  handler: submitRequest,
});
