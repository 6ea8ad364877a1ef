/**
 * Starts the built local host (`node dist/src/local/main.js`) as a child process on a free port with
 * its own data directory, as a user would run it, and stops it with SIGTERM (or kills it outright,
 * as a crash or an OOM killer would).
 */
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export interface LocalHostProcess {
  apiUrl: string;
  dataDir: string;
  output(): string;
  stop(): Promise<number | null>;
  /** SIGKILL: no shutdown code runs, exactly like a crash; resolves once the process is gone. */
  kill(): Promise<void>;
}

const MAIN = resolve(__dirname, '../../dist/src/local/main.js');

export function newDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'airlock-e2e-'));
}

export async function startLocalHostProcess(options: { dataDir?: string; env?: Record<string, string> } = {}): Promise<LocalHostProcess> {
  const dataDir = options.dataDir ?? newDataDir();
  const child: ChildProcess = spawn(process.execPath, [MAIN], {
    env: { ...process.env, PORT: '0', AIRLOCK_DATA_DIR: dataDir, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const apiUrl = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => {
      // A host that never said it listens must not outlive the test that gave up on it.
      child.kill('SIGKILL');
      reject(new Error(`local host did not start within 60 s:\n${output}`));
    }, 60_000);
    let listening = false;
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      // Only until the host listens: matching the whole output on every later chunk grew with the square of it.
      if (listening) return;
      const match = /listening on (http:\/\/\S+\/api)/.exec(output);
      if (match) {
        listening = true;
        clearTimeout(timer);
        resolveUrl(match[1]);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`local host exited with ${code} before listening:\n${output}`));
    });
  });
  return {
    apiUrl,
    dataDir,
    output: () => output,
    stop: () =>
      new Promise((resolveExit) => {
        if (child.exitCode !== null) return resolveExit(child.exitCode);
        child.once('exit', (code) => resolveExit(code));
        child.kill('SIGTERM');
      }),
    kill: () =>
      new Promise((resolveExit) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolveExit();
        child.once('exit', () => resolveExit());
        child.kill('SIGKILL');
      }),
  };
}
