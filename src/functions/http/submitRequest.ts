import { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { checkFileNames } from '../../domain/fileNames';
import { checkSubmittable } from '../../domain/contentPolicy';
import { ValidationError } from '../../domain/errors';
import { filesLocationOf, withStatus } from '../../domain/request';
import { userRefOf } from '../../domain/roles';
import { containerFor } from '../../infra/stageStorage';
import { airlockSettingsOf } from '../airlockSettings';
import { answering } from './httpMapping';
import { recordAction } from './recordAction';

/**
 * Fixes what is submitted: the files in the draft container now, each in the version listed now.
 * Their names are checked here, so a request with no files, too many or badly named ones is
 * refused at once, with the reason per file.
 */
export const submitRequest = answering(
  async (request: HttpRequest, client: df.DurableClient, _context: InvocationContext): Promise<HttpResponseInit> =>
    recordAction(request, client, 'submit', async ({ request: airlockRequest, caller, deps, now }) => {
      const draft = filesLocationOf(airlockRequest);
      if (draft?.stage !== 'draft') throw new ValidationError("Airlock request's files are being moved to the draft stage, please try again shortly");
      const files = await deps.storage.listFiles(containerFor(airlockRequest, draft));
      checkSubmittable(files, { maxFiles: (await airlockSettingsOf(deps, airlockRequest.workspaceId)).maxFiles });
      checkFileNames(files.map((file) => file.name));
      return withStatus(airlockRequest, {
        to: 'submitted',
        trigger: 'submit',
        actor: userRefOf(caller),
        now,
        // A new cycle: reviews and approvals of an earlier submission no longer count.
        changes: {
          files: files.map(({ name, size, etag }) => ({ name, size, etag })),
          reviewCycle: draft.cycle,
        },
      });
    }),
);

df.app.client.http('submitRequest', {
  methods: ['POST'],
  authLevel: 'anonymous',
  route: 'workspaces/{workspaceId}/requests/{requestId}/submit',
  handler: submitRequest,
});
