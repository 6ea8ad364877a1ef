import { epochSeconds } from '../../domain/epochSeconds';
import { IntegrityError } from '../../domain/errors';
import { AirlockFile } from '../../domain/request';
import { FileScanResult } from '../../domain/scan';
import { ContainerRef, StageStorage } from '../stageStorage';
import { ClamdScanner } from './clamdScanner';
import { MalwareScanner } from './malwareScanner';

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

  async scanFiles(container: ContainerRef, files: readonly AirlockFile[]): Promise<FileScanResult[]> {
    const results: FileScanResult[] = [];
    for (const file of files) {
      const content = await this.storage.readFile(container, file.name);
      const scan = await this.clamd.scan(content.stream);
      if (file.sha256 && scan.sha256 !== file.sha256) {
        throw new IntegrityError(`file '${file.name}' read for scanning has SHA-256 ${scan.sha256}, not the ${file.sha256} recorded at submit`);
      }
      results.push({
        name: file.name,
        sha256: scan.sha256,
        verdict: scan.infected ? 'malicious' : 'clean',
        engine: 'clamav',
        details: scan.infected ? `Malicious: ${scan.signatures.join(', ')}` : 'No threats found',
        scannedAt: epochSeconds(this.now()),
        etag: content.etag,
      });
    }
    return results;
  }

  ping(): Promise<void> {
    return this.clamd.ping();
  }
}
