/**
 * Writes to one file that never overlap, where whatever is asked for while a write is under way is
 * folded into the single next write (the newest snapshot replaces the older ones; appended lines are
 * joined). Every durable write of the local host costs an fsync or two; with many callers at once,
 * folding turns one write per caller into one per fsync, as a database's group commit does.
 */
export class FoldedWrites<T> {
  private writing?: Promise<void>;
  private next?: { value: T; written: Promise<void>; settle(outcome: Promise<void>): void };

  constructor(
    private readonly write: (value: T) => Promise<void>,
    /** What one write must hold to stand for `queued` and then `added`. */
    private readonly fold: (queued: T, added: T) => T,
  ) {}

  /** Resolves once a write holding `value` has finished; rejects with that write's failure. */
  submit(value: T): Promise<void> {
    if (!this.writing) return this.start(value);
    if (this.next) {
      this.next.value = this.fold(this.next.value, value);
      return this.next.written;
    }
    let settle!: (outcome: Promise<void>) => void;
    const written = new Promise<void>((resolve, reject) => (settle = (outcome) => outcome.then(resolve, reject)));
    this.next = { value, written, settle };
    return written;
  }

  /** Nothing is being written or waiting to be. */
  get idle(): boolean {
    return this.writing === undefined;
  }

  /** Resolves when every write submitted so far has finished (or failed). */
  async flushed(): Promise<void> {
    await (this.next?.written ?? this.writing)?.catch(() => undefined);
  }

  private start(value: T): Promise<void> {
    const writing = this.write(value);
    this.writing = writing;
    void writing
      .catch(() => undefined)
      .then(() => {
        const next = this.next;
        this.writing = undefined;
        this.next = undefined;
        if (next) next.settle(this.start(next.value));
      });
    return writing;
  }
}
