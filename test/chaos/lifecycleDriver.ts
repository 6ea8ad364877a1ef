/**
 * One request's life as its people live it, through the API and SAS links only, against a host
 * that may die under any call: a call that gets no answer is tried again on the next session; an
 * answer is believed. What was acknowledged goes to the ledger; what the client was refused or
 * never saw happen goes to the record's problems, with the evidence.
 */
import { createHash } from 'node:crypto';
import { RequestStatus } from '../../src/domain/status';
import { targetOf, TransitionTrigger } from '../../src/domain/transitions';
import { EICAR } from '../support/clamd';
import { CrashingHost, HostSession, Person, WORKSPACE } from './crashingHost';
import { Ending, Ledger, LifecyclePlan, LifecycleRecord, PlannedFile } from './ledger';
import { reachableFrom } from './statusRules';
import { SeededRandom } from './seededRandom';

const BASE = `/workspaces/${WORKSPACE}/requests`;
/** Statuses in which the airlock, not a person, is the next to act. */
export const TRANSIENT_STATUSES: readonly RequestStatus[] = ['submitted', 'approval_in_progress', 'rejection_in_progress', 'blocking_in_progress'];
/** Bounds every single HTTP call, so a host that hangs rather than dies cannot hang the storm. */
const CALL_TIMEOUT_MS = 60_000;
const POLL_MS = 200;

export interface DriverOptions {
  /** The longest the client waits for the airlock to move on by itself before calling the request stuck. */
  waitMs: number;
}

/** Stops a lifecycle: the client cannot go on, and the record says why. */
class LifecycleStopped extends Error {}

type Answer = { status: number; body: any } | undefined;

const sha256 = (content: Buffer) => createHash('sha256').update(content).digest('hex');

function plannedFile(name: string, content: Buffer | string): PlannedFile {
  const bytes = Buffer.isBuffer(content) ? content : Buffer.from(content);
  return { name, content: bytes, sha256: sha256(bytes) };
}

/** A mix of endings that covers every one of them before repeating any (short runs see them all). */
export function planLifecycles(random: SeededRandom, count: number, scanning: boolean): LifecyclePlan[] {
  const endings: Ending[] = ['approve', 'reject', 'changesThenApprove', 'cancelDraft', 'cancelInReview', 'revoke', ...(scanning ? (['blockedByScan'] as const) : [])];
  const order = [...endings];
  for (let i = order.length - 1; i > 0; i--) {
    const j = random.int(0, i);
    [order[i], order[j]] = [order[j], order[i]];
  }
  return Array.from({ length: count }, (_, index) => {
    const ending = index < order.length ? order[index] : random.pick(endings);
    const tag = () => Math.floor(random.next() * 0xffffffff).toString(16);
    const files = Array.from({ length: random.int(1, 3) }, (_, k) =>
      k % 2 === 0 ? plannedFile(`table-${index}-${k}.csv`, `id,value\n${index},${k}\n${tag()},${tag()}\n`) : plannedFile(`notes ${index}-${k}.txt`, `notes ${index}/${k} ${tag()}\n`),
    );
    if (ending === 'blockedByScan') files.push(plannedFile(`sample-${index}.txt`, EICAR));
    return {
      index,
      type: random.chance(0.5) ? 'import' : 'export',
      requester: random.pick(['rita', 'remy'] as const),
      reviewer: random.pick(['mona', 'mark'] as const),
      ending,
      files,
      revisedFiles: [plannedFile(files[0].name, `id,value\n${index},revised\n${tag()}\n`), plannedFile(`added-${index}.csv`, `id,value\n${index},added\n${tag()}\n`)],
      lateUpload: ending !== 'cancelDraft' && random.chance(0.35) ? plannedFile(`late-${index}.txt`, `uploaded after submit ${tag()}\n`) : undefined,
    };
  });
}

export class LifecycleDriver {
  private readonly plan: LifecyclePlan;
  /** What the requester has in the draft stage: name → sha256 */
  private readonly draft = new Map<string, string>();
  private cycle = 1;
  private link: { generation: number; cycle: number; url: string } | undefined;

  constructor(
    private readonly host: CrashingHost,
    private readonly ledger: Ledger,
    private readonly record: LifecycleRecord,
    private readonly random: SeededRandom,
    private readonly options: DriverOptions,
  ) {
    this.plan = record.plan;
  }

  async run(): Promise<void> {
    try {
      await this.live();
    } catch (error) {
      this.record.problems.push(error instanceof LifecycleStopped ? error.message : `the driver failed: ${(error as Error).stack}`);
    } finally {
      this.record.finished = true;
      this.record.phase = 'done';
    }
  }

