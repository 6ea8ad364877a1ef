/**
 * The host's memory while it moves several large files of one request (submit → in_review, then
 * approve), against the same host at rest just before: a host that streams holds the same whatever
 * the sizes; one that buffers grows with them.
 */
import { BenchHost, uploadFileToLink } from '../support/benchHost';
import { MemoryWatch } from '../support/hostProbe';
import { progress, seconds, sleep } from '../support/timing';
import { PhaseContext, stepTimeoutMs } from './phase';

const AT_REST_MS = 2_000;

export async function largeMoveMemoryPhase(context: PhaseContext, host: BenchHost): Promise<void> {
  const { sizeMiB, largeFiles } = context.settings;
  const file = await context.largeFile();
  const timeoutMs = stepTimeoutMs(sizeMiB * largeFiles);
  await host.admitUnknownContent({ scanningEnabled: false, requiredApprovals: 1 });

  const atRest = new MemoryWatch(host.pid);
  await sleep(AT_REST_MS);
  const rest = atRest.stop();

  const id = await host.createRequest(`bench: ${largeFiles} × ${sizeMiB} MiB`);
  const link = await host.draftLink(id);
  for (let index = 0; index < largeFiles; index++) await uploadFileToLink(link, `random-${index}.bin`, file);

  const moving = new MemoryWatch(host.pid);
  const started = performance.now();
  await host.submit(id);
  await host.waitForStatus(id, 'in_review', timeoutMs);
  const submitSeconds = seconds(started);
  await host.review(id, { approval: true, decisionExplanation: 'bench' });
  await host.waitForStatus(id, 'approved', timeoutMs);
  await host.waitForGone(host.requestContainer('import', 'in_progress', id, 1), timeoutMs);
  const peak = moving.stop();
  const approvedSeconds = seconds(started);
  progress(`  ${largeFiles} × ${sizeMiB} MiB: submit → in_review ${submitSeconds.toFixed(1)} s, approved after ${approvedSeconds.toFixed(1)} s; peak RSS ${peak.treeMiB.toFixed(0)} MiB`);

  context.record({
    figure: `host RSS while moving ${largeFiles} × ${sizeMiB} MiB (submit → approved)`,
    ours: { value: peak.treeMiB, unit: 'MiB' },
    baseline: { value: rest.treeMiB, unit: 'MiB', label: 'the host at rest' },
    target: { kind: 'none' },
    note:
      `peak RSS of the host process and its children, sampled every 200 ms (main process alone ${peak.mainMiB.toFixed(0)} MiB); ` +
      `submit → in_review ${submitSeconds.toFixed(1)} s, to approved ${approvedSeconds.toFixed(1)} s. #13 bounds the host at 500 MiB for 500 lifecycles`,
  });
}
