/**
 * One version of one blob, read in byte ranges through `StageStorage.readFile`: never the whole blob
 * held at once. Every read insists on the version listed, so a blob replaced since is a ConflictError,
 * never other bytes. What that error tells the reader depends on who was reading (a check is retried
 * on its own, a preview is asked for again), so the caller words it.
 */
import { PassThrough, Readable } from 'node:stream';
import { ConflictError } from '../domain/errors';
import { sameEtag } from '../domain/etag';
import { ContainerRef, StageStorage, StoredFile } from './stageStorage';

export class BlobVersion {
  readonly name: string;
  /** From the listing, because Blob Storage refuses a range read of an empty blob. */
  readonly size: number;
  readonly etag: string;
  /**
   * The first storage failure of any read. A zip reader (yauzl) reports a failed read as a zip it
   * cannot read; this tells the two apart.
   */
  private failure: { error: unknown } | undefined;

  /** `changedMessage` is the ConflictError's message when a read finds another version than `listed`. */
  constructor(
    private readonly storage: StageStorage,
    private readonly ref: ContainerRef,
    listed: StoredFile,
    private readonly changedMessage: string,
  ) {
    this.name = listed.name;
    this.size = listed.size;
    this.etag = listed.etag;
  }

  /** `count` bytes from `offset` (fewer at the end of the blob); no storage call for none. */
  async bytes(offset: number, count: number): Promise<Buffer> {
    const wanted = Math.min(count, this.size - offset);
    if (wanted <= 0) return Buffer.alloc(0);
    try {
      const chunks: Buffer[] = [];
      let length = 0;
      for await (const chunk of await this.open(offset, wanted)) {
        const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
        chunks.push(bytes);
        length += bytes.length;
        if (length >= wanted) break;
      }
      return Buffer.concat(chunks).subarray(0, wanted);
    } catch (error) {
      throw this.remember(error);
    }
  }

  /** Every byte, in order, as storage delivers them: nothing is buffered here. */
  async stream(): Promise<Readable> {
    if (this.size === 0) return Readable.from([]);
    const source = await this.open(0, this.size);
    const stream = source instanceof Readable ? source : Readable.from(source as AsyncIterable<Uint8Array>);
    stream.once('error', (error: Error) => this.remember(error));
    return stream;
  }

  /**
   * A range as a stream, returned at once (yauzl wants it synchronously) and filled once storage
   * answers. Closing it stops the download.
   */
  streamRange(offset: number, count: number): Readable {
    const output = new PassThrough();
    let source: NodeJS.ReadableStream | undefined;
    output.once('close', () => {
      if (source) destroyQuietly(source);
    });
    this.open(offset, count).then(
      (stream) => {
        if (output.destroyed) return destroyQuietly(stream);
        source = stream;
        stream.once('error', (error: Error) => {
          if (!output.destroyed) output.destroy(this.remember(error));
        });
        stream.pipe(output);
      },
      (error: Error) => output.destroy(this.remember(error)),
    );
    return output;
  }

  /** Throws the first storage failure, if a read of this version failed. */
  throwIfFailed(): void {
    if (this.failure) throw this.failure.error;
  }

  private async open(offset: number, count: number): Promise<NodeJS.ReadableStream> {
    const content = await this.storage.readFile(this.ref, this.name, { offset, count });
    if (!sameEtag(content.etag, this.etag)) {
      destroyQuietly(content.stream);
      throw this.remember(new ConflictError(this.changedMessage));
    }
    return content.stream;
  }

  private remember<T>(error: T): T {
    this.failure ??= { error };
    return error;
  }
}

function destroyQuietly(stream: NodeJS.ReadableStream): void {
  stream.on('error', () => undefined);
  (stream as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
}
