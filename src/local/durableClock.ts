/**
 * The local Durable backend's clock. Azure's Durable backend keeps real time; the stand-in may run
 * its clock faster so that tests of retries and timeouts see them happen without waiting for them.
 * Only Durable time speeds up (timers, retry backoff, the orchestrator's current time): the app's
 * own clock, links and tokens keep real time.
 */
import { ConfigError } from '../config';

export const DURABLE_CLOCK_RATE_SETTING = 'AIRLOCK_LOCAL_DURABLE_CLOCK_RATE';
const MAX_RATE = 1000;
/** How often due timers are looked for at real speed; a faster clock looks more often, down to the floor. */
const TIMER_POLL_MS = 1000;
const TIMER_POLL_FLOOR_MS = 50;

export interface DurableClock {
  now(): Date;
  timerPollIntervalMs: number;
}

/** `text` is the setting's value: unset or empty is real time; otherwise a rate from 1 to 1000. */
export function durableClock(text: string | undefined, realNow: () => number = Date.now): DurableClock {
  const rate = parseRate(text);
  const start = realNow();
  return {
    now: rate === 1 ? () => new Date(realNow()) : () => new Date(start + (realNow() - start) * rate),
    timerPollIntervalMs: Math.max(TIMER_POLL_FLOOR_MS, Math.round(TIMER_POLL_MS / rate)),
  };
}

function parseRate(text: string | undefined): number {
  if (text === undefined || text.trim() === '') return 1;
  const rate = Number(text);
  if (!Number.isFinite(rate) || rate < 1 || rate > MAX_RATE) {
    throw new ConfigError([`${DURABLE_CLOCK_RATE_SETTING} must be a number from 1 (real time) to ${MAX_RATE} (got '${text}')`]);
  }
  return rate;
}
