/**
 * `npm run chaos`: the long chaos run (by default 50 lifecycles and 100 SIGKILLs of the local host),
 * its summary on stdout, exit code 1 on any invariant violation. CHAOS_LIFECYCLES, CHAOS_KILLS,
 * CHAOS_MIN_UPTIME_MS / CHAOS_MAX_UPTIME_MS (how long the host lives between kills) and CHAOS_SEED
 * change the run; CHAOS_SCANNING=0 leaves clamd out.
 */
import { chaosSeed } from './seededRandom';
import { formatSummary, runStorm, stormOptionsFromEnvironment } from './storm';

async function main(): Promise<void> {
  const options = stormOptionsFromEnvironment(process.env, {
    seed: chaosSeed(process.env.CHAOS_SEED),
    lifecycles: 50,
    kills: 100,
    uptimeMs: [1_000, 5_000],
    waitMs: 180_000,
    quietMs: 5_000,
    quiescenceBoundMs: 180_000,
  });
  const summary = await runStorm({ ...options, log: (line) => console.log(line) });
  console.log(formatSummary(summary));
  process.exitCode = summary.report.violations.length === 0 && summary.kills === options.kills ? 0 : 1;
}

main().catch((error) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exitCode = 1;
});
