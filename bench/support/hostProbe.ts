/**
 * What the local host process costs, read from /proc (Linux): its memory (RSS of the host and of any
 * process it started, such as a storage stand-in run outside its event loop), the CPU time of its
 * main thread (the app's event loop) and the bytes that thread read.
 *
 * Bytes read by the main thread (`rchar` of /proc/<pid>/task/<pid>/io) count every socket read of
 * the event loop: the app's downloads from blob storage, the API's request bodies, and, while Azurite
 * runs on the same loop, Azurite's own reads of request bodies. File reads go through libuv's thread
 * pool and are not counted, so a server-side copy that Azurite does on disk reads nothing here.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { MiB } from './randomFile';

const CLOCK_TICKS_PER_SECOND = clockTicks();

function clockTicks(): number {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
}

/** The host process started by this one for `dataDir` (found by its environment, as the matrix test finds it). */
export function hostPidOf(dataDir: string): number {
  for (const pid of numericEntries('/proc')) {
    if (parentOf(pid) !== process.pid) continue;
    let environ: string;
    try {
      environ = readFileSync(`/proc/${pid}/environ`, 'utf8');
    } catch {
      continue;
    }
    if (environ.split('\0').includes(`AIRLOCK_DATA_DIR=${dataDir}`)) return pid;
  }
  throw new Error(`no child process of this one runs the local host with AIRLOCK_DATA_DIR=${dataDir}`);
}

/** `root` and every process below it. */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const pid of numericEntries('/proc')) {
    const parent = parentOf(pid);
    if (parent !== undefined) children.set(parent, [...(children.get(parent) ?? []), pid]);
  }
  const tree: number[] = [];
  const pending = [root];
  while (pending.length) {
    const pid = pending.pop()!;
    tree.push(pid);
    pending.push(...(children.get(pid) ?? []));
  }
  return tree;
}

export function rssMiB(pid: number): number {
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : 0;
  } catch {
    return 0; // exited meanwhile
  }
}

export function treeRssMiB(root: number): number {
  return processTree(root).reduce((sum, pid) => sum + rssMiB(pid), 0);
}

/** CPU seconds (user + system) of a process, or of one of its threads. */
export function cpuSeconds(pid: number, thread?: number): number {
  const path = thread === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${thread}/stat`;
  try {
    // Fields after the parenthesised command name: state is field 3, utime 14, stime 15.
    const fields = readFileSync(path, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/** Bytes the main thread (the event loop) has read so far; see the top of this file. */
export function mainThreadBytesRead(pid: number): number {
  const match = /^rchar:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/task/${pid}/io`, 'utf8'));
  if (!match) throw new Error(`no rchar in /proc/${pid}/task/${pid}/io`);
  return Number(match[1]);
}

function numericEntries(dir: string): number[] {
  return readdirSync(dir)
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number);
}

function parentOf(pid: number): number | undefined {
  try {
    return Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[1]);
  } catch {
    return undefined;
  }
}

export interface MemoryPeak {
  /** the host and every process below it */
  treeMiB: number;
  mainMiB: number;
}

/** Samples the host's RSS until stopped; the peak is what a machine must have free. */
export class MemoryWatch {
  private peak: MemoryPeak = { treeMiB: 0, mainMiB: 0 };
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly pid: number,
    intervalMs = 200,
  ) {
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
  }

  stop(): MemoryPeak {
    clearInterval(this.timer);
    this.sample();
    return this.peak;
  }

  private sample(): void {
    this.peak = { treeMiB: Math.max(this.peak.treeMiB, treeRssMiB(this.pid)), mainMiB: Math.max(this.peak.mainMiB, rssMiB(this.pid)) };
  }
}

export interface CpuUse {
  /** fraction of wall time the main thread (the app's event loop) was on a CPU */
  mainThread: number;
  /** CPU seconds per wall second of the host and its children (2.0 = two cores busy) */
  tree: number;
}

/** CPU use of the host between construction and `stop`. */
export class CpuWatch {
  private readonly started = performance.now();
  private readonly mainAtStart: number;
  private readonly treeAtStart: number;

  constructor(private readonly pid: number) {
    this.mainAtStart = cpuSeconds(pid, pid);
    this.treeAtStart = this.treeCpu();
  }

  stop(): CpuUse {
    const wall = (performance.now() - this.started) / 1000;
    return { mainThread: (cpuSeconds(this.pid, this.pid) - this.mainAtStart) / wall, tree: (this.treeCpu() - this.treeAtStart) / wall };
  }

  /** Children that exit meanwhile take their CPU time with them; the host's own stays counted. */
  private treeCpu(): number {
    return processTree(this.pid).reduce((sum, pid) => sum + cpuSeconds(pid), 0);
  }
}

/** MiB the host's main thread read while `operation` ran. */
export async function mainThreadReadDuring<T>(pid: number, operation: () => Promise<T>): Promise<{ result: T; readMiB: number }> {
  const before = mainThreadBytesRead(pid);
  const result = await operation();
  return { result, readMiB: (mainThreadBytesRead(pid) - before) / MiB };
}
