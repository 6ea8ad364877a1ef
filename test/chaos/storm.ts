/**
 * The chaos run: many request lifecycles against the built local host while a killer sends it
 * SIGKILL at random moments and starts it again on the same data directory; then one more kill
 * and restart, a wait for the airlock to finish what it owes, and the invariants.
 *
 * Lifecycle i starts once kill ⌊i·kills/lifecycles⌋ has happened, so the kills are spread over the
 * lifecycles rather than spent before or after them.
 */
import { rmSync } from 'node:fs';
import { clamdInstalled, RunningClamd, startClamd } from '../support/clamd';
import { startEventSink } from '../support/eventSink';
import { StageContents } from '../support/stageContents';
import { CrashingHost, HostSession, WORKSPACE } from './crashingHost';
import { InvariantChecker, InvariantReport, INVARIANTS } from './invariants';
import { Ledger, AcknowledgedAction } from './ledger';
import { LifecycleDriver, planLifecycles, TRANSIENT_STATUSES } from './lifecycleDriver';
import { SeededRandom } from './seededRandom';

export interface StormOptions {
  seed: number;
  lifecycles: number;
  kills: number;
  /** The host lives a random time in this range (ms after it listens) before each kill. */
  uptimeMs: [number, number];
  /** How long a client waits for the airlock to move by itself before calling a request stuck. */
  waitMs: number;
  /** After the storm, how long statuses must stay unchanged (and nothing be in progress) to call the airlock quiet. */
  quietMs: number;
  /** The most the run waits for that quiet. */
  quiescenceBoundMs: number;
  /** Scan with a private clamd (EICAR lifecycles end blocked_by_scan); without it those lifecycles are not planned. */
  scanning: boolean;
  log?: (line: string) => void;
}

export interface StormSummary {
  seed: number;
  lifecycles: number;
  kills: number;
  /** what the clients were doing at each kill: phase → count */
  killedDuring: Record<string, number>;
  acknowledged: Record<AcknowledgedAction, number>;
  scanning: boolean;
  quiesced: boolean;
  eventsDelivered: number;
  report: InvariantReport;
  durationMs: number;
}

export function stormOptionsFromEnvironment(env: NodeJS.ProcessEnv, defaults: Omit<StormOptions, 'seed' | 'scanning'> & { seed: number }): StormOptions {
  const number = (name: string, fallback: number) => {
    const value = env[name];
    if (value === undefined || value.trim() === '') return fallback;
    const parsed = Number(value);
    if (!Number.isFinite(parsed) || parsed < 0) throw new Error(`${name} must be a non-negative number, not '${value}'`);
    return parsed;
  };
  return {
    ...defaults,
    lifecycles: number('CHAOS_LIFECYCLES', defaults.lifecycles),
    kills: number('CHAOS_KILLS', defaults.kills),
    uptimeMs: [number('CHAOS_MIN_UPTIME_MS', defaults.uptimeMs[0]), number('CHAOS_MAX_UPTIME_MS', defaults.uptimeMs[1])],
    scanning: env.CHAOS_SCANNING === '0' ? false : clamdInstalled(),
  };
}

export async function runStorm(options: StormOptions): Promise<StormSummary> {
  const started = Date.now();
  const log = options.log ?? (() => undefined);
  const random = new SeededRandom(options.seed);
  const plans = planLifecycles(random.fork(), options.lifecycles, options.scanning);
  const killerRandom = random.fork();
  const ledger = new Ledger();
  const sink = await startEventSink();
  let clamd: RunningClamd | undefined;
  let host: CrashingHost | undefined;
  let clean = false;
  try {
    clamd = options.scanning ? await startClamd({ maxFileSizeMb: 64 }) : undefined;
    host = new CrashingHost({ AIRLOCK_WEBHOOKS: sink.url, ...(clamd ? { AIRLOCK_CLAMD: clamd.address } : { AIRLOCK_SCANNER: 'none' }) });
    log(`chaos: seed ${options.seed} (replay with CHAOS_SEED=${options.seed}), ${options.lifecycles} lifecycles, ${options.kills} kills, data dir ${host.dataDir}`);
    await host.start();

    let kills = 0;
    const killedDuring: Record<string, number> = {};
    const inFlight = () => ledger.lifecycles.filter((record) => !record.finished && record.phase !== 'not started').length;
    const drivers = plans.map(async (plan) => {
      const record = ledger.open(plan);
      const startAfterKill = Math.floor((plan.index * options.kills) / Math.max(1, options.lifecycles));
      // Waiting for its kill, unless nothing runs: the killer waits for a lifecycle to kill into.
      while (kills < startAfterKill && (inFlight() > 0 || ledger.lifecycles.some((other) => other.plan.index < plan.index && other.phase === 'not started'))) await delay(100);
      await delay(killerRandom.int(0, 500));
      await new LifecycleDriver(host!, ledger, record, random.fork(), { waitMs: options.waitMs }).run();
    });
    const killer = (async () => {
      while (kills < options.kills) {
        await delay(killerRandom.int(options.uptimeMs[0], options.uptimeMs[1]));
        // A kill with no lifecycle in flight tests nothing: wait for one (unless all are done).
        while (inFlight() === 0 && ledger.lifecycles.some((record) => !record.finished)) await delay(50);
        for (const record of ledger.lifecycles) {
          if (record.finished || record.phase === 'not started') continue;
          const phase = `${record.plan.ending}: ${record.phase}`;
          killedDuring[phase] = (killedDuring[phase] ?? 0) + 1;
        }
        await host!.kill();
        kills += 1;
        log(`chaos: kill ${kills}/${options.kills}`);
        await host!.start();
      }
    })();
    await Promise.all([killer, ...drivers]);

    // Whatever was acknowledged last must survive a crash too.
    await host.kill();
    const session = await host.start();
    log('chaos: storm over; final kill and restart done, waiting for the airlock to finish its work');
    const quiesced = await waitForQuiet(session, options.quietMs, options.quiescenceBoundMs);
    await waitForDeliveriesToStop(sink.lastDeliveryAt, options.quietMs, options.quiescenceBoundMs);
    const stages = new StageContents(host.dataDir, session.blobOrigin, WORKSPACE);
    const report = await checkUntilSettled(() => new InvariantChecker(session, stages, ledger).run(sink.deliveries()), options.quiescenceBoundMs / 2);
    clean = report.violations.length === 0;
    return {
      seed: options.seed,
      lifecycles: options.lifecycles,
      kills,
      killedDuring,
      acknowledged: ledger.acknowledgedCount(),
      scanning: options.scanning,
      quiesced,
      eventsDelivered: sink.deliveries().length,
      report,
      durationMs: Date.now() - started,
    };
  } finally {
    await host?.stop().catch(() => undefined);
    await clamd?.stop().catch(() => undefined);
    await sink.close();
    // A clean run leaves nothing behind; a failed one keeps its data dir (named in the log) to look into.
    if (clean && host) rmSync(host.dataDir, { recursive: true, force: true });
  }
}

