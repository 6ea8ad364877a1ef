/** Progress of many uploads in bytes and percent, for the progress bars and their spoken values. */
import { formatBytes } from '../review/format';

export interface FileProgress {
  size: number;
  sent: number;
  /** files that will not be uploaded (refused names, cancelled) leave the total */
  counts: boolean;
}

export interface Progress {
  sent: number;
  total: number;
  /** whole percent, 100 only when every byte is there */
  percent: number;
}

export function progressOf(sent: number, total: number): Progress {
  const clamped = Math.min(Math.max(sent, 0), total);
  // floor, so 99.6% never reads as done; an empty file is done at once.
  const percent = total === 0 ? 100 : Math.floor((clamped / total) * 100);
  return { sent: clamped, total, percent };
}

export function totalProgress(files: readonly FileProgress[]): Progress {
  let sent = 0;
  let total = 0;
  for (const file of files) {
    if (!file.counts) continue;
    sent += Math.min(file.sent, file.size);
    total += file.size;
  }
  return progressOf(sent, total);
}

/** The words a screen reader speaks for a progress bar: "8 MiB of 20 MiB (40%)". */
export function progressText(progress: Progress): string {
  return `${formatBytes(progress.sent)} of ${formatBytes(progress.total)} (${progress.percent}%)`;
}
