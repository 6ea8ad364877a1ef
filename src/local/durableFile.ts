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
  if (fsync) await syncDirectory(dirname(file));
}

/** Makes the names in `directory` durable: a created, renamed or removed file's entry is on disk once this resolves. */
export async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Appends `text` to `file` (made if missing) and resolves once it is on disk. A crash mid-append
 * can leave part of it at the end of the file; a reader takes only lines that end in a newline.
 */
export async function appendDurably(file: string, text: string): Promise<void> {
  const handle = await open(file, 'a');
  let wasEmpty: boolean;
  try {
    wasEmpty = (await handle.stat()).size === 0;
    await handle.appendFile(text, 'utf8');
    await handle.datasync();
  } finally {
    await handle.close();
  }
  // A file this append made is durable once its name is; the directory is flushed once per file.
  if (wasEmpty) await syncDirectory(dirname(file));
}

/**
 * The lines a file written by `appendDurably` holds: those that end in a newline. A last part
 * without one (`cutShort`) is an append a crash interrupted, which was never acknowledged.
 */
export function appendedLines(text: string): { lines: string[]; cutShort: boolean } {
  const lines = text.split('\n');
  const last = lines.pop();
  return { lines, cutShort: last !== '' };
}
