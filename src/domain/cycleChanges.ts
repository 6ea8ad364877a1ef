/**
 * What changed between the submission reviewers last returned for changes and the one in front of
 * them now: the files added, removed and changed (by SHA-256), so a reviewer looks again at what is
 * new rather than at everything.
 */
import { AuditEntry } from './audit';

export type FileChange = 'added' | 'removed' | 'changed' | 'unchanged';

export interface CycleFile {
  name: string;
  size?: number;
  sha256?: string;
}

export interface FileChangeRow {
  name: string;
  change: FileChange;
  before?: { size?: number; sha256?: string };
  after?: { size?: number; sha256?: string };
}

export interface CycleChanges {
  /** the cycle returned for changes that this one is compared with; null when there is none */
  fromCycle: number | null;
  toCycle: number;
  files: FileChangeRow[];
}

const describe = ({ size, sha256 }: CycleFile) => ({ ...(size === undefined ? {} : { size }), ...(sha256 === undefined ? {} : { sha256 }) });

/**
 * Every name in either submission, in name order. A file whose hash is unknown on either side
 * (recorded before hashing) counts as changed: "unchanged" is said only when it is known.
 */
export function changesBetween(before: readonly CycleFile[], after: readonly CycleFile[]): FileChangeRow[] {
  const earlier = new Map(before.map((file) => [file.name, file]));
  const later = new Map(after.map((file) => [file.name, file]));
  const names = [...new Set([...earlier.keys(), ...later.keys()])].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return names.map((name) => {
    const was = earlier.get(name);
    const now = later.get(name);
    if (!was) return { name, change: 'added', after: describe(now!) };
    if (!now) return { name, change: 'removed', before: describe(was) };
    const same = was.sha256 !== undefined && was.sha256 === now.sha256;
    return { name, change: same ? 'unchanged' : 'changed', before: describe(was), after: describe(now) };
  });
}

/**
 * The latest cycle before `cycle` that reviewers returned for changes, and its files as the audit
 * log recorded them with that decision (names and SHA-256: the log is the record of what was reviewed).
 */
export function lastReturnedCycleBefore(entries: readonly AuditEntry[], cycle: number): { cycle: number; files: CycleFile[] } | undefined {
  let found: { cycle: number; files: CycleFile[] } | undefined;
  for (const entry of entries) {
    if (entry.action !== 'review.recorded' || entry.detail?.decision !== 'changes_requested') continue;
    const reviewed = typeof entry.detail.cycle === 'number' ? entry.detail.cycle : 1;
    if (reviewed < cycle && (!found || reviewed >= found.cycle)) found = { cycle: reviewed, files: (entry.files ?? []).map(({ name, sha256 }) => ({ name, sha256 })) };
  }
  return found;
}
