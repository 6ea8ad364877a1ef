/**
 * Many small files, submit → in_review with scanning off, against as many raw server-side copies of
 * the same sizes, one after another, across the same accounts (draft → in progress).
 *
 * A request holds at most the workspace's maxFiles (at most 64, so that its document fits the store),
 * so the files are spread over as few requests as that allows, all submitted at once; the time is
 * from the first submit to the last request in review.
 */
import { randomBytes } from 'node:crypto';
import { BenchHost, uploadBufferToLink } from '../support/benchHost';
import { rawServerSideCopy } from '../support/rawCopy';
import { inParallel, median, progress, seconds, timeRuns } from '../support/timing';
import { PhaseContext, stepTimeoutMs } from './phase';

const UPLOADS_AT_ONCE = 8;

export async function smallFilesPhase(context: PhaseContext, host: BenchHost): Promise<void> {
  const { settings } = context;
  const count = settings.smallFiles;
  const bytes = settings.smallFileKiB * 1024;
  const names = Array.from({ length: count }, (_, index) => `part-${String(index).padStart(5, '0')}.bin`);
  const contents = names.map(() => randomBytes(bytes));
  const perRequest = (await host.settings()).maxFiles;
  const requestCount = Math.ceil(count / perRequest);
  const timeoutMs = stepTimeoutMs((count * settings.smallFileKiB) / 1024);
  await host.admitUnknownContent({ scanningEnabled: false });

  const source = host.container('stalimex', 'bench-raw-small');
  const destination = host.container('stalimip', 'bench-raw-small');
  await source.createIfNotExists();
  await destination.createIfNotExists();
  await inParallel(names, UPLOADS_AT_ONCE, (name, index) => source.getBlockBlobClient(name).uploadData(contents[index]).then(() => undefined));
  const copies = await timeRuns(`${count} sequential raw copies`, settings.runs, async (run) => {
    for (const name of names) await rawServerSideCopy(source.getBlobClient(name), destination.getBlobClient(`${run}/${name}`), bytes);
  });

  const ours: number[] = [];
  for (let run = 0; run < settings.runs; run++) {
    const ids: string[] = [];
    for (let first = 0; first < count; first += perRequest) {
      const id = await host.createRequest(`bench: small files ${first}..`);
      const link = await host.draftLink(id);
      const slice = names.slice(first, first + perRequest);
      await inParallel(slice, UPLOADS_AT_ONCE, (name, index) => uploadBufferToLink(link, name, contents[first + index]));
      ids.push(id);
    }
    const started = performance.now();
    await Promise.all(ids.map((id) => host.submit(id)));
    await Promise.all(ids.map((id) => host.waitForStatus(id, 'in_review', timeoutMs)));
    ours.push(seconds(started));
    progress(`  ${count} × ${settings.smallFileKiB} KiB in ${requestCount} requests, submit → in_review: run ${run + 1} ${ours[run].toFixed(2)} s`);
  }

  context.record({
    figure: `${count} × ${settings.smallFileKiB} KiB, submit → in_review, scanning off`,
    ours: { value: median(ours), unit: 's' },
    baseline: { value: median(copies), unit: 's', label: `${count} sequential raw copies` },
    target: { kind: 'none' },
    note: `${requestCount} request${requestCount > 1 ? 's' : ''} of at most ${perRequest} files (the workspace's maxFiles), submitted at once`,
  });
}
