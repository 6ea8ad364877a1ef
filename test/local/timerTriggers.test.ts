import { InvocationContext } from '@azure/functions';
import { Registration } from '../../src/local/functionsCore';
import { LocalTimers, nextOccurrence } from '../../src/local/timerTriggers';

describe('nextOccurrence', () => {
  test.each([
    ['0 */5 * * * *', '2026-12-07T10:03:27Z', '2026-12-07T10:05:00.000Z'],
    ['0 */5 * * * *', '2026-12-07T10:05:00Z', '2026-12-07T10:10:00.000Z'],
    ['30 0 2 * * *', '2026-12-07T10:03:27Z', '2026-12-08T02:00:30.000Z'],
    ['0 0 9 * * 1-5', '2026-12-05T12:00:00Z', '2026-12-07T09:00:00.000Z'], // Saturday → Monday
    ['0 15,45 * * * *', '2026-12-07T10:20:00Z', '2026-12-07T10:45:00.000Z'],
  ])('%s after %s is %s', (schedule, after, expected) => {
    expect(nextOccurrence(schedule, new Date(after)).toISOString()).toBe(expected);
  });

  test.each([
    ['*/5 * * * *', /six fields/],
    ['0 61 * * * *', /out of range/],
    ['0 L * * * *', /not a schedule field/],
    ['0 0 0 31 2 *', /no occurrence within/],
  ])('refuses %s, saying why', (schedule, reason) => {
    expect(() => nextOccurrence(schedule, new Date('2026-12-07T00:00:00Z'))).toThrow(reason);
  });
});

describe('LocalTimers', () => {
  function timerFunction(name: string, schedule: string, handler: Registration['handler']): Registration {
    return { name, bindings: { timer: { type: 'timerTrigger', direction: 'in', name: 'timer', schedule } }, handler };
  }
  const contextFor = (registration: Registration) => new InvocationContext({ functionName: registration.name });

  test('runs each timer function once at start-up as past due, and not other functions', async () => {
    const calls: unknown[] = [];
    const registrations = new Map<string, Registration>([
      ['reconcile', timerFunction('reconcile', '0 */5 * * * *', async (timer) => void calls.push(timer))],
      ['http', { name: 'http', bindings: { req: { type: 'httpTrigger', direction: 'in' } }, handler: async () => calls.push('http') }],
    ]);
    const timers = new LocalTimers({ registrations, contextFor, log: () => undefined });
    await timers.start();
    await timers.stop();
    expect(calls).toEqual([{ isPastDue: true, schedule: { adjustForDST: false }, scheduleStatus: {} }]);
  });

  test('a function switched off with AzureWebJobs.<name>.Disabled does not run', async () => {
    let runs = 0;
    const registrations = new Map([['reconcile', timerFunction('reconcile', '0 */5 * * * *', async () => void runs++)]]);
    const timers = new LocalTimers({ registrations, contextFor, log: () => undefined, env: { 'AzureWebJobs.reconcile.Disabled': 'true' } });
    await timers.start();
    await timers.stop();
    expect(runs).toBe(0);
  });

  test('a failing timer function is logged and does not stop the host', async () => {
    const logs: string[] = [];
    const registrations = new Map([['broken', timerFunction('broken', '0 */5 * * * *', async () => Promise.reject(new Error('store down')))]]);
    const timers = new LocalTimers({ registrations, contextFor, log: (line) => logs.push(line) });
    await expect(timers.start()).resolves.toBeUndefined();
    await timers.stop();
    expect(logs.join('\n')).toMatch(/timer function broken failed.*store down/s);
  });

  test('fires on its schedule while the host runs', async () => {
    jest.useFakeTimers({ now: new Date('2026-12-07T10:04:59.500Z') });
    try {
      let runs = 0;
      const registrations = new Map([['tick', timerFunction('tick', '0 */5 * * * *', async () => void runs++)]]);
      const timers = new LocalTimers({ registrations, contextFor, log: () => undefined });
      await timers.start();
      expect(runs).toBe(1);
      await jest.advanceTimersByTimeAsync(600);
      expect(runs).toBe(2);
      await jest.advanceTimersByTimeAsync(5 * 60_000);
      expect(runs).toBe(3);
      await timers.stop();
    } finally {
      jest.useRealTimers();
    }
  });
});
