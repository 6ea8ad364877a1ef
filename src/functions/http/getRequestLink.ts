import { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { auditOfLink } from '../../domain/auditOfChange';
import { epochSeconds } from '../../domain/epochSeconds';
import { LinkGrant, linkGrantFor } from '../../domain/permissions';
import { userRefOf } from '../../domain/roles';
import { storageAccountName } from '../../domain/stages';
import { getDependencies } from '../../infra/dependencies';
import { containerFor } from '../../infra/stageStorage';
import { lifecycleInputOf, REQUEST_UPDATED_EVENT } from '../lifecycleNames';
import { updateStoredRequest } from '../storedRequest';
import { answering, json, requestIdParam, workspaceIdParam } from './httpMapping';
import { authenticate, loadVisibleRequest } from './requestAccess';

/**
 * A SAS URL scoped to the request's one container in its current stage, with the least permission
 * the status needs. The issuance is written to the request's audit log before the URL is made,
 * against the stored request of that moment, so no link leaves the airlock unrecorded.
 */
export const getRequestLink = answering(async (request: HttpRequest, client: df.DurableClient, context: InvocationContext): Promise<HttpResponseInit> => {
  const deps = await getDependencies();
  const workspaceId = workspaceIdParam(request);
  const caller = await authenticate(request, deps, workspaceId);
  const visible = await loadVisibleRequest(deps, caller, workspaceId, requestIdParam(request));
  const expiresOn = new Date(deps.now().getTime() + deps.config.sasExpiryMinutes * 60_000);
  let grant: LinkGrant | undefined;
  const airlockRequest = await updateStoredRequest(
    deps,
    lifecycleInputOf(visible),
    (current) => {
      grant = linkGrantFor(caller, current);
      return current;
    },
    {
      audit: (current) => [
        auditOfLink(userRefOf(caller), epochSeconds(deps.now()), {
          stage: grant!.stage,
          permissions: grant!.permissions,
          expiresOn: expiresOn.toISOString(),
          cycle: grant!.at.cycle,
          account: storageAccountName(containerFor(current, grant!.at).account, { treId: deps.config.treId, workspaceId }),
        }),
      ],
    },
  );
  const container = containerFor(airlockRequest, grant!.at);
  // The draft container is provisioned by the workflow right after create; making sure here lets a
  // researcher upload the moment the request exists.
  if (grant!.stage === 'draft') await deps.storage.ensureContainer(container);
  const containerUrl = await deps.storage.containerUrl(container, grant!.permissions, expiresOn);
  context.log(
    `link issued: request=${airlockRequest.id} workspace=${workspaceId} to=${caller.id} stage=${grant!.stage} permissions=${grant!.permissions} expires=${expiresOn.toISOString()}`,
  );
  // The issuance is in the audit log already; this only lets the workflow publish it as an event now
  // rather than at its next step, so a failure here is not the caller's problem.
  await client.raiseEvent(airlockRequest.id, REQUEST_UPDATED_EVENT, { linkIssued: true }).catch((error: Error) => context.warn(`link event not signalled: ${error.message}`));
  return json(200, { containerUrl });
});

df.app.client.http('getRequestLink', {
  methods: ['GET', 'POST'],
  authLevel: 'anonymous',
  route: 'workspaces/{workspaceId}/requests/{requestId}/link',
  handler: getRequestLink,
});
