/** The command-line baselines: `sha256sum` for hashing, `clamdscan --stream` (clamd's own client) for scanning. */
import { execFile } from 'node:child_process';
import { accessSync, constants, rmSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { clamdInstalled, RunningClamd } from '../../test/support/clamd';

const run = promisify(execFile);

export const CLAMD_INSTALL_HINT = 'apt-get install -y clamav-daemon clamdscan';

/** What is missing for the scanning figures, or undefined when clamd and clamdscan are both there. */
export function missingScanTools(): string | undefined {
  const missing = [clamdInstalled() ? undefined : 'clamd', onPath('clamdscan') ? undefined : 'clamdscan'].filter(Boolean);
  return missing.length ? `${missing.join(' and ')} not installed (${CLAMD_INSTALL_HINT})` : undefined;
}

function onPath(command: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, command), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * A clamdscan configuration for `clamd`. TCP only: clamdscan prefers LocalSocket when a config names
 * both, and the airlock talks TCP, so both take the same path. clamdscan also stops sending at ITS
 * config's StreamMaxLength (25M when absent) and then reports the truncated stream as OK, so the
 * limit is repeated here.
 */
export function writeClamdscanConfig(path: string, clamd: RunningClamd, streamMaxLengthMiB: number): string {
  const port = new URL(clamd.address).port;
  writeFileSync(path, `TCPAddr 127.0.0.1\nTCPSocket ${port}\nStreamMaxLength ${streamMaxLengthMiB}M\n`);
  return path;
}

/** Scans `file` with `clamdscan --stream`; anything but a clean verdict of the whole file rejects. */
export async function clamdscanStream(configFile: string, file: string): Promise<void> {
  // Exit status 0 is "no virus found"; 1 (found) or 2 (error) rejects.
  const { stdout } = await run('clamdscan', ['--stream', '--no-summary', `--config-file=${configFile}`, file]);
  if (!stdout.trim().endsWith(': OK')) throw new Error(`clamdscan said: ${stdout.trim()}`);
}

/** `sha256sum file`, the baseline of hashing: the digest it printed. */
export async function sha256sum(file: string): Promise<string> {
  const { stdout } = await run('sha256sum', [file]);
  return stdout.split(' ')[0];
}

/**
 * `cp file copy && md5sum copy`, then the copy removed: a physical copy checked against a digest, what
 * a verified server-side copy does when the storage really copies the bytes (Azure Storage does; on
 * Azurite only a Put Block From URL does, while its plain copy just points at the same extents).
 */
export async function verifiedLocalCopy(file: string, copy: string): Promise<void> {
  try {
    await run('cp', ['--reflink=never', file, copy]);
    await run('md5sum', [copy]);
  } finally {
    rmSync(copy, { force: true });
  }
}
