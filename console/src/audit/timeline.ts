/**
 * A request's audit log as a timeline in words ("Bob previewed data.csv (sha256 1a2b3c4d…)",
 * "Status changed from in review to approved"), grouped by submission cycle. Pure: every sentence is
 * tested here, the page only lays them out.
 */
import type { AuditEntry } from '../api/types';
import { statusInWords } from '../lifecycle/lifecycleModel';
import { formatTime, plural, shortHash } from '../review/format';

export interface TimelineItem {
  seq: number;
  /** epoch seconds */
  time: number;
  action: string;
  actor: string;
  sentence: string;
}

export interface TimelineGroup {
  cycle: number;
  heading: string;
  items: TimelineItem[];
}

/** The airlock's own actor (src/domain/roles.ts AIRLOCK_SYSTEM): its steps read without "by". */
const SYSTEM_ACTOR_ID = 'airlock';

const STAGE_WORDS: Record<string, string> = {
  draft: 'draft stage',
  in_progress: 'in-progress (review) stage',
  approved: 'approved stage',
  rejected: 'rejected stage',
  blocked: 'blocked stage',
  // the copy of an earlier cycle kept for comparison (previewFile.ts names it so)
  'reviewed copy': 'kept reviewed copy',
  reviewed: 'kept reviewed copy',
};

const stageInWords = (stage: unknown) => (typeof stage === 'string' ? (STAGE_WORDS[stage] ?? `${stage} stage`) : 'an unnamed stage');

const PERMISSION_WORDS: Record<string, string> = { r: 'read', w: 'write', d: 'delete', l: 'list' };

/** "rl" → "read and list". */
export function permissionsInWords(letters: string): string {
  const words = [...letters].map((letter) => PERMISSION_WORDS[letter] ?? letter);
  return words.length <= 1 ? (words[0] ?? 'no') : `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
}

function fileWithHash(file: { name: string; sha256?: string }): string {
  return file.sha256 ? `${file.name} (sha256 ${shortHash(file.sha256)})` : file.name;
}

/** "a.csv (sha256 …), b.txt" for a few files; past `max`, "and 7 more". */
function fileList(files: readonly { name: string; sha256?: string }[] | undefined, max = 5): string {
  if (!files || files.length === 0) return 'no files';
  const shown = files.slice(0, max).map(fileWithHash).join(', ');
  return files.length > max ? `${shown} and ${files.length - max} more` : shown;
}

const text = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() ? value.trim() : undefined);
const count = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);

const DECISION_WORDS: Record<string, string> = {
  approved: 'approved the request',
  rejected: 'rejected the request',
  changes_requested: 'requested changes',
  revoked: 'revoked the approval',
};

export interface WordingOptions {
  /** the time zone times are shown in; the browser's when absent */
  timeZone?: string;
}

export function describeEntry(entry: AuditEntry, options: WordingOptions = {}): string {
  const actor = entry.actor?.name || entry.actor?.id || 'Someone';
  const human = entry.actor?.id !== SYSTEM_ACTOR_ID;
  const detail = entry.detail ?? {};
  switch (entry.action) {
    case 'request.created': {
      const type = text(detail.type);
      const title = text(detail.title);
      return `${actor} created the ${type ? `${type} ` : ''}request${title ? ` "${title}"` : ''}`;
    }
    case 'status.changed': {
      const from = entry.fromStatus ? statusInWords(entry.fromStatus) : 'unknown';
      const to = entry.toStatus ? statusInWords(entry.toStatus) : 'unknown';
      const why = text(detail.statusMessage);
      const progress = text(detail.progressMessage);
      const by = human ? `, by ${actor}` : '';
      return `Status changed from ${from} to ${to}${by}${why ? `: ${why}` : progress ? ` (${progress})` : ''}`;
    }
    case 'status.message': {
      const message = text(detail.statusMessage) ?? text(detail.progressMessage);
      return message ? `The airlock noted: ${message}` : 'The airlock cleared its status message';
    }
    case 'review.recorded': {
      const decision = text(detail.decision) ?? 'unknown';
      const explanation = text(detail.explanation);
      const did = DECISION_WORDS[decision] ?? `recorded a review (${decision})`;
      return `${actor} ${did}${explanation ? `: "${explanation}"` : ''}`;
    }
    case 'file.previewed': {
      const file = entry.files?.[0];
      const what = file ? fileWithHash(file) : 'a file';
      const raw = detail.view === 'raw';
      const cursor = count(detail.cursor);
      const cycle = count(detail.cycle);
      const stage = text(detail.stage);
      const parts = [`${actor} previewed ${what}`];
      if (raw) parts.push('(the image or PDF itself)');
      else if (cursor) parts.push(`from byte ${cursor.toLocaleString('en-GB')}`);
      if (stage || cycle) parts.push(`in the ${stage ? stageInWords(stage) : 'files'}${cycle ? ` of cycle ${cycle}` : ''}`);
      return parts.join(' ');
    }
    case 'link.issued': {
      const permissions = text(detail.permissions);
      const cycle = count(detail.cycle);
      const expires = text(detail.expiresOn);
      const until = expires && !Number.isNaN(Date.parse(expires)) ? `, valid until ${formatTime(Date.parse(expires) / 1000, options.timeZone)}` : '';
      const access = permissions ? `to ${permissionsInWords(permissions)}` : 'to';
      return `${actor} got a link ${access} the files in the ${stageInWords(detail.stage)}${cycle ? ` (cycle ${cycle})` : ''}${until}`;
    }
    case 'files.recorded':
      return `${human ? `${actor}'s submission` : 'The airlock'} recorded ${plural(entry.files?.length ?? 0, 'file')}: ${fileList(entry.files)}`;
    case 'scan.recorded': {
      const verdicts = Array.isArray(detail.verdicts) ? detail.verdicts : [];
      return verdicts.length ? `Scan results recorded: ${verdicts.join('; ')}` : 'Scan results cleared for the new submission';
    }
    case 'data.moved': {
      const checks = [detail.storageVerified === true ? 'the storage service verified each copy' : '', detail.sha256Verified === true ? 'the SHA-256 of each file was checked again' : '']
        .filter(Boolean)
        .join('; ');
      const kept = count(detail.reviewedCopyKept);
      const dropped = count(detail.reviewedCopyDeleted);
      const discarded = Array.isArray(detail.discardedNotPartOfRequest) ? detail.discardedNotPartOfRequest : [];
      return [
        `The airlock moved ${plural(entry.files?.length ?? 0, 'file')} from the ${stageInWords(detail.from)} to the ${stageInWords(detail.to)}`,
        checks ? ` (${checks})` : '',
        kept ? `; it kept the reviewed copy of cycle ${kept} for comparison` : '',
        dropped ? `; it deleted the reviewed copy of cycle ${dropped}` : '',
        discarded.length ? `; it discarded ${plural(discarded.length, 'file')} that were not part of the request: ${discarded.join(', ')}` : '',
      ].join('');
    }
    case 'data.deleted': {
      const dropped = count(detail.reviewedCopyDeleted);
      return `${human ? actor : 'The airlock'} deleted ${plural(entry.files?.length ?? 0, 'file')} from the ${stageInWords(detail.stage)}${entry.files?.length ? `: ${fileList(entry.files)}` : ''}${dropped ? `; and the reviewed copy of cycle ${dropped}` : ''}`;
    }
    case 'workflow.restarted': {
      const reason = text(detail.reason);
      return `${actor} restarted the request's workflow${reason ? `: ${reason}` : ''}`;
    }
    default: {
      const files = entry.files?.length ? ` (${fileList(entry.files)})` : '';
      return `${actor}: ${entry.action}${files}`;
    }
  }
}