/** No request in progress, and no status changing, for `quietMs` (bounded); whether it got there. */
async function waitForQuiet(session: HostSession, quietMs: number, boundMs: number): Promise<boolean> {
  const deadline = Date.now() + boundMs;
  let last = '';
  let quietSince = Date.now();
  while (Date.now() < deadline) {
    const response = await fetch(`${session.api.apiUrl}/workspaces/${WORKSPACE}/requests`, { headers: { authorization: `Bearer ${session.token('olga')}` } });
    const items: any[] = response.status === 200 ? ((await response.json()) as any).airlockRequests : [];
    const statuses = items.map((item) => `${item.airlockRequest.id}=${item.airlockRequest.status}`).sort().join(',');
    const busy = items.some((item) => TRANSIENT_STATUSES.includes(item.airlockRequest.status));
    if (statuses !== last || busy) {
      last = statuses;
      quietSince = Date.now();
    } else if (Date.now() - quietSince >= quietMs) {
      return true;
    }
    await delay(250);
  }
  return false;
}

async function waitForDeliveriesToStop(lastDeliveryAt: () => number, quietMs: number, boundMs: number): Promise<void> {
  const deadline = Date.now() + boundMs;
  while (Date.now() < deadline && Date.now() - lastDeliveryAt() < quietMs) await delay(250);
}

/**
 * Moves that follow a status change (files returned for changes, moved out on revoke, deleted on
 * cancel) finish after the status is quiet, and the events of the last steps (the checks' own links
 * among them) arrive after it; the checks are repeated until they pass or the bound, and the last
 * report stands.
 */
async function checkUntilSettled(check: () => Promise<InvariantReport>, boundMs: number): Promise<InvariantReport> {
  const deadline = Date.now() + boundMs;
  for (;;) {
    const report = await check();
    const placementOpen = report.violations.some((violation) => violation.invariant === 3 || violation.invariant === 4 || violation.invariant === 6);
    if (!placementOpen || Date.now() > deadline) return report;
    await delay(2_000);
  }
}

export function formatSummary(summary: StormSummary): string {
  const { report } = summary;
  const acknowledged = Object.entries(summary.acknowledged).map(([action, count]) => `${action} ${count}`).join(', ');
  const total = Object.values(summary.acknowledged).reduce((a, b) => a + b, 0);
  const byInvariant = Object.entries(INVARIANTS)
    .map(([number, text]) => `    ${number}. ${text}: ${report.violations.filter((v) => String(v.invariant) === number).length}`)
    .join('\n');
  const killed = Object.entries(summary.killedDuring).sort((a, b) => b[1] - a[1]).map(([phase, count]) => `${phase} ×${count}`);
  const lines = [
    'chaos summary',
    `  seed                 ${summary.seed}   (replay: CHAOS_SEED=${summary.seed})`,
    `  lifecycles           ${summary.lifecycles}`,
    `  kills                ${summary.kills} (+1 final kill and restart before the checks)`,
    `  scanning             ${summary.scanning ? 'ClamAV (EICAR lifecycles included)' : 'off (clamd not installed)'}`,
    `  acknowledged         ${total} (${acknowledged})`,
    `  requests checked     ${report.requestsChecked}`,
    `  invariant checks     ${report.checks}`,
    `  violations           ${report.violations.length}`,
    byInvariant,
    `  events delivered     ${summary.eventsDelivered}; audit entries never delivered: ${report.undeliveredEvents.length}`,
    `  quiesced             ${summary.quiesced ? 'yes' : 'NO (bound reached)'}`,
    `  duration             ${(summary.durationMs / 1000).toFixed(1)} s`,
    `  clients in flight at the kills: ${killed.slice(0, 12).join('; ')}${killed.length > 12 ? `; and ${killed.length - 12} more` : ''}`,
  ];
  for (const violation of report.violations.slice(0, 60)) {
    lines.push(`  VIOLATION [${violation.invariant}] request ${violation.requestId}${violation.lifecycle !== undefined ? ` (lifecycle ${violation.lifecycle})` : ''}: ${violation.evidence}`);
  }
  if (report.violations.length > 60) lines.push(`  ... and ${report.violations.length - 60} more violations`);
  for (const missing of report.undeliveredEvents.slice(0, 10)) lines.push(`  undelivered event ${missing}`);
  return lines.join('\n');
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
