import { epochSeconds } from '../../domain/epochSeconds';
import { AirlockFile } from '../../domain/request';
import { FileScanResult } from '../../domain/scan';
import { MalwareScanner } from './malwareScanner';

/** Scanning switched off (the seed's feature flag): every file is recorded as not scanned, and said so. */
export class DisabledScanner implements MalwareScanner {
  readonly engine = 'none' as const;
  readonly description = 'disabled: files are not scanned for malware';

  constructor(private readonly now: () => Date) {}

  async scanFiles(_container: unknown, files: readonly AirlockFile[]): Promise<FileScanResult[]> {
    const scannedAt = epochSeconds(this.now());
    return files.map((file) => ({
      name: file.name,
      sha256: file.sha256,
      verdict: 'skipped',
      engine: 'none',
      details: 'not scanned: scanning is disabled',
      scannedAt,
    }));
  }

  async ping(): Promise<void> {}
}
