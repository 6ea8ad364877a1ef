/**
 * The content checks of many small files, against hashing the same files, one after another, through
 * the same stage storage adapter. The checks are the workflow's own step (the checkContent activity)
 * on the airlock's real adapters over Azurite, run in this process: a request holds at most 64 files
 * through the API, and issue #13 measured 200 in one container, where a per-file listing of the
 * container made the step grow with n². Every file is still inspected when there are more than a
 * request may hold (each verdict then also names the count).
 */
import { FilesLocation } from '../../src/domain/stages';
import { checkContent } from '../../src/functions/activities/checkContent';
import { containerFor } from '../../src/infra/stageStorage';
import { activityContext, createStoredRequest, lifecycleInputOf, startTestDependencies } from '../../test/support/azuriteDependencies';
import { inParallel, median, timed, timeRuns } from '../support/timing';
import { PhaseContext } from './phase';

const IN_PROGRESS: FilesLocation = { stage: 'in_progress', cycle: 1 };
const FILE_BYTES = 1024;
/** Azurite runs in this process, so uploads go a few at a time. */
const UPLOADS_AT_ONCE = 20;

/** 1 KiB of CSV that says which file it is: text, so the checks read every byte of it. */
function csvOf(index: number): Buffer {
  return Buffer.from(`file,row\n${index},`.padEnd(FILE_BYTES, '0'));
}

export async function contentChecksPhase(context: PhaseContext): Promise<void> {
  const { checkFiles, runs } = context.settings;
  const env = await startTestDependencies();
  try {
    const names = Array.from({ length: checkFiles }, (_, index) => `rows-${String(index).padStart(5, '0')}.csv`);
    const request = await createStoredRequest(env.deps, { status: 'submitted', files: names.map((name) => ({ name, size: FILE_BYTES })) });
    const container = containerFor(request, IN_PROGRESS);
    await inParallel(names, UPLOADS_AT_ONCE, async (name, index) => void (await env.upload(container, name, csvOf(index))));

    const checkAll = async () => {
      await checkContent({ request: lifecycleInputOf(request), at: IN_PROGRESS }, activityContext('checkContent'));
      const stored = await env.deps.store.get(request.workspaceId, request.id);
      const checked = (stored?.scanReport ?? []).filter((entry) => entry.engine === 'content-checks').length;
      if (checked !== checkFiles) throw new Error(`the content checks judged ${checked} of ${checkFiles} files`);
    };
    const hashAll = async () => {
      for (const name of names) await env.deps.storage.hashFile(container, name);
    };
    // One untimed run of each first: otherwise whichever is timed first also pays for loading and
    // compiling the code both share (the storage client, the store), and the ratio measures the order.
    await timed('warming up: content checks and hashing once each', async () => {
      await checkAll();
      await hashAll();
    });
    const checks = await timeRuns(`content checks of ${checkFiles} files`, runs, checkAll);
    const hashing = await timeRuns(`hashing the same ${checkFiles} files`, runs, hashAll);

    context.record({
      figure: `content checks, ${checkFiles} files of 1 KiB`,
      ours: { value: median(checks), unit: 's' },
      baseline: { value: median(hashing), unit: 's', label: 'hashing the same files' },
      target: { kind: 'ratio-at-most', ratio: 2 },
      note: 'the checkContent activity on the real adapters over Azurite in the bench process (a request takes at most 64 files through the API)',
    });
  } finally {
    await env.close();
  }
}
