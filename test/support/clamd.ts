/**
 * A private clamd for tests and benchmarks: its own temp dir, an offline signature database (no
 * freshclam, no network), a free loopback port, and the limits the airlock requires (docs/clamav.md).
 */
import { ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { accessSync, constants, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { ClamdScanner } from '../../src/infra/scanning/clamdScanner';

/** The EICAR test file: harmless, and detected by every engine once it has a signature for it. */
export const EICAR = Buffer.from('X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*', 'latin1');
/** Debian's `clamav-testfiles`: clam.exe (harmless) packed and wrapped in many formats. */
export const CLAMAV_TESTFILES_DIR = '/usr/share/clamav-testfiles';

export interface ClamdOptions {
  /** MaxFileSize, in MiB. clamd cannot scan a single file of 2 GiB or more. */
  maxFileSizeMb?: number;
  /** StreamMaxLength, in MiB; defaults to maxFileSizeMb. Set it higher to reach the AlertExceedsMax path. */
  streamMaxLengthMb?: number;
  /** clamd skips rescanning content it found clean before; benchmarks turn that off to measure real scans. */
  disableCache?: boolean;
}

export interface RunningClamd {
  /** tcp://127.0.0.1:<port> */
  address: string;
  /** The same clamd on a unix socket. */
  socketPath: string;
  /** Holds clamd.conf, the database, logs and clamd's temp files. */
  dir: string;
  configFile: string;
  stop(): Promise<void>;
}

const MAX_SCAN_SIZE_MB = 4095;
const STARTUP_TIMEOUT_MS = 30_000;
const PORT_ATTEMPTS = 5;
const STOP_GRACE_MS = 5_000;
const SBIN_DIRS = ['/usr/sbin', '/usr/local/sbin'];

/**
 * clamd lives in /usr/sbin on Debian, which is not on a non-root user's PATH; looking there too
 * keeps the tests from being skipped just because of who runs them.
 */
export function clamdPath(): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), ...SBIN_DIRS];
  for (const dir of dirs) {
    const candidate = join(dir, 'clamd');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

export function clamdInstalled(): boolean {
  return clamdPath() !== undefined;
}

/**
 * `describe` when clamd is installed. Without it, CI fails loudly (a scanner that silently goes
 * untested is how fail-open bugs ship), and a developer's run skips with a note on how to enable.
 */
export function describeWithClamd(name: string, fn: () => void): void {
  if (clamdInstalled()) {
    describe(name, fn);
  } else if (process.env.CI) {
    describe(name, () => {
      test('clamd is available', () => {
        throw new Error('clamd is not installed: apt-get install clamav-daemon');
      });
    });
  } else {
    console.warn(
      `ClamAV tests skipped ("${name}"): clamd is not installed. ` +
        'Enable them with: apt-get install clamav-daemon clamav clamav-testfiles zip',
    );
    describe.skip(name, fn);
  }
}

export async function startClamd(options: ClamdOptions = {}): Promise<RunningClamd> {
  const executable = clamdPath();
  if (!executable) throw new Error('clamd is not installed: apt-get install clamav-daemon');
  const maxFileSizeMb = options.maxFileSizeMb ?? 2048;
  const streamMaxLengthMb = options.streamMaxLengthMb ?? maxFileSizeMb;
  const dir = mkdtempSync(join(tmpdir(), 'clamd-'));
  try {
    writeSignatureDatabase(join(dir, 'db'));
    mkdirSync(join(dir, 'tmp'));
    for (let attempt = 1; ; attempt++) {
      const port = await freeLoopbackPort();
      const configFile = join(dir, 'clamd.conf');
      const socketPath = join(dir, 'clamd.sock');
      writeFileSync(configFile, clamdConfig({ dir, port, socketPath, maxFileSizeMb, streamMaxLengthMb, disableCache: options.disableCache }));
      const address = `tcp://127.0.0.1:${port}`;
      const started = await launch(executable, configFile, address, dir);
      if (started.kind === 'running') {
        return {
          address,
          socketPath,
          dir,
          configFile,
          async stop() {
            await terminate(started.process);
            rmSync(dir, { recursive: true, force: true });
          },
        };
      }
      // Another process took the port between our probe and clamd's bind.
      if (started.kind === 'port-taken' && attempt < PORT_ATTEMPTS) continue;
      throw new Error(`clamd did not start: ${started.output}`);
    }
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

function clamdConfig(settings: {
  dir: string;
  port: number;
  socketPath: string;
  maxFileSizeMb: number;
  streamMaxLengthMb: number;
  disableCache?: boolean;
}): string {
  const { dir } = settings;
  return [
    `DatabaseDirectory ${join(dir, 'db')}`,
    `TemporaryDirectory ${join(dir, 'tmp')}`,
    `TCPAddr 127.0.0.1`,
    `TCPSocket ${settings.port}`,
    `LocalSocket ${settings.socketPath}`,
    // No `User` line: dropping to the clamav user would leave it unable to use our root-owned dir.
    'Foreground yes',
    `PidFile ${join(dir, 'clamd.pid')}`,
    `LogFile ${join(dir, 'clamd.log')}`,
    `StreamMaxLength ${settings.streamMaxLengthMb}M`,
    `MaxFileSize ${settings.maxFileSizeMb}M`,
    // The most libclamav takes. Equal to MaxFileSize is not enough: content found embedded in a file
    // counts again, and 1 GiB of random bytes was flagged Limits.Exceeded.MaxScanSize at 1040M.
    `MaxScanSize ${MAX_SCAN_SIZE_MB}M`,
    // The default (2 min) would flag a large file as Heuristics.Limits.Exceeded.MaxScanTime; as in
    // docs/clamav.md, below ClamdScanner's 10-minute timeout.
    'MaxScanTime 540000',
    'AlertExceedsMax yes',
    'AlertEncrypted yes',
    'AlertBrokenExecutables yes',
    'MaxRecursion 16',
    ...(settings.disableCache ? ['DisableCache yes'] : []),
    '',
  ].join('\n');
}

/** EICAR by hash and by body (the body signature also matches inside archives and appended data). */
function writeSignatureDatabase(dbDir: string): void {
  mkdirSync(dbDir);
  const hashSignatures = [`${md5(EICAR)}:${EICAR.length}:Local.Eicar.HDB-1`];
  const testExe = join(CLAMAV_TESTFILES_DIR, 'clam.exe');
  if (existsSync(testExe)) {
    // With only this hash, clamd detects all the packed and wrapped variants in clamav-testfiles.
    const bytes = readFileSync(testExe);
    hashSignatures.push(`${md5(bytes)}:${bytes.length}:Local.ClamTestfile.HDB-1`);
  }
  writeFileSync(join(dbDir, 'local.hdb'), hashSignatures.join('\n') + '\n');
  writeFileSync(join(dbDir, 'local.ndb'), `Local.Eicar.NDB-1:0:*:${EICAR.toString('hex')}\n`);
}

function md5(bytes: Buffer): string {
  return createHash('md5').update(bytes).digest('hex');
}

/** A port that was free a moment ago; clamd may still lose it to someone else (see the retry). */
function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

type LaunchOutcome = { kind: 'running'; process: ChildProcess } | { kind: 'port-taken' | 'failed'; output: string };

async function launch(executable: string, configFile: string, address: string, dir: string): Promise<LaunchOutcome> {
  const child = spawn(executable, [`--config-file=${configFile}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (data: Buffer) => {
    // Only the tail matters for a start-up failure; a long-running clamd must not grow this forever.
    output = (output + data.toString()).slice(-8_000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  child.once('error', (error) => {
    exited = true;
    output += `\n${error.message}`;
  });

  const scanner = new ClamdScanner({ address, timeoutMs: 1_000 });
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (!exited && Date.now() < deadline) {
    try {
      await scanner.ping();
      return { kind: 'running', process: child };
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  await terminate(child);
  const log = readIfPresent(join(dir, 'clamd.log'));
  const details = `${output}\n${log}`.trim().split('\n').slice(-15).join('\n');
  if (/address already in use/i.test(details)) return { kind: 'port-taken', output: details };
  return { kind: 'failed', output: exited ? details : `no PONG within ${STARTUP_TIMEOUT_MS / 1000} s\n${details}` };
}

async function terminate(child: ChildProcess): Promise<void> {
  // A spawn that failed (no pid) never emits 'exit'.
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const killer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
  await exited;
  clearTimeout(killer);
}

function readIfPresent(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}
