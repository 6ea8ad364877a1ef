/**
 * One local host per data directory: a second host on a directory in use stops before it touches
 * the directory's state or storage, and a lock left by a killed host is taken over.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { lockDataDir } from '../../src/local/dataDirLock';
import { newDataDir, startLocalHostProcess } from '../support/localHostProcess';

const LOCK = resolve(__dirname, '../../dist/src/local/dataDirLock.js');

/**
 * A process that holds the directory's lock until it is killed, or until this process is gone (its
 * stdin closes then), so a test worker killed mid-test leaves no holder running.
 */
async function holderProcess(dataDir: string) {
  const child = spawn(process.execPath, ['-e', `require(${JSON.stringify(LOCK)}).lockDataDir(${JSON.stringify(dataDir)}); console.log('locked'); process.stdin.on('close', () => process.exit()).resume();`], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  await new Promise<void>((ready) => child.stdout!.once('data', () => ready()));
  return {
    pid: child.pid!,
    kill: () => new Promise<void>((gone) => (child.once('exit', () => gone()), child.kill('SIGKILL'))),
  };
}

test('a directory locked by a running process is refused, naming it; once that process is killed the lock is taken over', async () => {
  const dataDir = newDataDir();
  const holder = await holderProcess(dataDir);
  expect(() => lockDataDir(dataDir)).toThrow(`another local host (process ${holder.pid}) is using the data directory ${dataDir}`);
  await holder.kill();
  const release = lockDataDir(dataDir);
  expect(readFileSync(join(dataDir, 'host.lock'), 'utf8')).toBe(String(process.pid));
  release();
  expect(existsSync(join(dataDir, 'host.lock'))).toBe(false);
});

test('a release does not remove a lock another process has taken over since', () => {
  const dataDir = newDataDir();
  const release = lockDataDir(dataDir);
  writeFileSync(join(dataDir, 'host.lock'), '999999999');
  release();
  expect(readFileSync(join(dataDir, 'host.lock'), 'utf8')).toBe('999999999');
});

test('a second local host on the directory of a running one stops before touching its state, and the first keeps working', async () => {
  const first = await startLocalHostProcess();
  try {
    const state = readFileSync(join(first.dataDir, 'local-host.json'), 'utf8');
    await expect(startLocalHostProcess({ dataDir: first.dataDir })).rejects.toThrow(/another local host \(process \d+\) is using the data directory/);
    expect(readFileSync(join(first.dataDir, 'local-host.json'), 'utf8')).toBe(state);
    expect((await fetch(`${first.apiUrl}/health`)).status).toBe(200);
  } finally {
    await first.stop();
  }
  expect(existsSync(join(first.dataDir, 'host.lock'))).toBe(false);
});
