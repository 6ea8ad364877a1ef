import { app } from '@azure/functions';
import { registrations } from '../../src/local/functionsCore';

test('registrations are captured by the functions-core stand-in', () => {
  app.http('sanityProbe', { route: 'sanity', handler: async () => ({ status: 204 }) });
  expect(registrations.get('sanityProbe')?.bindings).toBeDefined();
});
