import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import { epochSeconds } from '../../domain/epochSeconds';
import { IntegrityError } from '../../domain/errors';
import { AirlockFile } from '../../domain/request';
import { FileScanResult } from '../../domain/scan';
import { ContainerRef, StageStorage } from '../stageStorage';
import { ClamdScanner, StreamScanResult } from './clamdScanner';
import { MalwareScanner, ScanAlongside } from './malwareScanner';

/**
 * ClamAV through clamd: each in-progress copy is streamed to clamd once, and the SHA-256 of the
 * very bytes scanned is checked against the digest recorded at submit, so the verdict is about the
 * submitted content. A clamd failure throws: the activity is retried, then the request fails closed.
 */
export class ClamavFileScanner implements MalwareScanner {
  readonly engine = 'clamav' as const;
  readonly description: string;

  constructor(
    private readonly clamd: ClamdScanner,
    private readonly storage: StageStorage,
    private readonly now: () => Date,
    address: string,
  ) {
    this.description = `clamav (clamd at ${address})`;
  }

  /**
   * A verdict given at submit, from the read that hashed the file, stands for its in-progress copy
   * when it is about the same SHA-256 (every move copies exactly the hashed version, checked by the
   * storage service); any other file is read and scanned here.
   */
  async scanFiles(container: ContainerRef, files: readonly AirlockFile[], existing: readonly FileScanResult[] = []): Promise<FileScanResult[]> {
    const results: FileScanResult[] = [];
    for (const file of files) {
      const given = existing.find((entry) => entry.name === file.name && entry.engine === 'clamav' && isFinal(entry) && file.sha256 !== undefined && entry.sha256 === file.sha256);
      if (given) {
        results.push(given);
        continue;
      }
      const content = await this.storage.readFile(container, file.name);
      const scan = await this.clamd.scan(content.stream);
      if (file.sha256 && scan.sha256 !== file.sha256) {
        throw new IntegrityError(`file '${file.name}' read for scanning has SHA-256 ${scan.sha256}, not the ${file.sha256} recorded at submit`);
      }
      results.push(this.resultOf(file.name, scan, content.etag));
    }
    return results;
  }

  scanWhileReading(name: string): ScanAlongside {
    // The read's chunks go to clamd through this stream; clamd's pace holds the read back.
    const feed = new PassThrough({ highWaterMark: 4 * 1024 * 1024 });
    // clamd may end the exchange (and destroy the feed) at any point: that is the scan's outcome, not the read's.
    feed.on('error', () => undefined);
    let failed = false;
    const scanned = this.clamd.scan(feed).catch(() => {
      failed = true;
      return undefined;
    });
    return {
      tee: async (bytes) => {
        if (failed || feed.destroyed) return;
        if (!feed.write(bytes)) await Promise.race([once(feed, 'drain'), once(feed, 'close'), scanned]).catch(() => undefined);
      },
      verdict: async (read) => {
        if (!feed.destroyed) feed.end();
        const scan = await scanned;
        // Cut short (clamd gone, or it answered before the last byte): the copy is scanned on its own later.
        if (!read || !scan || scan.sha256 !== read.sha256) return undefined;
        return this.resultOf(name, scan, read.etag);
      },
    };
  }

  private resultOf(name: string, scan: StreamScanResult, etag: string): FileScanResult {
    return {
      name,
      sha256: scan.sha256,
      verdict: scan.infected ? 'malicious' : 'clean',
      engine: 'clamav',
      details: scan.infected ? `Malicious: ${scan.signatures.join(', ')}` : 'No threats found',
      scannedAt: epochSeconds(this.now()),
      etag,
    };
  }

  ping(): Promise<void> {
    return this.clamd.ping();
  }
}

const isFinal = (entry: FileScanResult) => entry.verdict === 'clean' || entry.verdict === 'malicious';

