/** What a run's figures depend on besides the code: the machine, the Node version, the commit and the date. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, totalmem } from 'node:os';

export function describeMachine(): string[] {
  const model = /^model name\s*:\s*(.+)$/m.exec(safeRead('/proc/cpuinfo'))?.[1]?.trim() ?? 'unknown CPU';
  return [
    `date        ${new Date().toISOString()}`,
    `machine     ${availableParallelism()} CPUs (${model}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB memory`,
    `node        ${process.version}`,
    `commit      ${describeCommit()}`,
  ];
}

function describeCommit(): string {
  try {
    const head = git('rev-parse', 'HEAD').trim();
    const changed = git('status', '--porcelain').split('\n').filter(Boolean);
    if (changed.length === 0) return `${head} (no uncommitted changes)`;
    const names = changed.map((line) => line.slice(3));
    return `${head} with uncommitted changes in ${changed.length} file(s): ${names.slice(0, 20).join(', ')}${names.length > 20 ? ', …' : ''}`;
  } catch {
    return 'unknown (not a git checkout)';
  }
}

function git(...args: string[]): string {
  return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
}

function safeRead(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}