  private async live(): Promise<void> {
    const { plan } = this;
    await this.create();
    await this.upload(plan.files);
    if (plan.ending === 'cancelDraft') {
      await this.act('cancel', plan.requester, 'cancel', 'draft');
      return;
    }
    const linkUsedForUploads = this.link?.url;
    await this.submit();
    if (plan.lateUpload && linkUsedForUploads) await this.lateUpload(plan.lateUpload, linkUsedForUploads);
    const scanned = await this.waitWhile(TRANSIENT_STATUSES);
    if (plan.ending === 'blockedByScan') {
      if (scanned !== 'blocked_by_scan') throw new LifecycleStopped(`a submission with EICAR ended '${scanned}', not blocked_by_scan`);
      return;
    }
    if (scanned !== 'in_review') throw new LifecycleStopped(`the submission ended '${scanned}', not in_review`);
    await this.pause();
    switch (plan.ending) {
      case 'approve':
      case 'revoke':
        await this.act('approve', plan.reviewer, 'review', 'in_review', { approval: true, decisionExplanation: 'aggregate data' });
        await this.expectSettled('approved');
        if (plan.ending === 'revoke') {
          await this.pause();
          await this.act('revoke', plan.reviewer, 'revoke', 'approved', { reason: 'approved by mistake' });
        }
        return;
      case 'reject':
        await this.act('reject', plan.reviewer, 'review', 'in_review', { approval: false, decisionExplanation: 'row-level data' });
        await this.expectSettled('rejected');
        return;
      case 'cancelInReview':
        await this.act('cancel', plan.requester, 'cancel', 'in_review');
        return;
      case 'changesThenApprove':
        await this.act('requestChanges', plan.reviewer, 'review', 'in_review', { decision: 'changes_requested', decisionExplanation: 'suppress small counts' });
        await this.waitForReturnedFiles();
        this.cycle = 2;
        await this.upload(plan.revisedFiles);
        await this.submit();
        if ((await this.waitWhile(TRANSIENT_STATUSES)) !== 'in_review') throw new LifecycleStopped('the resubmission did not reach in_review');
        await this.act('approve', plan.reviewer, 'review', 'in_review', { approval: true, decisionExplanation: 'counts suppressed' });
        await this.expectSettled('approved');
        return;
    }
  }

  private async create(): Promise<void> {
    this.record.phase = 'creating';
    for (;;) {
      const answer = await this.send(this.plan.requester, 'POST', BASE, {
        type: this.plan.type,
        title: `chaos lifecycle ${this.plan.index}`,
        businessJustification: `ending: ${this.plan.ending}`,
      });
      if (answer?.status === 201) {
        this.record.requestId = answer.body.airlockRequest.id;
        this.ledger.acknowledge(this.record, 'create', answer.body.airlockRequest.status);
        this.record.expectedFinal = 'draft';
        return;
      }
      if (answer && answer.status < 500) throw new LifecycleStopped(`create answered ${answer.status}: ${JSON.stringify(answer.body)}`);
      // No answer (or a 5xx): a request may or may not have been created; only a 201 says which.
      this.record.unansweredCreates += 1;
      await this.pause(POLL_MS);
    }
  }

  private async upload(files: readonly PlannedFile[]): Promise<void> {
    for (const file of files) {
      this.record.phase = 'uploading';
      let acknowledged = false;
      for (let attempt = 1; attempt <= 30 && !acknowledged; attempt++) {
        const session = await this.host.current();
        const url = await this.draftLink(session);
        const status = await putBlob(url, file.name, file.content);
        if (status === 201) {
          acknowledged = true;
          this.draft.set(file.name, file.sha256);
          this.record.uploads.push({ clock: this.ledger.tick(), name: file.name, sha256: file.sha256, cycle: this.cycle, late: false });
          this.ledger.acknowledge(this.record, 'upload', undefined, file.name);
        } else {
          // A dead Azurite (connection refused) or a link from a session gone: ask for a new link.
          this.link = undefined;
          await this.pause(POLL_MS);
        }
      }
      if (!acknowledged) {
        this.record.unacknowledgedUploads.push({ name: file.name, sha256: file.sha256, cycle: this.cycle });
        throw new LifecycleStopped(`upload of '${file.name}' was never acknowledged in 30 attempts`);
      }
    }
  }

