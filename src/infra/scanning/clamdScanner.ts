/**
 * A clamd client (zINSTREAM over TCP or a unix socket). The file is streamed to clamd once; its
 * SHA-256 and size are computed from the very bytes clamd receives, so a verdict can be tied to
 * the digest recorded at submit without a second read. Nothing is buffered beyond one chunk.
 *
 * Fail closed: only an explicit `stream: OK`, received after every byte was sent, is clean. Every
 * other outcome is either an infection (any signature, including the heuristics clamd raises
 * when it could not scan safely) or a ClamdUnavailableError.
 */
import { createHash } from 'node:crypto';
import { createConnection, Socket } from 'node:net';
import { ConfigError } from '../../config';
import { DependencyError } from '../../domain/errors';

export interface StreamScanResult {
  infected: boolean;
  /** What clamd found, e.g. `Win.Test.EICAR_HDB-1` or `Heuristics.Encrypted.Zip`; empty when clean. */
  signatures: string[];
  /** Hex SHA-256 of the bytes sent to clamd. */
  sha256: string;
  /** Bytes sent to clamd. */
  size: number;
  /** clamd's reply, as received (for logs). */
  reply: string;
}

export interface ClamdScannerOptions {
  /** `tcp://host:port`, or the path of clamd's unix socket (`unix:` prefix optional). */
  address: string;
  /** For a whole scan, from connecting to the verdict. Default 10 minutes. */
  timeoutMs?: number;
}

/** clamd gave no usable verdict: not reachable, too slow, an ERROR reply, or the connection broke. Never "clean". */
export class ClamdUnavailableError extends DependencyError {}

const DEFAULT_TIMEOUT_MS = 10 * 60_000;
/** A health check should not wait as long as a scan of a large file. */
const PING_TIMEOUT_MS = 10_000;
/**
 * clamd accepts larger chunks, but each chunk is a unit it must hold before writing it out; small
 * chunks keep its memory flat and let a size-limit rejection arrive early.
 */
const MAX_CHUNK_BYTES = 1024 * 1024;
/** A zero-length chunk is the INSTREAM terminator. */
const END_OF_STREAM = Buffer.alloc(4);

type ClamdEndpoint = { host: string; port: number } | { path: string };

export class ClamdScanner {
  private readonly endpoint: ClamdEndpoint;
  private readonly timeoutMs: number;

  constructor(private readonly options: ClamdScannerOptions) {
    this.endpoint = parseAddress(options.address);
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  async ping(): Promise<void> {
    const timeoutMs = Math.min(this.timeoutMs, PING_TIMEOUT_MS);
    const exchange = await this.open(timeoutMs);
    exchange.socket.end('zPING\0');
    const { reply, transportError } = await exchange.closed;
    exchange.finish();
    if (exchange.timedOut) throw this.unavailable(`no PONG within ${formatSeconds(timeoutMs)}`);
    if (reply !== 'PONG') {
      throw this.unavailable(reply ? `answered "${reply}" to PING` : `closed the connection without a PONG${codeSuffix(transportError)}`);
    }
  }

  /**
   * Scans the stream's bytes. The stream is consumed; if the scan stops early (clamd refused the
   * size, a timeout) it is destroyed, so a download behind it does not stay open.
   */
  async scan(source: NodeJS.ReadableStream): Promise<StreamScanResult> {
    let exchange: ClamdExchange;
    try {
      exchange = await this.open(this.timeoutMs);
    } catch (error) {
      destroyStream(source);
      throw error;
    }
    const { socket } = exchange;
    const hash = createHash('sha256');
    let size = 0;
    let sentEverything = false;

    // Whatever ends the connection early must also unblock the loop below, which may be waiting for
    // the next chunk of a slow download.
    let sourceAbandoned = false;
    const abandonSource = () => {
      if (sentEverything) return;
      sourceAbandoned = true;
      destroyStream(source);
    };
    void exchange.closed.then(abandonSource);
    exchange.onFirstReplyByte(abandonSource);

    try {
      socket.write('zINSTREAM\0');
      for await (const chunk of source) {
        const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
        if (bytes.length === 0) continue; // would read as the terminator
        if (!exchange.canWrite()) break;
        hash.update(bytes);
        size += bytes.length;
        for (let offset = 0; offset < bytes.length && exchange.canWrite(); offset += MAX_CHUNK_BYTES) {
          const piece = bytes.subarray(offset, offset + MAX_CHUNK_BYTES);
          const header = Buffer.allocUnsafe(4);
          header.writeUInt32BE(piece.length);
          socket.cork();
          socket.write(header);
          const keepGoing = socket.write(piece);
          socket.uncork();
          if (!keepGoing) await exchange.drained();
        }
      }
      if (exchange.canWrite()) {
        sentEverything = true;
        socket.end(END_OF_STREAM);
      }
    } catch (error) {
      if (!sourceAbandoned) {
        // The file could not be read: not clamd's fault, and no verdict either.
        exchange.finish();
        throw error;
      }
    }

    const { reply, transportError } = await exchange.closed;
    exchange.finish();
    if (exchange.timedOut) throw this.unavailable(`no verdict within ${formatSeconds(this.timeoutMs)} (${size} bytes sent)`);
    if (!reply) {
      const hint = sentEverything ? '' : ` after ${size} bytes were read; its StreamMaxLength may be below the file's size`;
      throw this.unavailable(`closed the connection without a verdict${codeSuffix(transportError)}${hint}`);
    }
    const verdict = parseScanReply(reply);
    if (verdict.kind === 'error') throw this.unavailable(`refused the scan: ${verdict.message}`);
    if (verdict.kind === 'unrecognized') throw this.unavailable(`gave an unrecognized reply: "${reply}"`);
    // A verdict can only be about the whole file once the terminator went out.
    if (!sentEverything) throw this.unavailable(`replied "${reply}" before the whole stream was sent (${size} bytes sent)`);
    return {
      infected: verdict.kind === 'found',
      signatures: verdict.kind === 'found' ? verdict.signatures : [],
      sha256: hash.digest('hex'),
      size,
      reply,
    };
  }

  private async open(timeoutMs: number): Promise<ClamdExchange> {
    const socket = createConnection(this.endpoint);
    const exchange = new ClamdExchange(socket, timeoutMs);
    try {
      await exchange.connected();
    } catch (error) {
      exchange.finish();
      if (exchange.timedOut) throw this.unavailable(`did not accept a connection within ${formatSeconds(timeoutMs)}`);
      throw this.unavailable(`unreachable${codeSuffix(error)}`);
    }
    return exchange;
  }

  private unavailable(problem: string): ClamdUnavailableError {
    return new ClamdUnavailableError(`clamd at ${this.options.address} ${problem}`);
  }
}

export type ScanReply =
  | { kind: 'clean' }
  | { kind: 'found'; signatures: string[] }
  | { kind: 'error'; message: string }
  | { kind: 'unrecognized' };

/**
 * `stream: OK`, `stream: <signature> FOUND` (one line per match with AllMatchScan) or
 * `<message> ERROR`. A FOUND anywhere wins: it is the one verdict that can never be wrong to act on.
 */
export function parseScanReply(reply: string): ScanReply {
  const lines = reply
    .split(/[\0\n]/)
    .map((line) => line.trim())
    .filter(Boolean);
  const signatures = lines.flatMap((line) => /^stream: (.+) FOUND$/.exec(line)?.[1] ?? []);
  if (signatures.length) return { kind: 'found', signatures };
  const error = lines.find((line) => line.endsWith(' ERROR'));
  if (error) return { kind: 'error', message: error.replace(/\s*ERROR$/, '') };
  if (lines.length === 1 && lines[0] === 'stream: OK') return { kind: 'clean' };
  return { kind: 'unrecognized' };
}

/** One connection to clamd: collects the reply, and knows when the connection is over and why. */
class ClamdExchange {
  /** The reply (NULs and surrounding space removed) and the transport error, once the socket has closed. */
  readonly closed: Promise<{ reply: string; transportError?: Error }>;
  timedOut = false;
  private replyBytes: Buffer[] = [];
  private transportError?: Error;
  private readonly timer: NodeJS.Timeout;
  private readonly firstReplyByteListeners: (() => void)[] = [];

