import { app, InvocationContext, Timer } from '@azure/functions';
import * as df from 'durable-functions';
import { epochSeconds } from '../../domain/epochSeconds';
import { AIRLOCK_SYSTEM } from '../../domain/roles';
import { isFinalStatus } from '../../domain/transitions';
import { getDependencies } from '../../infra/dependencies';
import { everyRequest } from '../../infra/requestStore';
import { REQUEST_UPDATED_EVENT } from '../lifecycleNames';
import { restartStoppedWorkflow, workflowStateOf } from '../lifecycleWorkflow';

/** Every five minutes; the local host also runs it once at start-up, after a crash. */
export const RECONCILE_SCHEDULE = '0 */5 * * * *';
/** Ended requests are looked at this long after their last change (their data may still need tidying). */
const ENDED_LOOKBACK_SECONDS = 24 * 3600;

/**
 * Makes the store and the workflows agree again after anything that broke the chain between a
 * stored change and its workflow: a crash between storing a person's action and telling the
 * workflow (every running workflow is told to look again; the stored request decides, so an extra
 * look changes nothing), and a workflow that stopped without finishing (started again from the
 * stored status, with an audit entry).
 */
export async function reconcileLifecycles(_timer: Timer, client: df.DurableClient, context: InvocationContext): Promise<void> {
  const deps = await getDependencies();
  const since = epochSeconds(deps.now()) - ENDED_LOOKBACK_SECONDS;
  let nudged = 0;
  let restarted = 0;
  for await (const request of everyRequest(deps.store)) {
    if (isFinalStatus(request.status) && request.updatedWhen < since) continue;
    try {
      const state = await workflowStateOf(client, request.id);
      if (state.running) {
        await client.raiseEvent(request.id, REQUEST_UPDATED_EVENT, { reconcile: true });
        nudged++;
      } else if (await restartStoppedWorkflow(deps, client, request, AIRLOCK_SYSTEM, 'the workflow had stopped before the request was finished')) {
        restarted++;
        context.warn(`reconcile: restarted the workflow of request ${request.id} (status ${request.status})`);
      }
    } catch (error) {
      // One request's trouble must not keep the others from being reconciled.
      context.error(`reconcile: request ${request.id} could not be reconciled`, error);
    }
  }
  context.log(`reconcile: ${nudged} running workflow(s) told to look again, ${restarted} restarted`);
}

app.timer('reconcileLifecycles', {
  schedule: RECONCILE_SCHEDULE,
  extraInputs: [df.input.durableClient()],
  handler: (timer, context) => reconcileLifecycles(timer, df.getClient(context), context),
});
