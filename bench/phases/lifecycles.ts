/**
 * Many small lifecycles at once on a fresh host, scanning off: each creates an import request,
 * uploads one 1 KiB CSV through its link, submits, waits for in_review, is approved by an Airlock
 * Manager and waits for approved. Reported: lifecycles per second (approved ones over the wall time),
 * the p50 of submit → in_review, how many were lost (acknowledged, then gone) or stuck (not approved
 * by the deadline), and the host's peak memory and CPU.
 *
 * The clients learn of progress the way a reviewer's queue does: one list of the requests still in a
 * status, every LIST_POLL_MS, whatever the number of lifecycles; a request that has left the list is
 * read once to see where it went. Polling each request often would load the host with reads and
 * measure the polling; the host's status events are no clock either, as a webhook receives them one
 * at a time, seconds behind the change under this load.
 */
import { randomBytes } from 'node:crypto';
import { ApiResponse } from '../../test/support/airlockClient';
import { BenchHost, expectStatus, uploadBufferToLink, WORKSPACE } from '../support/benchHost';
import { CpuWatch, MemoryWatch } from '../support/hostProbe';
import { percentile, progress, sleep } from '../support/timing';
import { PhaseContext } from './phase';

const LIST_POLL_MS = 1_000;
const LIST_PAGE_SIZE = 1_000;
const RETRIES = 10;
const RETRY_MS = 1_000;
const AT_REST_MS = 2_000;
/** Answers that say "try again": a dependency busy, or the workflow not running yet. */
const TRY_AGAIN = [429, 503];
const DEAD_ENDS = ['failed', 'blocked_by_scan', 'cancelled', 'rejected'];

interface Lifecycle {
  id?: string;
  submittedAt?: number;
  inReviewAt?: number;
  approvedAt?: number;
  error?: string;
  /** not approved by the deadline, without an error */
  stuck?: boolean;
}

interface Waiter {
  id: string;
  /** the status the request is in now, which it is expected to leave */
  from: string;
  to: string;
  resolve(seenAt: number): void;
  reject(error: Error): void;
}

/** One API call as the bench's client makes it: the path under the workspace's requests. */
type Call = (method: string, path: string, token: string, expected: number, body?: unknown) => Promise<ApiResponse>;

/**
 * Tells each waiting lifecycle when its request has left a status: one list per status waited on,
 * every LIST_POLL_MS, and one read of each request that has left its list. The time reported is
 * when the list that no longer held the request answered.
 */
class StatusWatch {
  private readonly waiters = new Set<Waiter>();
  private stopped = false;
  /** Reads of single requests: about one per transition waited for, unless the lists miss requests. */
  reads = 0;
  private readonly loop: Promise<void>;

  constructor(
    private readonly call: Call,
    private readonly token: string,
    private readonly deadline: number,
  ) {
    this.loop = this.run();
  }

