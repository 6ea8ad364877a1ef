/** The "changes since cycle N" list in words. */
import type { FileChange, RequestChanges } from '../api/types';
import { formatBytes, shortHash } from './format';

export const CHANGE_WORDS: Record<FileChange, string> = {
  added: 'added',
  removed: 'removed',
  changed: 'changed',
  unchanged: 'unchanged',
};

/** "Since cycle 1: 1 file added, 2 changed, none removed, 3 unchanged." */
export function changesSummary(changes: RequestChanges): string {
  if (changes.fromCycle === null) return `Cycle ${changes.toCycle} follows no submission returned for changes: there is nothing to compare it with.`;
  const counts = (change: FileChange) => changes.files.filter((file) => file.change === change).length;
  const parts = (['added', 'changed', 'removed', 'unchanged'] as const).map((change, index) => {
    const n = counts(change);
    const noun = index === 0 ? (n === 1 ? 'file ' : 'files ') : '';
    return n === 0 ? `none ${CHANGE_WORDS[change]}` : `${n} ${noun}${CHANGE_WORDS[change]}`;
  });
  return `Since cycle ${changes.fromCycle}: ${parts.join(', ')}.`;
}

/** One side of a change: "2.5 KiB, sha256 1a2b3c4d…", or "—" where the file is absent on that side. */
export function versionInWords(version: { size?: number; sha256?: string } | undefined): string {
  if (!version) return '—';
  return `${formatBytes(version.size)}, sha256 ${shortHash(version.sha256)}`;
}

/** Files whose content may be compared line by line or cell by cell: changed ones (the kind is known only from a preview). */
export function comparable(changes: RequestChanges): string[] {
  return changes.fromCycle === null ? [] : changes.files.filter((file) => file.change === 'changed').map((file) => file.name);
}
