/**
 * Latency of one page of the request list (`pageSize=10`, as an Airlock Manager, who sees every
 * request of the workspace) as the store grows: the first size is the baseline. The requests are
 * written straight into the host's request store through the store's own adapter, as the
 * authorization matrix seeds it (test/e2e/authorizationMatrix.e2e.test.ts), so thousands cost seconds
 * rather than thousands of lifecycles. The host runs with the reconciler off, or it would start a
 * workflow for each of them.
 */
import { createHash, randomUUID } from 'node:crypto';
import { AirlockRequest, newDraftRequest } from '../../src/domain/request';
import { stageOfStatus } from '../../src/domain/stages';
import { RequestStatus } from '../../src/domain/status';
import { TableRequestStore } from '../../src/infra/tableRequestStore';
import { BenchHost, expectStatus, WORKSPACE } from '../support/benchHost';
import { inParallel, percentile, progress, seconds, timed } from '../support/timing';
import { PhaseContext } from './phase';

const PAGE_SIZE = 10;
const SEED_WRITES_AT_ONCE = 256;
const WARM_UP_CALLS = 20;
const REQUESTERS = ['rita', 'remy', 'rosa', 'raj'];
/** The statuses stored requests are in, most of them finished, as in a workspace that has run a while. */
const STATUS_MIX: RequestStatus[] = ['approved', 'approved', 'approved', 'rejected', 'cancelled', 'in_review', 'draft', 'revoked', 'blocked_by_scan', 'approved'];

/** The environment the list phase's host needs. */
export const LIST_HOST_ENV = { 'AzureWebJobs.reconcileLifecycles.Disabled': 'true' };

export async function listLatencyPhase(context: PhaseContext, host: BenchHost): Promise<void> {
  const { listSizes, listSamples } = context.settings;
  const location = host.stateStore();
  const store = await TableRequestStore.connect(location);
  const manager = await host.manager();
  const p50s: number[] = [];
  let stored = 0;
  for (const size of listSizes) {
    await timed(`storing requests up to ${size}`, () => seed(store, stored, size));
    stored = size;
    const path = `/workspaces/${WORKSPACE}/requests?pageSize=${PAGE_SIZE}`;
    const page = expectStatus(await host.api.call('GET', path, manager), 200, 'listing requests').body;
    const listed = Array.isArray(page?.airlockRequests) ? page.airlockRequests.length : -1;
    if (listed !== Math.min(PAGE_SIZE, size)) throw new Error(`a page of ${PAGE_SIZE} of ${size} stored requests listed ${listed}`);
    for (let call = 0; call < WARM_UP_CALLS; call++) await host.api.call('GET', path, manager);
    const latencies: number[] = [];
    for (let sample = 0; sample < listSamples; sample++) {
      const started = performance.now();
      expectStatus(await host.api.call('GET', path, manager), 200, 'listing requests');
      latencies.push(seconds(started) * 1000);
    }
    p50s.push(percentile(latencies, 50));
    progress(`  list at ${size} stored: p50 ${p50s.at(-1)!.toFixed(1)} ms, p90 ${percentile(latencies, 90).toFixed(1)} ms`);
  }

  const [baselineSize, ...sizes] = listSizes;
  sizes.forEach((size, index) =>
    context.record({
      figure: `list p50, pageSize=${PAGE_SIZE}, ${size.toLocaleString('en')} stored requests`,
      ours: { value: p50s[index + 1], unit: 'ms' },
      baseline: { value: p50s[0], unit: 'ms', label: `${baselineSize.toLocaleString('en')} stored` },
      // #13 states the bound at 10,000; no step may grow with the store, so it holds at every size.
      target: { kind: 'ratio-at-most', ratio: 2 },
      note: index === 0 ? `${listSamples} calls in a row as an Airlock Manager, after ${WARM_UP_CALLS} not counted` : undefined,
    }),
  );
}

/** Writes requests `from` … `to - 1` of the seed, a few at a time. */
async function seed(store: TableRequestStore, from: number, to: number): Promise<void> {
  const indexes = Array.from({ length: to - from }, (_, offset) => from + offset);
  await inParallel(indexes, SEED_WRITES_AT_ONCE, async (index) => void (await store.create(seededRequest(index))));
}

function seededRequest(index: number): AirlockRequest {
  const status = STATUS_MIX[index % STATUS_MIX.length];
  const requester = REQUESTERS[index % REQUESTERS.length];
  const now = Math.floor(Date.now() / 1000) - (100_000 - index);
  const draft = newDraftRequest({
    id: randomUUID(),
    workspaceId: WORKSPACE,
    type: index % 2 === 0 ? 'import' : 'export',
    title: `seeded request ${index}`,
    businessJustification: 'list latency benchmark',
    creator: { id: requester, name: requester, email: `${requester}@example.org` },
    now,
  });
  if (status === 'draft') return draft;
  const stage = stageOfStatus(status);
  const files = [`table-${index}.csv`, `notes-${index}.txt`].map((name) => ({ name, size: 1024 + index, sha256: createHash('sha256').update(name).digest('hex') }));
  return { ...draft, status, reviewCycle: 1, filesAt: stage ? { stage, cycle: 1 } : null, files };
}