  /** Resolves with the time the request was seen in `to`, having left `from`. */
  leaves(id: string, from: string, to: string): Promise<number> {
    return new Promise((resolve, reject) => this.waiters.add({ id, from, to, resolve, reject }));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const round = [...this.waiters];
      for (const from of new Set(round.map((waiter) => waiter.from))) {
        let still: Set<string>;
        try {
          still = await this.idsIn(from);
        } catch (error) {
          // A list that fails is looked at again next round; the deadline still bounds the wait.
          progress(`  listing the requests still ${from} failed: ${error instanceof Error ? error.message : String(error)}`);
          continue;
        }
        const seenAt = Date.now();
        for (const waiter of round.filter((each) => each.from === from && !still.has(each.id))) await this.settle(waiter, seenAt);
      }
      if (Date.now() > this.deadline) {
        for (const waiter of this.waiters) waiter.reject(new Stuck(`${waiter.id} still ${waiter.from} at the deadline`));
        this.waiters.clear();
      }
      await sleep(LIST_POLL_MS);
    }
  }

  private async settle(waiter: Waiter, seenAt: number): Promise<void> {
    this.waiters.delete(waiter);
    this.reads++;
    try {
      const request = (await this.call('GET', `/${waiter.id}`, this.token, 200)).body.airlockRequest;
      if (request.status === waiter.to) waiter.resolve(seenAt);
      else if (DEAD_ENDS.includes(request.status)) waiter.reject(new Error(`${waiter.id} is ${request.status}: ${request.statusMessage ?? ''}`));
      else this.waiters.add({ ...waiter, from: request.status });
    } catch (error) {
      waiter.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  private async idsIn(status: string): Promise<Set<string>> {
    const ids = new Set<string>();
    let continuation: string | undefined;
    do {
      const query = `?status=${status}&pageSize=${LIST_PAGE_SIZE}${continuation ? `&continuationToken=${encodeURIComponent(continuation)}` : ''}`;
      const page = (await this.call('GET', query, this.token, 200)).body;
      for (const item of page.airlockRequests as { airlockRequest: { id: string } }[]) ids.add(item.airlockRequest.id);
      continuation = page.continuationToken;
    } while (continuation);
    return ids;
  }
}

export async function lifecyclesPhase(context: PhaseContext): Promise<void> {
  const { lifecycles: count, lifecycleTimeoutSeconds } = context.settings;
  const host = await BenchHost.start(context.workDir, 'lifecycles');
  let watch: StatusWatch | undefined;
  try {
    const api = host.api;
    await host.changeSettings({ scanningEnabled: false, requiredApprovals: 1 });
    const researcher = await host.researcher();
    const manager = await host.manager();
    const atRest = new MemoryWatch(host.pid);
    await sleep(AT_REST_MS);
    const rest = atRest.stop();

    let retries = 0;
    const call: Call = async (method, path, token, expected, body) => {
      for (let attempt = 0; ; attempt++) {
        const answer = await api.call(method, `/workspaces/${WORKSPACE}/requests${path}`, token, body);
        if (!TRY_AGAIN.includes(answer.status) || attempt === RETRIES) return expectStatus(answer, expected, `${method} ${path || '/'}`);
        retries++;
        await sleep(RETRY_MS);
      }
    };
    const statusWatch = new StatusWatch(call, manager, Date.now() + lifecycleTimeoutSeconds * 1000);
    watch = statusWatch;

    const memory = new MemoryWatch(host.pid);
    const cpu = new CpuWatch(host.pid);
    const started = Date.now();
    const lifecycles: Lifecycle[] = Array.from({ length: count }, () => ({}));
    await Promise.all(
      lifecycles.map(async (lifecycle, index) => {
        try {
          const id = (await call('POST', '', researcher, 201, { type: 'import', title: `bench lifecycle ${index}`, businessJustification: 'npm run bench' })).body.airlockRequest.id as string;
          lifecycle.id = id;
          const link = (await call('GET', `/${id}/link`, researcher, 200)).body.containerUrl as string;
          await uploadBufferToLink(link, `table-${index}.csv`, Buffer.from(`id,value\n${index},${randomBytes(8).toString('hex')}\n`.padEnd(1024, '0')));
          lifecycle.submittedAt = Date.now();
          const submitted = (await call('POST', `/${id}/submit`, researcher, 200)).body.airlockRequest.status as string;
          lifecycle.inReviewAt = submitted === 'in_review' ? Date.now() : await statusWatch.leaves(id, submitted, 'in_review');
          const reviewed = (await call('POST', `/${id}/review`, manager, 200, { approval: true, decisionExplanation: 'bench' })).body.airlockRequest.status as string;
          lifecycle.approvedAt = reviewed === 'approved' ? Date.now() : await statusWatch.leaves(id, reviewed, 'approved');
        } catch (error) {
          if (error instanceof Stuck) lifecycle.stuck = true;
          else lifecycle.error = error instanceof Error ? error.message : String(error);
        }
      }),
    );
    const cpuUse = cpu.stop();
    const peak = memory.stop();

    // Lost: acknowledged (an id was given), and the store no longer has it.
    let lost = 0;
    for (const lifecycle of lifecycles.filter((each) => each.id)) {
      const answer = await api.call('GET', `/workspaces/${WORKSPACE}/requests/${lifecycle.id}`, researcher);
      if (answer.status === 404) lost++;
    }
    const approved = lifecycles.filter((each) => each.approvedAt !== undefined);
    const stuck = lifecycles.filter((each) => each.stuck).length;
    const failed = lifecycles.filter((each) => each.error !== undefined);
    const wallSeconds = (Math.max(...approved.map((each) => each.approvedAt!), started) - started) / 1000;
    const submitToReview = lifecycles.filter((each) => each.inReviewAt !== undefined).map((each) => (each.inReviewAt! - each.submittedAt!) / 1000);
    progress(`  ${approved.length} of ${count} approved in ${wallSeconds.toFixed(1)} s; ${failed.length} failed, ${stuck} stuck, ${lost} lost; ${retries} calls tried again`);
    const failures = [...new Set(failed.map((each) => each.error!))].slice(0, 3).join('; ');

    context.record({
      figure: `${count} concurrent small lifecycles: throughput`,
      ours: { value: approved.length / Math.max(wallSeconds, 0.001), unit: 'lifecycles/s' },
      target: { kind: 'at-least', value: 5, unit: 'lifecycles/s' },
      note: `create, upload 1 KiB, submit, in_review, approve, approved; scanning off; ${approved.length} approved in ${wallSeconds.toFixed(1)} s; ${retries} calls answered 429/503 and were tried again`,
    });
    context.record({
      figure: `${count} concurrent small lifecycles: p50 submit → in_review`,
      ours: { value: percentile(submitToReview, 50), unit: 's' },
      target: { kind: 'none' },
      note:
        `p90 ${percentile(submitToReview, 90).toFixed(1)} s; seen by a list of the requests still submitted, every ${LIST_POLL_MS / 1000} s ` +
        `(and ${statusWatch.reads} reads of single requests, for ${count * 2} transitions)`,
    });
    context.record({
      figure: `${count} concurrent small lifecycles: lost, stuck or failed`,
      ours: { value: lost + stuck + failed.length, unit: 'requests' },
      target: { kind: 'at-most', value: 0, unit: 'requests' },
      note: `${lost} lost, ${stuck} stuck after ${lifecycleTimeoutSeconds} s, ${failed.length} failed${failures ? `: ${failures}` : ''}`,
    });
    context.record({
      figure: `${count} concurrent small lifecycles: host RSS`,
      ours: { value: peak.treeMiB, unit: 'MiB' },
      baseline: { value: rest.treeMiB, unit: 'MiB', label: 'the host at rest' },
      target: { kind: 'at-most', value: 500, unit: 'MiB' },
      note:
        `peak of the host and its children (main process ${peak.mainMiB.toFixed(0)} MiB); host main thread on CPU ${(cpuUse.mainThread * 100).toFixed(0)} % ` +
        `of the time, the host and its children ${cpuUse.tree.toFixed(2)} cores`,
    });
  } finally {
    await watch?.stop();
    await host.stop();
  }
}

/** A lifecycle the airlock did not carry to its next status before the deadline. */
class Stuck extends Error {}
