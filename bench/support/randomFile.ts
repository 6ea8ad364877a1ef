import { randomFillSync } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

export const MiB = 1024 * 1024;

/** A file of random bytes: nothing for a scanner's cache or a compressor to shortcut. */
export async function writeRandomFile(path: string, sizeMiB: number): Promise<void> {
  const out = createWriteStream(path);
  const chunk = Buffer.alloc(8 * MiB);
  for (let written = 0; written < sizeMiB; written += 8) {
    const bytes = Math.min(8, sizeMiB - written) * MiB;
    // A fresh buffer each time: the stream may still hold the previous one.
    const piece = Buffer.from(randomFillSync(chunk).subarray(0, bytes));
    if (!out.write(piece)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}