  private async submit(): Promise<void> {
    const submission = { cycle: this.cycle, sentAt: this.ledger.tick(), acknowledged: false, expectedFiles: new Map(this.draft) };
    this.record.submissions.push(submission);
    submission.acknowledged = (await this.act('submit', this.plan.requester, 'submit', this.cycle === 1 ? 'draft' : 'changes_requested')) === 'acknowledged';
    // The scanner decides where a submission rests: EICAR is blocked, everything else goes to review.
    if (this.plan.ending === 'blockedByScan') this.record.expectedFinal = 'blocked_by_scan';
  }

  /** One attempt, through the link the requester used before submitting: the airlock must not let it into the submission. */
  private async lateUpload(file: PlannedFile, url: string): Promise<void> {
    this.record.phase = 'uploading after submit';
    const status = await putBlob(url, file.name, file.content);
    if (status === 201) {
      this.record.uploads.push({ clock: this.ledger.tick(), name: file.name, sha256: file.sha256, cycle: this.cycle, late: true });
      this.ledger.acknowledge(this.record, 'upload', undefined, `${file.name} (after submit)`);
    }
  }

  /**
   * A person's action, sent until it is answered. A 2xx is its acknowledgement. When an earlier
   * attempt got no answer, a refusal may only mean that attempt went through: the stored status
   * then shows the action's effect, and the action counts as done (but not acknowledged).
   */
  private async act(trigger: Exclude<TransitionTrigger, 'system'>, person: Person, route: string, before: RequestStatus, body?: unknown): Promise<'acknowledged' | 'inferred'> {
    const target = targetOf(before, trigger);
    if (!target) throw new Error(`the plan asks to ${trigger} a request in '${before}'`);
    this.record.phase = `${trigger} (from ${before})`;
    const effectSeen = (status: RequestStatus | undefined) => status !== undefined && status !== before && (status === target || reachableFrom(target).has(status));
    let unanswered = 0;
    for (let attempt = 1; attempt <= 60; attempt++) {
      const answer = await this.send(person, 'POST', `${BASE}/${this.record.requestId}/${route}`, body);
      if (answer && answer.status >= 200 && answer.status < 300) {
        const statusAfter = answer.body?.airlockRequest?.status as RequestStatus;
        this.ledger.acknowledge(this.record, trigger === 'approve' || trigger === 'reject' || trigger === 'requestChanges' ? 'review' : (trigger as 'submit' | 'cancel' | 'revoke'), statusAfter, trigger);
        this.record.expectedFinal = settledStatusOf(target);
        return 'acknowledged';
      }
      if (answer === undefined || answer.status >= 500) unanswered += 1;
      if (answer?.status === 409 || answer === undefined || answer.status >= 500) {
        if (unanswered > 0 && effectSeen(await this.currentStatus())) {
          this.record.expectedFinal = settledStatusOf(target);
          return 'inferred';
        }
        await this.pause(POLL_MS);
        continue;
      }
      const now = await this.currentStatus();
      if (unanswered > 0 && effectSeen(now)) {
        this.record.expectedFinal = settledStatusOf(target);
        return 'inferred';
      }
      throw new LifecycleStopped(`${trigger} from '${before}' answered ${answer.status} ${JSON.stringify(answer.body)}; the request is '${now}'`);
    }
    throw new LifecycleStopped(`${trigger} from '${before}' got no acknowledgement in 60 attempts`);
  }

  /** Waits while the airlock is the next to act; the status it then rests in. */
  private async waitWhile(statuses: readonly RequestStatus[]): Promise<RequestStatus> {
    const deadline = Date.now() + this.options.waitMs;
    let status: RequestStatus | undefined;
    for (;;) {
      status = await this.currentStatus();
      this.record.phase = `waiting (${status ?? 'no answer'})`;
      if (status !== undefined && !statuses.includes(status)) return status;
      if (Date.now() > deadline) throw new LifecycleStopped(`still '${status}' after ${this.options.waitMs / 1000} s of waiting (the airlock made no progress)`);
      await this.pause(POLL_MS);
    }
  }

  private async expectSettled(expected: RequestStatus): Promise<void> {
    const settled = await this.waitWhile(TRANSIENT_STATUSES);
    if (settled !== expected) throw new LifecycleStopped(`expected '${expected}', the request settled in '${settled}'`);
  }

