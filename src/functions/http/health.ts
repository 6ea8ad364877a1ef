import { app, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { getDependencies } from '../../infra/dependencies';
import { json } from './httpMapping';
import { errorText } from '../../domain/errorText';

async function probe(check: () => Promise<void>): Promise<string> {
  try {
    await check();
    return 'ok';
  } catch (error) {
    return `unavailable: ${errorText(error)}`;
  }
}

/** Anonymous, and says only whether each dependency answers: nothing about requests or people. */
export async function health(_request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  let deps;
  try {
    deps = await getDependencies();
  } catch (error) {
    context.error('configuration', error);
    return json(503, { status: 'unavailable', detail: 'the airlock is not configured correctly; see its log' });
  }
  const dependencies = {
    requestStore: await probe(() => deps.store.ping()),
    stageStorage: await probe(() => deps.storage.ping()),
    malwareScanner: await probe(() => deps.scanner.ping()),
  };
  const healthy = Object.values(dependencies).every((state) => state === 'ok');
  return json(healthy ? 200 : 503, {
    status: healthy ? 'ok' : 'degraded',
    dependencies,
    scanning: deps.scanner.description,
    // Where events go, not whether the topic answers: a failed publish is retried later, no reason to report the airlock degraded.
    events: deps.events.description,
    // Azure TRE's health shape, which the TRE portal's footer lists.
    services: Object.entries(dependencies).map(([service, state]) => ({ service, status: state === 'ok' ? 'OK' : 'Not OK', message: state })),
  });
}

app.http('health', { methods: ['GET'], authLevel: 'anonymous', route: 'health', handler: health });
