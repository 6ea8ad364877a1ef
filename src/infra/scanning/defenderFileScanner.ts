import { IntegrityError } from '../../domain/errors';
import { sameEtag } from '../../domain/etag';
import { AirlockFile } from '../../domain/request';
import { FileScanResult } from '../../domain/scan';
import { ContainerRef, StageStorage } from '../stageStorage';
import { MalwareScanner } from './malwareScanner';

/**
 * Microsoft Defender for Storage scans every blob copied into an in-progress account by itself;
 * its verdict arrives as an Event Grid event. Here each file gets a pending entry bound to the
 * etag of its in-progress copy. A verdict that arrived before this ran (Defender can be quick) is
 * kept when it is about that same etag.
 */
export class DefenderFileScanner implements MalwareScanner {
  readonly engine = 'defender' as const;
  readonly description = 'defender (Microsoft Defender for Storage, verdicts through Event Grid)';

  constructor(
    private readonly storage: StageStorage,
    readonly timeoutMinutes: number,
  ) {}

  async scanFiles(container: ContainerRef, files: readonly AirlockFile[], existing: readonly FileScanResult[]): Promise<FileScanResult[]> {
    const copies = new Map((await this.storage.listFiles(container)).map((file) => [file.name, file]));
    return files.map((file) => {
      const copy = copies.get(file.name);
      if (!copy) throw new IntegrityError(`file '${file.name}' is not in the in-progress stage, so Defender cannot scan it`);
      const early = existing.find((entry) => entry.name === file.name && entry.engine === 'defender');
      if (early && early.verdict !== 'pending' && sameEtag(early.etag, copy.etag)) return early;
      return { name: file.name, sha256: file.sha256, verdict: 'pending', engine: 'defender', details: 'awaiting the Defender for Storage verdict', etag: copy.etag };
    });
  }

  async ping(): Promise<void> {}
}
