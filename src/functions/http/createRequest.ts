import { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { auditOfChange, auditOfCreation } from '../../domain/auditOfChange';
import { epochSeconds } from '../../domain/epochSeconds';
import { AirlockDisabledError } from '../../domain/errors';
import { requirePermission } from '../../domain/permissions';
import { newDraftRequest, withStatus } from '../../domain/request';
import { AIRLOCK_SYSTEM, userRefOf } from '../../domain/roles';
import { parseCreateRequest } from '../../domain/schemas';
import { getDependencies } from '../../infra/dependencies';
import { LIFECYCLE_ORCHESTRATOR, lifecycleInputOf } from '../lifecycleNames';
import { workflowStateOf } from '../lifecycleWorkflow';
import { answering, json, notifyLifecycle, readJsonBody, withActions, workspaceIdParam } from './httpMapping';
import { airlockSettingsOf } from '../airlockSettings';
import { authenticate } from './requestAccess';

export const createRequest = answering(
  async (request: HttpRequest, client: df.DurableClient, _context: InvocationContext): Promise<HttpResponseInit> => {
    const deps = await getDependencies();
    const workspaceId = workspaceIdParam(request);
    const caller = await authenticate(request, deps, workspaceId);
    requirePermission(caller, 'create');
    if (!(await airlockSettingsOf(deps, workspaceId)).enabled) throw new AirlockDisabledError('Airlock is not enabled in this workspace.');
    const body = parseCreateRequest(await readJsonBody(request));
    const now = epochSeconds(deps.now());
    const fresh = newDraftRequest({ id: deps.newId(), workspaceId, ...body, creator: userRefOf(caller), now });
    const draft = await deps.store.create(fresh, auditOfCreation(fresh));
    const input = lifecycleInputOf(draft);
    try {
      await notifyLifecycle(() => client.startNew(LIFECYCLE_ORCHESTRATOR, { instanceId: draft.id, input }).then(() => undefined), 'The request');
    } catch (error) {
      // The reconciler may have started it first (it starts the workflow of any request that has none).
      if ((await workflowStateOf(client, draft.id).catch(() => undefined))?.running) return json(201, withActions(caller, draft));
      // Without its workflow the draft could never move: record why, so nobody waits on it.
      const failed = withStatus(draft, { to: 'failed', actor: AIRLOCK_SYSTEM, now, message: 'The airlock could not start processing this request; create a new one' });
      await deps.store.replace(failed, auditOfChange(draft, failed));
      throw error;
    }
    return json(201, withActions(caller, draft));
  },
);

df.app.client.http('createRequest', {
  methods: ['POST'],
  authLevel: 'anonymous',
  route: 'workspaces/{workspaceId}/requests',
  handler: createRequest,
});
