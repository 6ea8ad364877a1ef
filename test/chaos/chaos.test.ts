/**
 * The short chaos run of `npm test`: a few lifecycles, a few SIGKILLs of the local host, and every
 * invariant checked afterwards. `npm run chaos` is the long one (test/chaos/main.ts). A failure
 * prints its seed; CHAOS_SEED=<seed> replays the same plans and kill schedule.
 */
import { chaosSeed } from './seededRandom';
import { formatSummary, runStorm, stormOptionsFromEnvironment } from './storm';

test('SIGKILLs at random moments of request lifecycles leave every invariant intact', async () => {
  const options = stormOptionsFromEnvironment(process.env, {
    seed: chaosSeed(process.env.CHAOS_SEED),
    lifecycles: 8,
    kills: 5,
    uptimeMs: [1_000, 4_000],
    waitMs: 60_000,
    quietMs: 3_000,
    quiescenceBoundMs: 60_000,
  });
  const summary = await runStorm({ ...options, log: (line) => process.stdout.write(`${line}\n`) });
  process.stdout.write(`${formatSummary(summary)}\n`);
  expect(summary.report.violations.map((v) => `[${v.invariant}] request ${v.requestId}: ${v.evidence}`)).toEqual([]);
  expect(summary.kills).toBe(options.kills);
}, 600_000);
