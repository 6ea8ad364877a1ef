/**
 * GET /api/health on in-memory adapters: whether events are published, beside the dependencies,
 * with Azure TRE's `services` list unchanged.
 */
import { health } from '../../../src/functions/http/health';
import { EventGridEventPublisher } from '../../../src/infra/events/eventGridEventPublisher';
import { httpRequest, inMemoryAirlockForEachTest, invocationContext } from '../../support/inMemoryDependencies';

const session = inMemoryAirlockForEachTest();

const callHealth = () => health(httpRequest({ path: 'health' }), invocationContext('health'));

test('without a topic: says events are not published, and the airlock is still healthy', async () => {
  const response = await callHealth();
  expect(response.status).toBe(200);
  expect(response.jsonBody).toMatchObject({ status: 'ok', events: expect.stringMatching(/^disabled: .*events are not published/) });
});

test('with a topic: names the topic and how the airlock authenticates there', async () => {
  session.airlock.deps.events = new EventGridEventPublisher('https://evgt-airlock-tre1-events.uksouth-1.eventgrid.azure.net/api/events', { key: 'topic-key' });
  const response = await callHealth();
  expect(response.jsonBody.events).toBe('Event Grid topic evgt-airlock-tre1-events.uksouth-1.eventgrid.azure.net (CloudEvents, access key)');
});

test("the TRE portal's services list holds the three dependencies only, not the events", async () => {
  const response = await callHealth();
  expect(response.jsonBody.services).toEqual([
    { service: 'requestStore', status: 'OK', message: 'ok' },
    { service: 'stageStorage', status: 'OK', message: 'ok' },
    { service: 'malwareScanner', status: 'OK', message: 'ok' },
  ]);
});
