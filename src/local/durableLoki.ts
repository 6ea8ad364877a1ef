/**
 * Makes an embedded Azurite metadata store acknowledge nothing before it is on disk.
 *
 * Azurite keeps blob, extent and table metadata in LokiJS databases that it saves every 5 s
 * (`autosave`), so a `kill -9` or a power cut loses whatever was answered 201 in the last seconds.
 * Here the store's async methods are wrapped on the instance: a call resolves only once everything
 * it could have seen or changed is saved. Every mutation goes through Loki's insert/update/remove,
 * which mark the collection dirty and record the document's id; a save takes those changes at once
 * (in one tick) and clears the flags, so "nothing dirty and no save under way" means "all of it is
 * on disk". A save appends the changed documents to the database's journal, or now and then writes
 * the whole database (lokiJournal.ts).
 *
 * Saves are group commits: callers that finish while a save is being written share the next one,
 * so throughput does not fall to one save per request. A table transaction (entity group batch)
 * applies its operations one by one and rolls back on failure; no save starts while one is open,
 * so a half-applied transaction never reaches the disk. The whole database is written as Loki writes
 * it (`<file>~`, then renamed over `<file>`), so a crash mid-save keeps the previous version.
 */
import { LokiJournal, LokiJournalDatabase, LokiSave, rebuildDirtyIndexes } from './lokiJournal';

/** The part of a LokiJS database this relies on (lokijs 1.5, as Azurite 3.37 uses it). */
interface LokiDatabase extends LokiJournalDatabase {
  autosaveDisable(): void;
  autosaveDirty(): boolean;
  removeCollection(name: string): void;
}

/** An Azurite Loki metadata store: LokiBlobMetadataStore, LokiExtentMetadataStore, LokiTableMetadataStore. */
export interface LokiMetadataStore {
  db: LokiDatabase;
}

export interface DurableLokiOptions {
  /**
   * fsync the saved file and its directory before acknowledging. Without it a save survives the
   * process being killed (the bytes are in the OS) but not the machine losing power.
   */
  fsync: boolean;
}

/** The methods Azurite itself calls to open and close the store; they save on their own. */
const LIFECYCLE_METHODS = new Set(['constructor', 'init', 'close', 'clean']);

/**
 * Wraps the store's async methods in place. Call it after the store is constructed and before it
 * serves requests; returns a function that resolves once every pending save has finished.
 */
export function makeStoreDurable(store: LokiMetadataStore, options: DurableLokiOptions): { idle(): Promise<void> } {
  const db = store.db;
  // Loki's own timer would save at any moment, also in the middle of a table transaction.
  db.autosaveDisable();
  let collectionRemoved = false;
  const removeCollection = db.removeCollection.bind(db);
  // Dropping a collection (deleting a table) does not mark anything dirty in Loki.
  db.removeCollection = (name: string) => {
    removeCollection(name);
    collectionRemoved = true;
  };

  const journal = new LokiJournal(db, options);
  const commits = new GroupCommit(
    () => db.autosaveDirty() || collectionRemoved || journal.unsaved,
    () => {
      const save = journal.takeSave();
      collectionRemoved = false;
      return save;
    },
    (save) => journal.write(save),
  );

  // The database the store opens may come from a journal applied before (applyJournal), whose indexes Loki must rebuild.
  const init = (store as unknown as { init: () => Promise<void> }).init;
  Object.defineProperty(store, 'init', {
    value: async function (this: unknown) {
      await init.apply(this);
      rebuildDirtyIndexes(db);
    },
    writable: true,
    configurable: true,
  });

  // The store's methods call one another, and only the outermost call waits for the save: a wrapped
  // method runs its original on a view of the store in which every method is the original, so the
  // calls it makes through `this` do not wait. (An AsyncLocalStorage told the two apart before; while
  // one is enabled, every promise of the thread pays for it: three times the cost of an await.)
  const originals = new Map<string | symbol, (...args: unknown[]) => Promise<unknown>>();
  const unwrapped = new Proxy(store, { get: (target, property) => originals.get(property) ?? Reflect.get(target, property, target) });
  for (const name of asyncMethodNames(store)) {
    const original = (store as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>)[name];
    originals.set(name, original);
    const run = (args: unknown[]) => original.apply(unwrapped, args);
    const wrapped = async function (...args: unknown[]): Promise<unknown> {
      if (name === 'beginBatchTransaction') {
        const result = await run(args);
        commits.hold(String(args[0]));
        return result;
      }
      if (name === 'endBatchTransaction') {
        try {
          return await run(args);
        } finally {
          commits.release(String(args[2]));
          await commits.durable();
        }
      }
      // One operation of an open transaction: the transaction is saved when it ends.
      if (args.some((arg) => typeof arg === 'string' && commits.isHeldBy(arg))) {
        return run(args);
      }
      try {
        return await run(args);
      } finally {
        // Also after a failure: a refused call may have changed something before it threw.
        await commits.durable();
      }
    };
    Object.defineProperty(store, name, { value: wrapped, writable: true, configurable: true });
  }

  const close = (store as unknown as { close: () => Promise<void> }).close;
  // Loki's close writes the same `<file>~`, so it must not overlap a save of ours.
  Object.defineProperty(store, 'close', {
    value: async function (this: unknown) {
      await commits.idle();
      await journal.close();
      return close.apply(this);
    },
    writable: true,
    configurable: true,
  });
  return { idle: () => commits.idle() };
}

function asyncMethodNames(store: object): string[] {
  const names = new Set<string>();
  for (let proto = Object.getPrototypeOf(store); proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      const descriptor = Object.getOwnPropertyDescriptor(proto, name);
      if (LIFECYCLE_METHODS.has(name) || typeof descriptor?.value !== 'function') continue;
      if (descriptor.value.constructor?.name === 'AsyncFunction') names.add(name);
    }
  }
  return [...names];
}

/**
 * One save at a time; whoever asks while one is being written waits for the next, which takes all
 * of them. `hold` keeps any save from starting (a table transaction is open).
 */
class GroupCommit {
  private waiting: Array<{ resolve: () => void; reject: (error: unknown) => void }> = [];
  private running?: Promise<void>;
  private readonly holders = new Set<string>();

  constructor(
    private readonly isDirty: () => boolean,
    private readonly snapshot: () => LokiSave,
    private readonly write: (snapshot: LokiSave) => Promise<void>,
  ) {}

  /** Resolves once everything in memory now is on disk. */
  durable(): Promise<void> {
    if (this.isDirty() || this.holders.size > 0) return this.next();
    return this.running ? this.running.catch(() => this.next()) : Promise.resolve();
  }

  idle(): Promise<void> {
    if (!this.running && this.waiting.length === 0) return Promise.resolve();
    return this.next().catch(() => undefined);
  }

  hold(holder: string): void {
    this.holders.add(holder);
  }

  release(holder: string): void {
    this.holders.delete(holder);
    this.startNext();
  }

  isHeldBy(holder: string): boolean {
    return this.holders.has(holder);
  }

  private next(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.startNext();
    });
  }

  private startNext(): void {
    if (this.running || this.holders.size > 0 || this.waiting.length === 0) return;
    const group = this.waiting.splice(0);
    // Serialized here, synchronously: everything changed before this line is in this save.
    const snapshot = this.snapshot();
    const save = this.write(snapshot);
    this.running = save;
    save.then(
      () => group.forEach((waiter) => waiter.resolve()),
      (error) => group.forEach((waiter) => waiter.reject(error)),
    ).finally(() => {
      this.running = undefined;
      this.startNext();
    });
  }
}

