/**
 * Timer triggers on the local host, as the Functions host runs them: on their NCRONTAB schedule
 * (`{second} {minute} {hour} {day} {month} {day-of-week}`, UTC), one invocation of a function at a
 * time, and, since the local host keeps no schedule status, once at start-up as past due: the host
 * was down, so it missed an occurrence (Azure runs a missed occurrence at start-up the same way).
 */
import { InvocationContext } from '@azure/functions';
import { epochSeconds } from '../domain/epochSeconds';
import type { Registration } from './functionsCore';
import { triggerOf } from './functionsCore';
import { formatLogLine, LocalLog } from './localLog';

const FIELD_RANGES: readonly [number, number][] = [
  [0, 59], // second
  [0, 59], // minute
  [0, 23], // hour
  [1, 31], // day of month
  [1, 12], // month
  [0, 6], // day of week (0 = Sunday)
];
/** How far ahead the next occurrence is looked for; the app's schedules are minutes apart. */
const SEARCH_HORIZON_SECONDS = 8 * 24 * 3600;

type Matcher = (value: number) => boolean;

/** One NCRONTAB field (`*`, `*\/n`, `a`, `a-b`, `a-b/n`, comma lists) as a predicate. */
function parseField(text: string, [min, max]: [number, number]): Matcher {
  const allowed = new Set<number>();
  for (const part of text.split(',')) {
    const match = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(part);
    if (!match) throw new Error(`'${text}' is not a schedule field this host understands`);
    const from = match[1] === '*' ? min : Number(match[2]);
    const to = match[1] === '*' ? max : match[3] !== undefined ? Number(match[3]) : match[4] ? max : from;
    const step = match[4] ? Number(match[4]) : 1;
    if (from < min || to > max || from > to || step < 1) throw new Error(`'${text}' is out of range ${min}-${max}`);
    for (let value = from; value <= to; value += step) allowed.add(value);
  }
  return (value) => allowed.has(value);
}

/** The first occurrence of `schedule` strictly after `after` (UTC). */
export function nextOccurrence(schedule: string, after: Date): Date {
  const fields = schedule.trim().split(/\s+/);
  if (fields.length !== 6) throw new Error(`schedule '${schedule}' needs six fields: second minute hour day month day-of-week`);
  const [second, minute, hour, day, month, weekday] = fields.map((field, index) => parseField(field, FIELD_RANGES[index]));
  const start = epochSeconds(after) + 1;
  for (let epoch = start; epoch < start + SEARCH_HORIZON_SECONDS; epoch++) {
    const at = new Date(epoch * 1000);
    if (
      second(at.getUTCSeconds()) &&
      minute(at.getUTCMinutes()) &&
      hour(at.getUTCHours()) &&
      day(at.getUTCDate()) &&
      month(at.getUTCMonth() + 1) &&
      weekday(at.getUTCDay())
    ) {
      return at;
    }
  }
  throw new Error(`schedule '${schedule}' has no occurrence within ${SEARCH_HORIZON_SECONDS / 86400} days; the local host does not run it`);
}

export interface LocalTimersOptions {
  registrations: Map<string, Registration>;
  /** The invocation context the host builds for any trigger (with durable clients connected). */
  contextFor: (registration: Registration) => InvocationContext;
  log: LocalLog;
  now?: () => Date;
  /** Where `AzureWebJobs.<name>.Disabled` is read; the process environment by default. */
  env?: NodeJS.ProcessEnv;
}

export class LocalTimers {
  private readonly timeouts = new Set<NodeJS.Timeout>();
  private readonly running = new Map<string, Promise<void>>();
  private stopped = false;

  constructor(private readonly options: LocalTimersOptions) {}

  /** Timer functions, less those switched off with the app setting `AzureWebJobs.<name>.Disabled`, as in Azure. */
  private get timerFunctions(): Registration[] {
    const env = this.options.env ?? process.env;
    return [...this.options.registrations.values()].filter(
      (registration) => triggerOf(registration).type === 'timerTrigger' && !/^(true|1)$/i.test(env[`AzureWebJobs.${registration.name}.Disabled`] ?? ''),
    );
  }

  /** Runs every timer function once now (past due), then on its schedule. Resolves when the first runs are done. */
  async start(): Promise<void> {
    const first = this.timerFunctions.map((registration) => {
      this.scheduleNext(registration);
      return this.invoke(registration, true);
    });
    await Promise.all(first);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const timeout of this.timeouts) clearTimeout(timeout);
    this.timeouts.clear();
    await Promise.allSettled([...this.running.values()]);
  }

  private scheduleNext(registration: Registration): void {
    if (this.stopped) return;
    const now = this.options.now?.() ?? new Date();
    const schedule = String(triggerOf(registration).schedule);
    const due = nextOccurrence(schedule, now);
    const timeout = setTimeout(() => {
      this.timeouts.delete(timeout);
      this.scheduleNext(registration);
      void this.invoke(registration, false);
    }, due.getTime() - now.getTime());
    timeout.unref();
    this.timeouts.add(timeout);
  }

  /** One invocation at a time per function, as the host's singleton lock does; an occurrence during a run is skipped. */
  private invoke(registration: Registration, isPastDue: boolean): Promise<void> {
    if (this.stopped || this.running.has(registration.name)) return Promise.resolve();
    const timer = { isPastDue, schedule: { adjustForDST: false }, scheduleStatus: {} };
    const run = Promise.resolve()
      .then(() => registration.handler(timer, this.options.contextFor(registration)))
      .then(
        () => undefined,
        (error) => this.options.log(formatLogLine('error', `timer function ${registration.name} failed`, error)),
      )
      .finally(() => this.running.delete(registration.name));
    this.running.set(registration.name, run);
    return run;
  }
}
