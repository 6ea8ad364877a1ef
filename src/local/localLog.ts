/**
 * The one logging seam of the local host: a sink for text lines. Functions log through their
 * InvocationContext, the host logs its own events (a handler that threw, a file it could not read),
 * and both land in the same sink, so a test can capture everything without touching the console.
 */
import type { LogHandler } from '@azure/functions';

export type LocalLog = (line: string) => void;

export const consoleLog: LocalLog = (line) => console.log(line);

export type LocalLogLevel = 'info' | 'warn' | 'error';

/** `[error] durable: could not persist x: Error: disk full\n    at ...` */
export function formatLogLine(level: LocalLogLevel, message: string, error?: unknown): string {
  return `[${level}] ${message}${error === undefined ? '' : `: ${describeError(error)}`}`;
}

export function describeError(error: unknown): string {
  if (error instanceof Error) return error.stack ?? `${error.name}: ${error.message}`;
  return safeStringify(error);
}

/** Routes `context.log/warn/error` of one invocation into the sink; trace and debug output is dropped. */
export function logHandlerFor(log: LocalLog, functionName: string): LogHandler {
  return (level, ...args) => {
    if (level === 'trace' || level === 'debug' || level === 'none') return;
    const text = args.map((arg) => (typeof arg === 'string' ? arg : arg instanceof Error ? describeError(arg) : safeStringify(arg))).join(' ');
    const localLevel: LocalLogLevel = level === 'error' || level === 'critical' ? 'error' : level === 'warning' ? 'warn' : 'info';
    log(formatLogLine(localLevel, `${functionName}: ${text}`));
  };
}

function safeStringify(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