/**
 * The submission cycle of each entry, in log order: cycle 1 until reviewers return the request for
 * changes; everything after that return (the files going back to the draft, the requester's edits,
 * the new submission and its review) is the next cycle. The log's own cycle fields (reviews, links,
 * moves, previews) are not used for grouping: a reviewer may preview an earlier cycle's copy, and
 * that look belongs to the review in which it happened.
 */
export function cyclesOf(entries: readonly AuditEntry[]): number[] {
  let cycle = 1;
  return entries.map((entry) => {
    const mine = cycle;
    if (entry.action === 'status.changed' && entry.toStatus === 'changes_requested') cycle += 1;
    return mine;
  });
}

export function timelineByCycle(entries: readonly AuditEntry[], options: WordingOptions = {}): TimelineGroup[] {
  const ordered = [...entries].sort((a, b) => a.seq - b.seq);
  const cycles = cyclesOf(ordered);
  const groups: TimelineGroup[] = [];
  ordered.forEach((entry, index) => {
    const cycle = cycles[index];
    let group = groups[groups.length - 1];
    if (!group || group.cycle !== cycle) {
      group = { cycle, heading: cycle === 1 ? 'Cycle 1: first submission' : `Cycle ${cycle}: after changes were requested`, items: [] };
      groups.push(group);
    }
    group.items.push({
      seq: entry.seq,
      time: entry.time,
      action: entry.action,
      actor: entry.actor?.name || entry.actor?.id || 'Someone',
      sentence: describeEntry(entry, options),
    });
  });
  return groups;
}

/** The chain check in one sentence, for the top of the page and for screen readers. */
export function verificationInWords(verification: { verified: boolean; entries: number; problems: string[] }): string {
  if (verification.verified) return `Chain verified ✓: all ${plural(verification.entries, 'entry', 'entries')} link up, none altered or missing.`;
  return `Chain NOT verified: ${plural(verification.problems.length, 'problem')} in ${plural(verification.entries, 'entry', 'entries')}.`;
}