  constructor(readonly socket: Socket, timeoutMs: number) {
    socket.on('data', (data: Buffer) => {
      this.replyBytes.push(data);
      for (const listener of this.firstReplyByteListeners.splice(0)) listener();
    });
    // Recorded, not thrown: EPIPE or ECONNRESET right after a reply is clamd closing as it does
    // after refusing a stream; the reply says why.
    socket.on('error', (error) => {
      this.transportError ??= error;
    });
    this.closed = new Promise((resolve) => {
      socket.once('close', () =>
        resolve({ reply: Buffer.concat(this.replyBytes).toString('utf8').replace(/\0/g, '\n').trim(), transportError: this.transportError }),
      );
    });
    this.timer = setTimeout(() => {
      this.timedOut = true;
      socket.destroy();
    }, timeoutMs);
  }

  connected(): Promise<void> {
    return new Promise((resolve, reject) => {
      if (!this.socket.connecting) return resolve();
      this.socket.once('connect', () => resolve());
      void this.closed.then(() => reject(this.transportError ?? new Error('connection closed')));
    });
  }

  /** False once clamd has answered or gone: nothing more it would read. */
  canWrite(): boolean {
    return this.socket.writable && !this.socket.destroyed && this.replyBytes.length === 0;
  }

  onFirstReplyByte(listener: () => void): void {
    if (this.replyBytes.length) listener();
    else this.firstReplyByteListeners.push(listener);
  }

  /** Resolves when the socket can take more, or when it never will (reply, close, timeout). */
  drained(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.socket.off('drain', done);
        this.socket.off('close', done);
        resolve();
      };
      this.socket.on('drain', done);
      this.socket.on('close', done);
      this.onFirstReplyByte(done);
    });
  }

  finish(): void {
    clearTimeout(this.timer);
    this.socket.destroy();
  }
}

function parseAddress(address: string): ClamdEndpoint {
  const tcp = /^tcp:\/\/(\[[^\]]+\]|[^:/]+):(\d+)\/?$/.exec(address);
  if (tcp) return { host: tcp[1].replace(/^\[|\]$/g, ''), port: Number(tcp[2]) };
  if (/^[a-z]+:\/\//i.test(address) && !address.startsWith('unix://')) {
    throw new ConfigError([`clamd address "${address}" is neither tcp://host:port nor a unix socket path`]);
  }
  const path = address.replace(/^unix:(\/\/)?/, '');
  if (!path.startsWith('/')) throw new ConfigError([`clamd address "${address}": a unix socket path must be absolute`]);
  return { path };
}

function destroyStream(stream: NodeJS.ReadableStream): void {
  const destroyable = stream as NodeJS.ReadableStream & { destroy?: () => void };
  if (typeof destroyable.destroy === 'function') destroyable.destroy();
}

/** Duck-typed: errors from Node's internals fail `instanceof Error` inside Jest's sandbox. */
function codeSuffix(error: unknown): string {
  if (typeof error !== 'object' || error === null) return '';
  const { code, message } = error as Partial<NodeJS.ErrnoException>;
  const text = code ?? message;
  return text ? ` (${text})` : '';
}

function formatSeconds(ms: number): string {
  return `${ms / 1000} s`;
}
