/**
 * What a change to a request says in the audit log, derived from the request before and after it,
 * so that no call site can change a request without saying what changed.
 */
import { AuditDetailValue, AuditDraft } from './audit';
import { AirlockRequest } from './request';
import { UserRef } from './roles';

const filesOf = (request: AirlockRequest) => request.files.map(({ name, sha256 }) => (sha256 ? { name, sha256 } : { name }));

/** Both messages, null when absent, so an entry says what the request said right after it (events take their reason from it). */
const messagesOf = (request: AirlockRequest) => ({ statusMessage: request.statusMessage ?? null, progressMessage: request.progressMessage ?? null });

export function auditOfChange(before: AirlockRequest, after: AirlockRequest): AuditDraft[] {
  const actor = after.updatedBy;
  const time = after.updatedWhen;
  const drafts: AuditDraft[] = [];
  for (const review of after.reviews.slice(before.reviews.length)) {
    drafts.push({
      action: 'review.recorded',
      actor: review.reviewer,
      time: review.dateCreated,
      files: filesOf(after),
      detail: { decision: review.reviewDecision, explanation: review.decisionExplanation, cycle: review.cycle ?? 1 },
    });
  }
  if (JSON.stringify(before.files) !== JSON.stringify(after.files)) {
    drafts.push({ action: 'files.recorded', actor, time, files: filesOf(after) });
  }
  if (JSON.stringify(before.scanReport ?? []) !== JSON.stringify(after.scanReport ?? [])) {
    drafts.push({
      action: 'scan.recorded',
      actor,
      time,
      detail: { verdicts: (after.scanReport ?? []).map((entry) => `${entry.name}: ${entry.engine} ${entry.verdict}`) },
    });
  }
  if (before.status !== after.status) {
    drafts.push({
      action: 'status.changed',
      actor,
      time,
      fromStatus: before.status,
      toStatus: after.status,
      files: filesOf(after),
      detail: messagesOf(after),
    });
  } else if ((before.statusMessage !== after.statusMessage || before.progressMessage !== after.progressMessage) && drafts.length === 0) {
    drafts.push({ action: 'status.message', actor, time, detail: messagesOf(after) });
  }
  return drafts;
}

export function auditOfCreation(request: AirlockRequest): AuditDraft[] {
  return [
    {
      action: 'request.created',
      actor: request.createdBy,
      time: request.createdWhen,
      toStatus: request.status,
      detail: { type: request.type, title: request.title, businessJustification: request.businessJustification },
    },
  ];
}

/** Who was given which access to which stage of the request, until when. */
export function auditOfLink(actor: UserRef, time: number, grant: { stage: string; cycle: number; permissions: string; expiresOn: string; account: string }): AuditDraft {
  return { action: 'link.issued', actor, time, detail: { ...grant } };
}

/** Who was shown which file (the version its SHA-256 names, when recorded) from which stage, and which page of it. */
export function auditOfPreview(
  actor: UserRef,
  time: number,
  file: { name: string; sha256?: string },
  shown: { cycle: number; stage: string; view: string; cursor: number },
): AuditDraft {
  return { action: 'file.previewed', actor, time, files: [file.sha256 ? { name: file.name, sha256: file.sha256 } : { name: file.name }], detail: { ...shown } };
}

export function auditOfDeletion(actor: UserRef, time: number, stage: string, files: { name: string; sha256?: string }[], more: Record<string, AuditDetailValue> = {}): AuditDraft {
  return { action: 'data.deleted', actor, time, files, detail: { stage, ...more } };
}
