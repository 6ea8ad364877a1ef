/**
 * Every upload the console is running, kept outside React so an upload goes on while the person
 * looks at another page. Pages read it through useUploads(requestKey). At most two files upload at
 * once (each with its blocks in parallel); the others wait their turn.
 */
import { useSyncExternalStore } from 'react';
import type { LinkSource } from '../storage/linkCache';
import { uploadFile, UploadInterrupted, type UploadPhase } from './blockUpload';
import { blobNameOf, clashWith, nameProblem } from './fileNameRules';

export const PARALLEL_FILES = 2;

export type UploadState = 'queued' | UploadPhase | 'done' | 'interrupted' | 'cancelled' | 'refused';

export interface UploadItem {
  id: number;
  blobName: string;
  size: number;
  sent: number;
  state: UploadState;
  /** why a file was refused or interrupted */
  message?: string;
  /** a file of this name is already in the container: the upload replaces it */
  replaces: boolean;
}

interface Entry {
  requestKey: string;
  item: UploadItem;
  file: File;
  controller?: AbortController;
}

interface RequestTarget {
  link: LinkSource;
  onUploaded(): void;
}

const ACTIVE: ReadonlySet<UploadState> = new Set(['checking', 'sending', 'committing']);
const UNFINISHED: ReadonlySet<UploadState> = new Set(['queued', 'checking', 'sending', 'committing', 'interrupted']);

export function isActive(state: UploadState): boolean {
  return ACTIVE.has(state);
}

export class UploadManager {
  private readonly entries = new Map<number, Entry>();
  private readonly targets = new Map<string, RequestTarget>();
  private readonly listeners = new Set<() => void>();
  private readonly snapshots = new Map<string, readonly UploadItem[]>();
  private nextId = 1;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** The uploads for one request, as one array that changes only when they do. */
  itemsOf(requestKey: string): readonly UploadItem[] {
    let snapshot = this.snapshots.get(requestKey);
    if (!snapshot) {
      snapshot = [...this.entries.values()].filter((entry) => entry.requestKey === requestKey).map((entry) => entry.item);
      this.snapshots.set(requestKey, snapshot);
    }
    return snapshot;
  }

  /** Whether any upload anywhere has not finished (for the warning before the page is left). */
  hasUnfinished(): boolean {
    return [...this.entries.values()].some((entry) => UNFINISHED.has(entry.item.state));
  }

  /**
   * Queues files for a request's draft container. Names the airlock would refuse, or that clash with
   * another file, are listed as refused and never sent.
   */
  add(requestKey: string, target: RequestTarget, files: readonly File[], namesInContainer: readonly string[]): void {
    this.targets.set(requestKey, target);
    for (const file of files) {
      const blobName = blobNameOf(file.name);
      const pending = [...this.entries.values()].filter((entry) => entry.requestKey === requestKey && UNFINISHED.has(entry.item.state)).map((entry) => entry.item.blobName);
      const problem =
        nameProblem(blobName) ??
        (pending.includes(blobName) ? `"${blobName}" is already being uploaded` : undefined) ??
        clashWith(blobName, [...namesInContainer, ...pending]);
      const item: UploadItem = {
        id: this.nextId++,
        blobName,
        size: file.size,
        sent: 0,
        state: problem ? 'refused' : 'queued',
        ...(problem ? { message: `Not uploaded: ${problem}.` } : {}),
        replaces: namesInContainer.includes(blobName),
      };
      this.entries.set(item.id, { requestKey, item, file });
    }
    this.changed(requestKey);
    this.pump();
  }

  /** Stops an upload; blocks already sent stay uncommitted, so the container does not change. */
  cancel(id: number): void {
    const entry = this.entries.get(id);
    if (!entry || entry.item.state === 'committing' || !UNFINISHED.has(entry.item.state)) return;
    entry.controller?.abort();
    this.update(entry, { state: 'cancelled', message: 'Cancelled: nothing of this file was saved.' });
    this.pump();
  }

  /** Starts an interrupted upload again; it sends only the blocks the storage service does not hold. */
  resume(id: number): void {
    const entry = this.entries.get(id);
    if (!entry || entry.item.state !== 'interrupted') return;
    this.targets.get(entry.requestKey)?.link.renew();
    this.update(entry, { state: 'queued', message: undefined });
    this.pump();
  }

  /** Forgets finished, cancelled and refused rows of a request. */
  clearFinished(requestKey: string): void {
    for (const [id, entry] of this.entries) {
      if (entry.requestKey === requestKey && !UNFINISHED.has(entry.item.state)) this.entries.delete(id);
    }
    this.changed(requestKey);
  }

  private pump(): void {
    let active = [...this.entries.values()].filter((entry) => ACTIVE.has(entry.item.state)).length;
    for (const entry of this.entries.values()) {
      if (active >= PARALLEL_FILES) break;
      if (entry.item.state !== 'queued') continue;
      active += 1;
      void this.run(entry);
    }
  }

  private async run(entry: Entry): Promise<void> {
    const target = this.targets.get(entry.requestKey);
    if (!target) return;
    const controller = new AbortController();
    entry.controller = controller;
    this.update(entry, { state: 'checking' });
    try {
      await uploadFile({
        file: entry.file,
        blobName: entry.item.blobName,
        link: target.link,
        signal: controller.signal,
        onProgress: (sent) => {
          if (!controller.signal.aborted) this.update(entry, { sent });
        },
        onPhase: (phase) => {
          if (!controller.signal.aborted) this.update(entry, { state: phase });
        },
      });
      this.update(entry, { state: 'done', sent: entry.item.size });
      target.onUploaded();
    } catch (error) {
      if (controller.signal.aborted) return; // cancel() already said so
      const message = error instanceof UploadInterrupted ? error.message : `The upload stopped: ${error instanceof Error ? error.message : String(error)}`;
      this.update(entry, { state: 'interrupted', message: `Interrupted. ${message}` });
    } finally {
      entry.controller = undefined;
      this.pump();
    }
  }

  private update(entry: Entry, change: Partial<UploadItem>): void {
    entry.item = { ...entry.item, ...change };
    this.changed(entry.requestKey);
  }

  private changed(requestKey: string): void {
    this.snapshots.delete(requestKey);
    for (const listener of this.listeners) listener();
  }
}

export const uploads = new UploadManager();

export function useUploads(requestKey: string): readonly UploadItem[] {
  return useSyncExternalStore(uploads.subscribe, () => uploads.itemsOf(requestKey));
}
