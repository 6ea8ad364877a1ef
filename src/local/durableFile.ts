import { open, rename } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Replaces `file` with `content` so that a crash at any instant leaves either the old or the new
 * version: written to `temporary`, flushed, renamed over `file`, and (with `fsync`) the directory
 * flushed too, since the rename itself is durable only once the directory is. Without `fsync` the
 * write survives a killed process but not a power cut.
 */
export async function replaceFileDurably(file: string, temporary: string, content: string, fsync = true): Promise<void> {
  const handle = await open(temporary, 'w');
  try {
    await handle.writeFile(content, 'utf8');
    if (fsync) await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temporary, file);
  if (!fsync) return;
  const directory = await open(dirname(file), 'r');
  try {
    await directory.sync();
  } finally {
    await directory.close();
  }
}
