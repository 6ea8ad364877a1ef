import { ConfigError } from '../../src/config';
import { durableClock } from '../../src/local/durableClock';

test('unset, the Durable clock is real time and due timers are looked for every second', () => {
  let real = 1_000_000;
  const clock = durableClock(undefined, () => real);
  real += 5_000;
  expect(clock.now().getTime()).toBe(1_005_000);
  expect(clock.timerPollIntervalMs).toBe(1000);
  expect(durableClock('  ', () => real).now().getTime()).toBe(real);
});

test('at rate 100, five real seconds are five hundred Durable seconds, and timers are looked for often enough to keep up', () => {
  let real = 1_000_000;
  const clock = durableClock('100', () => real);
  expect(clock.now().getTime()).toBe(1_000_000);
  real += 5_000;
  expect(clock.now().getTime()).toBe(1_000_000 + 500_000);
  expect(clock.timerPollIntervalMs).toBe(50);
  expect(durableClock('4', () => real).timerPollIntervalMs).toBe(250);
});

test('a rate that is not a number from 1 to 1000 stops the start, naming the setting', () => {
  for (const text of ['0', '0.5', '-3', 'fast', '1001', 'Infinity']) {
    expect(() => durableClock(text)).toThrow(ConfigError);
    expect(() => durableClock(text)).toThrow(`AIRLOCK_LOCAL_DURABLE_CLOCK_RATE must be a number from 1 (real time) to 1000 (got '${text}')`);
  }
});
