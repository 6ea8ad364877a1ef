import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { AddressInfo, createServer, Server, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { ConfigError } from '../../../src/config';
import { DependencyError } from '../../../src/domain/errors';
import { ClamdScanner, ClamdUnavailableError, parseScanReply, StreamScanResult } from '../../../src/infra/scanning/clamdScanner';
import { CLAMAV_TESTFILES_DIR, describeWithClamd, EICAR, RunningClamd, startClamd } from '../../support/clamd';

const MiB = 1024 * 1024;

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Outcome of a scan that must never be clean, without letting a rejection fail the test early. */
async function scanOutcome(scanner: ClamdScanner, stream: NodeJS.ReadableStream): Promise<StreamScanResult | Error> {
  try {
    return await scanner.scan(stream);
  } catch (error) {
    return error as Error;
  }
}

/** A port nobody listens on (it was free a moment ago). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Random data in 1 MiB chunks, then `tail`: large content that is never held in memory at once. */
function randomThen(tail: Buffer, sizeMiB: number, digest = createHash('sha256')): Readable {
  async function* chunks() {
    for (let i = 0; i < sizeMiB; i++) {
      const chunk = randomBytes(MiB);
      digest.update(chunk);
      yield chunk;
    }
    digest.update(tail);
    yield tail;
  }
  return Readable.from(chunks());
}

/** startClamd sets MaxRecursion 16. */
const DEEPEST_NESTING = 20;

describeWithClamd('ClamdScanner against clamd', () => {
  let clamd: RunningClamd;
  let scanner: ClamdScanner;
  let fixtures: string;

  beforeAll(async () => {
    clamd = await startClamd({ maxFileSizeMb: 64 });
    scanner = new ClamdScanner({ address: clamd.address });
    fixtures = mkdtempSync(join(tmpdir(), 'clamd-fixtures-'));
    writeFileSync(join(fixtures, 'eicar.com'), EICAR);
    writeFileSync(join(fixtures, 'readme.txt'), 'nothing to see here\n');
    const zip = (...args: string[]) => execFileSync('zip', ['-q', ...args], { cwd: fixtures });
    zip('eicar.zip', 'eicar.com', 'readme.txt');
    zip('nested.zip', 'eicar.zip');
    zip('-P', 'secret', 'encrypted.zip', 'eicar.com');
    zip('-P', 'secret', 'encrypted-clean.zip', 'readme.txt');
    // Repeated so deflate hides the bytes: only unpacking every level can reveal them.
    writeFileSync(join(fixtures, 'level0'), Buffer.concat(Array.from({ length: 100 }, () => Buffer.concat([EICAR, Buffer.from('\n')]))));
    zip('-9', 'level1.zip', 'level0');
    for (let level = 2; level <= DEEPEST_NESTING; level++) zip(`level${level}.zip`, `level${level - 1}.zip`);
    // 8 MiB of zeros then EICAR packs into a few KiB: small to send, larger than a 1 MiB MaxFileSize unpacked.
    writeFileSync(join(fixtures, 'zeros-then-eicar.bin'), Buffer.concat([Buffer.alloc(8 * MiB), EICAR]));
    writeFileSync(join(fixtures, 'zeros-then-eicar.bin.gz'), gzipSync(readFileSync(join(fixtures, 'zeros-then-eicar.bin'))));
    zip('-9', 'zeros-then-eicar.zip', 'zeros-then-eicar.bin');
  });

  afterAll(async () => {
    await clamd?.stop();
    if (fixtures) rmSync(fixtures, { recursive: true, force: true });
  });

  const fixture = (name: string) => createReadStream(join(fixtures, name));

  test('ping gets a PONG', async () => {
    await expect(scanner.ping()).resolves.toBeUndefined();
  });

  test('clean text is not infected; the digest and size are of the bytes scanned', async () => {
    const text = Buffer.from('A perfectly ordinary research note.\n'.repeat(1000));
    const result = await scanner.scan(Readable.from([text]));
    expect(result).toEqual({ infected: false, signatures: [], sha256: sha256(text), size: text.length, reply: 'stream: OK' });
  });

  test('an empty file is clean, with the digest of nothing', async () => {
    const result = await scanner.scan(Readable.from([]));
    expect(result).toMatchObject({ infected: false, size: 0, sha256: sha256(Buffer.alloc(0)) });
  });

  test('EICAR is infected', async () => {
    const result = await scanner.scan(fixture('eicar.com'));
    expect(result.infected).toBe(true);
    expect(result.signatures.join(' ')).toMatch(/eicar/i);
    expect(result.sha256).toBe(sha256(EICAR));
  });

  test('EICAR inside a zip is infected', async () => {
    const result = await scanner.scan(fixture('eicar.zip'));
    expect(result.infected).toBe(true);
    expect(result.signatures.join(' ')).toMatch(/eicar/i);
  });

  test('EICAR inside a zip inside a zip is infected', async () => {
    const result = await scanner.scan(fixture('nested.zip'));
    expect(result.infected).toBe(true);
    expect(result.signatures.join(' ')).toMatch(/eicar/i);
  });

  test('a password-protected zip is infected (Heuristics.Encrypted): its content could not be scanned', async () => {
    for (const name of ['encrypted.zip', 'encrypted-clean.zip']) {
      const result = await scanner.scan(fixture(name));
      expect(result.infected).toBe(true);
      expect(result.signatures.join(' ')).toMatch(/^Heuristics\.Encrypted/);
    }
  });

  test('20 MiB of random bytes with EICAR appended is infected, hashed in the same pass', async () => {
    const digest = createHash('sha256');
    const result = await scanner.scan(randomThen(EICAR, 20, digest));
    expect(result.infected).toBe(true);
    expect(result.signatures.join(' ')).toMatch(/eicar/i);
    expect(result.size).toBe(20 * MiB + EICAR.length);
    expect(result.sha256).toBe(digest.digest('hex'));
  });

  test('chunks larger than 1 MiB are split, and the verdict still covers the whole content', async () => {
    const big = Buffer.concat([randomBytes(5 * MiB + 123), EICAR]);
    const result = await scanner.scan(Readable.from([big]));
    expect(result).toMatchObject({ infected: true, size: big.length, sha256: sha256(big) });
  });

  test('the unix socket works as well as TCP', async () => {
    const overSocket = new ClamdScanner({ address: clamd.socketPath });
    await overSocket.ping();
    expect((await overSocket.scan(fixture('eicar.zip'))).infected).toBe(true);
    expect((await overSocket.scan(fixture('readme.txt'))).infected).toBe(false);
  });

  test('a failing source rejects with its own error: no verdict, and clamd is not left waiting', async () => {
    const source = new PassThrough();
    source.write(Buffer.from('partial content'));
    setTimeout(() => source.destroy(new Error('blob download broke')), 20);
    await expect(scanner.scan(source)).rejects.toThrow('blob download broke');
    await expect(scanner.ping()).resolves.toBeUndefined();
  });

  test('EICAR in an archive nested within MaxRecursion is found; nested deeper, it is flagged MaxRecursion, not passed', async () => {
    const withinLimit = await scanner.scan(fixture('level10.zip'));
    expect(withinLimit.signatures.join(' ')).toMatch(/eicar/i);
    const tooDeep = await scanner.scan(fixture(`level${DEEPEST_NESTING}.zip`));
    expect(tooDeep).toMatchObject({ infected: true, signatures: ['Heuristics.Limits.Exceeded.MaxRecursion'] });
  });

  (existsSync(CLAMAV_TESTFILES_DIR) ? test : test.skip)('a malformed executable is flagged (AlertBrokenExecutables)', async () => {
    const exe = readFileSync(join(CLAMAV_TESTFILES_DIR, 'clam.exe'));
    const peHeaderOffset = exe.readUInt32LE(0x3c);
    const truncated = exe.subarray(0, peHeaderOffset + 0x60); // headers that promise sections which are not there
    const result = await scanner.scan(Readable.from([truncated]));
    expect(result).toMatchObject({ infected: true, signatures: ['Heuristics.Broken.Executable'] });
  });

  const testfiles = ['clam.exe', 'clam-upx.exe', 'clam.zip', 'clam.7z', 'clam.tar.gz', 'clam.pdf', 'clam.ole.doc', 'clam.exe.mbox.base64'];
  (existsSync(CLAMAV_TESTFILES_DIR) ? test : test.skip)('clamav-testfiles fixtures (packed, archived, embedded) are detected', async () => {
    for (const name of testfiles) {
      const result = await scanner.scan(createReadStream(join(CLAMAV_TESTFILES_DIR, name)));
      expect({ name, infected: result.infected }).toEqual({ name, infected: true });
    }
  });

  describe('files beyond the limits are never clean', () => {
    let small: RunningClamd;
    let abovePerFileLimit: RunningClamd;

    beforeAll(async () => {
      [small, abovePerFileLimit] = await Promise.all([
        startClamd({ maxFileSizeMb: 1 }),
        // Accepts the stream but may not scan all of it: AlertExceedsMax must turn that into a detection.
        startClamd({ maxFileSizeMb: 1, streamMaxLengthMb: 16 }),
      ]);
    });

    afterAll(async () => {
      await Promise.all([small?.stop(), abovePerFileLimit?.stop()]);
    });

    test('3 MiB against 1 MiB limits: a Limits heuristic or a size-limit ClamdUnavailableError', async () => {
      const outcome = await scanOutcome(new ClamdScanner({ address: small.address }), randomThen(Buffer.alloc(0), 3));
      if (outcome instanceof Error) {
        expect(outcome).toBeInstanceOf(ClamdUnavailableError);
        // clamd says why and closes; when it closes with our bytes still unread, its RST can discard
        // that reply before we read it (seen under load), leaving only the closed connection. Either
        // way there is no verdict, so the file is never clean.
        expect(outcome.message).toMatch(/size limit|StreamMaxLength|closed the connection without a verdict/i);
      } else {
        expect(outcome.infected).toBe(true);
        expect(outcome.signatures.join(' ')).toMatch(/^Heuristics\.Limits\.Exceeded/);
      }
    });

    test('compressed content that unpacks beyond MaxFileSize is flagged, not passed', async () => {
      const result = await new ClamdScanner({ address: small.address }).scan(fixture('zeros-then-eicar.bin.gz'));
      expect(result).toMatchObject({ infected: true, signatures: ['Heuristics.Limits.Exceeded.MaxFileSize'] });
    });

    // KNOWN CLAMAV GAP (1.4.6): a zip member larger than MaxFileSize is skipped and the archive is
    // reported OK, AlertExceedsMax or not (Cisco-Talos/clamav#633, fix proposed in #1832). The airlock
    // relies on its content checks refusing archives that expand beyond AIRLOCK_MAX_FILE_SIZE_MB,
    // which is at most clamd's MaxFileSize (docs/clamav.md). `failing`: when a ClamAV upgrade flags
    // it, this test fails, and the marker and the docs should be updated.
    test.failing('KNOWN GAP: a zip member beyond MaxFileSize is reported OK', async () => {
      const result = await new ClamdScanner({ address: small.address }).scan(fixture('zeros-then-eicar.zip'));
      expect(result.infected).toBe(true);
    });

    test('far beyond the stream limit, in any chunking, the connection breaking is never taken for clean', async () => {
      const scannerForSmall = new ClamdScanner({ address: small.address });
      const sources = [
        () => Readable.from([Buffer.alloc(48 * MiB, 1)]), // one huge chunk: clamd hangs up mid-write (EPIPE)
        () => randomThen(EICAR, 48),
        () => randomThen(Buffer.alloc(0), 2),
      ];
      for (const source of sources) {
        const outcome = await scanOutcome(scannerForSmall, source());
        expect(outcome).toBeInstanceOf(ClamdUnavailableError);
      }
    });

    test('above MaxFileSize but within StreamMaxLength: Heuristics.Limits.Exceeded (AlertExceedsMax)', async () => {
      const result = await new ClamdScanner({ address: abovePerFileLimit.address }).scan(randomThen(Buffer.alloc(0), 3));
      expect(result.infected).toBe(true);
      expect(result.signatures).toEqual(['Heuristics.Limits.Exceeded.MaxFileSize']);
    });
  });

  test('clamd not running: ClamdUnavailableError, a dependency failure (503), for scans and pings', async () => {
    const nowhere = new ClamdScanner({ address: `tcp://127.0.0.1:${await closedPort()}` });
    const source = Readable.from([Buffer.from('hello')]);
    await expect(nowhere.scan(source)).rejects.toThrow(ClamdUnavailableError);
    await expect(nowhere.scan(Readable.from([EICAR]))).rejects.toBeInstanceOf(DependencyError);
    await expect(nowhere.ping()).rejects.toMatchObject({ name: 'ClamdUnavailableError', httpStatus: 503 });
    await expect(nowhere.scan(Readable.from([EICAR]))).rejects.toThrow(/unreachable \(ECONNREFUSED\)/);
    await expect(nowhere.ping()).rejects.toThrow(ClamdUnavailableError);
    expect(source.destroyed).toBe(true);
  });
});

/**
 * A stand-in clamd that records the INSTREAM chunks and answers as told: the client's framing and
 * its handling of odd replies, without needing ClamAV installed.
 */
describe('ClamdScanner against a scripted server', () => {
  interface Received {
    command: string;
    chunkSizes: number[];
    content: Buffer;
  }
  type Behaviour = (socket: Socket, received: Received, event: 'command' | 'chunk' | 'end') => void;

  let server: Server;
  let behaviour: Behaviour;
  let lastReceived: Received;
  let address: string;

  beforeAll(async () => {
    server = createServer((socket) => {
      const received: Received = { command: '', chunkSizes: [], content: Buffer.alloc(0) };
      lastReceived = received;
      let pending = Buffer.alloc(0);
      const chunks: Buffer[] = [];
      socket.on('error', () => undefined);
      socket.on('data', (data: Buffer) => {
        pending = Buffer.concat([pending, data]);
        if (!received.command) {
          const nul = pending.indexOf(0);
          if (nul < 0) return;
          received.command = pending.subarray(0, nul).toString();
          pending = pending.subarray(nul + 1);
          behaviour(socket, received, 'command');
        }
        while (received.command === 'zINSTREAM' && pending.length >= 4) {
          const length = pending.readUInt32BE(0);
          if (length === 0) {
            received.content = Buffer.concat(chunks);
            pending = pending.subarray(4);
            behaviour(socket, received, 'end');
            return;
          }
          if (pending.length < 4 + length) return;
          chunks.push(pending.subarray(4, 4 + length));
          received.chunkSizes.push(length);
          pending = pending.subarray(4 + length);
          behaviour(socket, received, 'chunk');
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    address = `tcp://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  const replyAtEnd = (reply: string): Behaviour => (socket, _received, event) => {
    if (event === 'end') socket.end(`${reply}\0`);
  };

  test('frames chunks as [uint32 BE length][bytes], at most 1 MiB each, then a zero length', async () => {
    behaviour = replyAtEnd('stream: OK');
    const content = randomBytes(2 * MiB + 5);
    const result = await new ClamdScanner({ address }).scan(Readable.from([content.subarray(0, 10), Buffer.alloc(0), content.subarray(10)]));
    expect(lastReceived.command).toBe('zINSTREAM');
    expect(lastReceived.chunkSizes).toEqual([10, MiB, MiB - 5]);
    expect(lastReceived.content.equals(content)).toBe(true);
    expect(result).toMatchObject({ infected: false, size: content.length, sha256: sha256(content) });
  });

  test('an OK before the end of the stream is not a verdict about the file', async () => {
    behaviour = (socket, received, event) => {
      if (event === 'chunk' && received.chunkSizes.length === 1) socket.end('stream: OK\0');
    };
    // The source holds back the rest until after the reply, so the reply surely comes first.
    const source = new PassThrough();
    source.write(randomBytes(1000));
    const outcome = await scanOutcome(new ClamdScanner({ address }), source);
    expect(outcome).toBeInstanceOf(ClamdUnavailableError);
    expect((outcome as Error).message).toMatch(/before the whole stream was sent|without a verdict/);
    expect(source.destroyed).toBe(true);
  });

  test.each([
    ['an ERROR reply', 'INSTREAM size limit exceeded. ERROR', /refused the scan: INSTREAM size limit exceeded/],
    ['an unknown reply', 'stream: MAYBE', /unrecognized reply/],
    ['no reply at all', '', /without a verdict/],
  ])('%s: ClamdUnavailableError', async (_case, reply, message) => {
    behaviour = (socket, _received, event) => {
      if (event !== 'end') return;
      if (reply) socket.end(`${reply}\0`);
      else socket.end();
    };
    await expect(new ClamdScanner({ address }).scan(Readable.from([Buffer.from('data')]))).rejects.toThrow(message);
  });

  test('several FOUND lines (AllMatchScan) give every signature', async () => {
    behaviour = replyAtEnd('stream: Sig.One FOUND\0stream: Sig.Two FOUND');
    const result = await new ClamdScanner({ address }).scan(Readable.from([Buffer.from('data')]));
    expect(result).toMatchObject({ infected: true, signatures: ['Sig.One', 'Sig.Two'] });
  });

  test('no verdict within the timeout: ClamdUnavailableError, and the source is released', async () => {
    behaviour = () => undefined;
    const source = new PassThrough();
    source.write('some bytes, then the download stalls');
    await expect(new ClamdScanner({ address, timeoutMs: 300 }).scan(source)).rejects.toThrow(/no verdict within 0.3 s/);
    expect(source.destroyed).toBe(true);
  });

  test('ping expects PONG', async () => {
    behaviour = (socket, received) => socket.end(received.command === 'zPING' ? 'PONG\0' : 'UNKNOWN COMMAND\0');
    await expect(new ClamdScanner({ address }).ping()).resolves.toBeUndefined();
    behaviour = (socket) => socket.end('PANG\0');
    await expect(new ClamdScanner({ address }).ping()).rejects.toThrow(/answered "PANG"/);
  });

  test('addresses: tcp://, unix socket paths, and nothing else', () => {
    expect(() => new ClamdScanner({ address: 'tcp://127.0.0.1:3310' })).not.toThrow();
    expect(() => new ClamdScanner({ address: '/run/clamav/clamd.ctl' })).not.toThrow();
    expect(() => new ClamdScanner({ address: 'unix:///run/clamav/clamd.ctl' })).not.toThrow();
    expect(() => new ClamdScanner({ address: 'http://127.0.0.1:3310' })).toThrow(/neither/);
    expect(() => new ClamdScanner({ address: 'clamd.sock' })).toThrow(/absolute/);
    // Mistyped settings, reported at start-up as the other settings are.
    expect(() => new ClamdScanner({ address: 'http://127.0.0.1:3310' })).toThrow(ConfigError);
    expect(() => new ClamdScanner({ address: 'clamd.sock' })).toThrow(ConfigError);
  });

  test('reply parsing', () => {
    expect(parseScanReply('stream: OK')).toEqual({ kind: 'clean' });
    expect(parseScanReply('stream: Heuristics.Limits.Exceeded.MaxScanSize FOUND')).toEqual({
      kind: 'found',
      signatures: ['Heuristics.Limits.Exceeded.MaxScanSize'],
    });
    expect(parseScanReply('stream: Broken.Executable FOUND')).toMatchObject({ kind: 'found' });
    expect(parseScanReply("stream: Can't allocate memory ERROR")).toEqual({ kind: 'error', message: "stream: Can't allocate memory" });
    expect(parseScanReply('stream: OK\nstream: OK')).toEqual({ kind: 'unrecognized' });
    expect(parseScanReply('stream: OKAY')).toEqual({ kind: 'unrecognized' });
  });
});