  /** After changes were requested the files come back to the draft stage; the requester edits them once they are there. */
  private async waitForReturnedFiles(): Promise<void> {
    this.record.phase = 'waiting for the returned files';
    const returned = [...(this.record.submissions.at(-1)?.expectedFiles.keys() ?? [])];
    const deadline = Date.now() + this.options.waitMs;
    for (;;) {
      const status = await this.currentStatus();
      if (status !== undefined && status !== 'changes_requested') throw new LifecycleStopped(`after changes were requested the request is '${status}'`);
      const session = await this.host.current();
      // While the files are on their way back the airlock refuses the link and says to try again shortly.
      const link = await this.draftLink(session, { refusalMeansWait: true });
      const names = link === undefined ? undefined : await listBlobs(link);
      if (names && returned.every((name) => names.includes(name))) return;
      if (Date.now() > deadline) {
        throw new LifecycleStopped(`the returned files are not all in the draft stage after ${this.options.waitMs / 1000} s: want ${returned.join(', ')}; listed ${names?.join(', ')}`);
      }
      // No listing: the link died with a session; a listing without the files: they are still moving.
      if (!names) this.link = undefined;
      await this.pause(POLL_MS);
    }
  }

  private async draftLink(session: HostSession): Promise<string>;
  private async draftLink(session: HostSession, options: { refusalMeansWait: true }): Promise<string | undefined>;
  private async draftLink(session: HostSession, options?: { refusalMeansWait: true }): Promise<string | undefined> {
    if (this.link && this.link.generation === session.generation && this.link.cycle === this.cycle) return this.link.url;
    for (let attempt = 1; attempt <= 60; attempt++) {
      const current = await this.host.current();
      const answer = await this.send(this.plan.requester, 'GET', `${BASE}/${this.record.requestId}/link`);
      if (answer?.status === 200) {
        this.link = { generation: current.generation, cycle: this.cycle, url: answer.body.containerUrl };
        return this.link.url;
      }
      if (answer && answer.status < 500) {
        if (options?.refusalMeansWait) return undefined;
        throw new LifecycleStopped(`the draft link answered ${answer.status}: ${JSON.stringify(answer.body)}`);
      }
      await this.pause(POLL_MS);
    }
    throw new LifecycleStopped('no draft link in 60 attempts');
  }

  /** The stored status, or undefined when the host gave no answer; a request that is gone stops the lifecycle. */
  private async currentStatus(): Promise<RequestStatus | undefined> {
    const answer = await this.send('olga', 'GET', `${BASE}/${this.record.requestId}`);
    if (answer?.status === 404) throw new LifecycleStopped(`the request is gone: GET answers 404 ${JSON.stringify(answer.body)}`);
    return answer?.status === 200 ? answer.body.airlockRequest.status : undefined;
  }

  /** One call on the current session; undefined when it got no answer (the host died under it). */
  private async send(person: Person, method: string, path: string, body?: unknown): Promise<Answer> {
    const session = await this.host.current();
    try {
      const response = await fetch(`${session.api.apiUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${session.token(person)}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
      });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        // keep the text: a non-JSON answer is evidence too
      }
      // A host killed mid-response may answer 401 to a token of the session that just ended.
      if (response.status === 401 && (await this.host.current()).generation !== session.generation) return undefined;
      return { status: response.status, body: parsed };
    } catch {
      await this.pause(POLL_MS);
      return undefined;
    }
  }

  /** A person's think time: spreads the actions so the kills land at varied points. */
  private pause(ms = this.random.int(0, 1_500)): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }
}

/** Where a request that a person has just moved rests once the airlock has done its part. */
function settledStatusOf(status: RequestStatus): RequestStatus {
  switch (status) {
    case 'approval_in_progress':
      return 'approved';
    case 'rejection_in_progress':
      return 'rejected';
    case 'submitted':
      return 'in_review';
    default:
      return status;
  }
}

async function putBlob(containerUrl: string, name: string, content: Buffer): Promise<number | undefined> {
  const [base, sas] = containerUrl.split('?');
  try {
    const response = await fetch(`${base}/${encodeURIComponent(name)}?${sas}`, {
      method: 'PUT',
      headers: { 'x-ms-blob-type': 'BlockBlob' },
      body: content,
      signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
    });
    await response.arrayBuffer();
    return response.status;
  } catch {
    return undefined;
  }
}

async function listBlobs(containerUrl: string): Promise<string[] | undefined> {
  try {
    const response = await fetch(`${containerUrl}&restype=container&comp=list`, { signal: AbortSignal.timeout(CALL_TIMEOUT_MS) });
    if (response.status !== 200) return undefined;
    return [...(await response.text()).matchAll(/<Name>([^<]+)<\/Name>/g)].map((match) => decodeXml(match[1]));
  } catch {
    return undefined;
  }
}

export function decodeXml(text: string): string {
  return text.replace(/&(lt|gt|quot|apos|amp);/g, (_, entity: string) => ({ lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' })[entity]!);
}
