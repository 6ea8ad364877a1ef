/**
 * The invariants a storm of crashes must leave intact, checked against what the clients were told
 * (the ledger), what the API and SAS links show, what the stage accounts hold, the audit logs and
 * the events a webhook received. Every violation names the request and carries the evidence.
 */
import { createHash } from 'node:crypto';
import { AIRLOCK_EVENT_TYPES } from '../../src/domain/airlockEvents';
import { Stage, stageOfStatus } from '../../src/domain/stages';
import { RequestStatus } from '../../src/domain/status';
import { canTransition } from '../../src/domain/transitions';
import { DeliveredEvent } from '../support/eventSink';
import { StageContents, StoredBlob } from '../support/stageContents';
import { HostSession, Person, WORKSPACE } from './crashingHost';
import { decodeXml, TRANSIENT_STATUSES } from './lifecycleDriver';
import { Ledger, LifecycleRecord } from './ledger';
import { isSameOrSuccessor } from './statusRules';

export const INVARIANTS = {
  1: 'acknowledged creates and uploads are kept; uploads after submit are not part of it',
  2: 'acknowledged status changes are reflected; nothing stuck or failed',
  3: "files are in exactly their status's stage and nowhere else",
  4: 'stored bytes hash to the recorded and uploaded sha256',
  5: 'the audit chain verifies and agrees with the status',
  6: 'no event id carries two changes; every event has its audit entry, every audit entry its event',
} as const;
export type InvariantNumber = keyof typeof INVARIANTS;

export interface Violation {
  invariant: InvariantNumber;
  requestId: string;
  lifecycle?: number;
  evidence: string;
}

export interface InvariantReport {
  checks: number;
  violations: Violation[];
  /** Stored audit entries no webhook delivery carried (README: "an event is never lost"); reported, not counted. */
  undeliveredEvents: string[];
  requestsChecked: number;
}

const BASE = `/workspaces/${WORKSPACE}/requests`;

interface Observed {
  request: any;
  audit?: { entries: any[]; verification: { verified: boolean; problems: string[] } };
}

export class InvariantChecker {
  private checks = 0;
  private readonly violations: Violation[] = [];

  constructor(
    private readonly session: HostSession,
    private readonly stages: StageContents,
    private readonly ledger: Ledger,
  ) {}

  /** Reads every request of the workspace, its audit log and its stored files, and judges them against the ledger and the deliveries. */
  async run(deliveriesSoFar: readonly DeliveredEvent[]): Promise<InvariantReport> {
    // Taken before any audit log is read, so every event judged had its chance to be in the log read.
    const deliveries = [...deliveriesSoFar];
    const observed = new Map<string, Observed>();
    // Every page: a create retried after a kill may have made more requests than lifecycles.
    let continuationToken: string | undefined;
    do {
      const query = `?pageSize=100${continuationToken ? `&continuationToken=${encodeURIComponent(continuationToken)}` : ''}`;
      const listed = await this.get(`${BASE}${query}`, 'olga');
      for (const item of listed.body?.airlockRequests ?? []) observed.set(item.airlockRequest.id, { request: item.airlockRequest });
      continuationToken = listed.body?.continuationToken;
    } while (continuationToken);
    for (const record of this.ledger.lifecycles) {
      for (const problem of record.problems) this.check(false, 2, record, `the client could not complete the lifecycle (${record.plan.ending}): ${problem}`);
      if (!record.requestId || observed.has(record.requestId)) continue;
      const direct = await this.get(`${BASE}/${record.requestId}`, 'olga');
      this.check(false, 1, record, `the acknowledged create is gone: not in the workspace's list, and GET answers ${direct.status} ${JSON.stringify(direct.body)}`);
    }
    const byRequest = new Map(this.ledger.lifecycles.filter((r) => r.requestId).map((r) => [r.requestId!, r]));
    for (const [id, seen] of observed) {
      const audit = await this.get(`${BASE}/${id}/audit`, 'olga');
      seen.audit = audit.status === 200 ? audit.body : undefined;
      const record = byRequest.get(id);
      if (record) {
        this.acknowledgedFiles(record, seen.request);
        this.acknowledgedStatus(record, seen.request);
      }
      this.notStuck(id, record, seen.request);
      this.auditAgrees(id, record, seen, audit.status);
    }
    const undeliveredEvents = this.events(deliveries, observed);
    // Last, because reading files through a link issues one, which is audited (and published).
    for (const [id, seen] of observed) await this.placement(id, byRequest.get(id), seen.request);
    return { checks: this.checks, violations: this.violations, undeliveredEvents, requestsChecked: observed.size };
  }

  /** Invariant 1: files acknowledged before the submit are the submission; one acknowledged after it is not. */
  private acknowledgedFiles(record: LifecycleRecord, request: any): void {
    const submission = [...record.submissions].reverse().find((s) => (request.reviewCycle ?? 0) >= s.cycle);
    const uncertain = new Set(record.unacknowledgedUploads.map((u) => u.name));
    const recorded = new Map<string, string | undefined>((request.files ?? []).map((f: any) => [f.name, f.sha256]));
    if (!submission) return;
    if (TRANSIENT_STATUSES.includes(request.status) || request.status === 'cancelled' || request.status === 'failed') return;
    for (const [name, sha256] of submission.expectedFiles) {
      if (uncertain.has(name)) continue;
      this.check(recorded.has(name), 1, record, `acknowledged upload '${name}' (sha256 ${sha256.slice(0, 12)}…) is not among the submitted files [${[...recorded.keys()].join(', ')}]`);
      if (recorded.has(name)) {
        this.check(recorded.get(name) === sha256, 1, record, `'${name}' was uploaded with sha256 ${sha256}, the request records ${recorded.get(name)}`);
      }
    }
    for (const late of record.uploads.filter((u) => u.late && u.cycle === submission.cycle)) {
      this.check(recorded.get(late.name) !== late.sha256, 1, record, `'${late.name}', uploaded after the submit was acknowledged, became part of the submission`);
    }
    for (const name of recorded.keys()) {
      if (submission.expectedFiles.has(name) || uncertain.has(name) || record.uploads.some((u) => u.late && u.name === name)) continue;
      this.check(false, 1, record, `the submission has a file the requester never uploaded: '${name}'`);
    }
  }

  /** Invariant 2: the final status follows from every acknowledged change, and is where the plan ends. */
  private acknowledgedStatus(record: LifecycleRecord, request: any): void {
    const final = request.status as RequestStatus;
    for (const ack of record.acknowledgements) {
      if (!ack.statusAfter) continue;
      this.check(isSameOrSuccessor(ack.statusAfter, final), 2, record, `${ack.action} (${ack.detail ?? ''}) was acknowledged with '${ack.statusAfter}'; the request is now '${final}', which cannot follow it`);
    }
    if (record.expectedFinal) {
      this.check(final === record.expectedFinal, 2, record, `the client's last acknowledged action leads to '${record.expectedFinal}'; the request is '${final}' (${request.statusMessage ?? request.progressMessage ?? 'no message'})`);
    }
  }

  private notStuck(id: string, record: LifecycleRecord | undefined, request: any): void {
    this.check(!TRANSIENT_STATUSES.includes(request.status), 2, record, `stuck in '${request.status}' after the storm quiesced (${request.statusMessage ?? request.progressMessage ?? 'no message'})`, id);
    this.check(request.status !== 'failed', 2, record, `failed: ${request.statusMessage}`, id);
  }

  /** Invariants 3 and 4: where the bytes are, and that they are the bytes that were hashed. */
  private async placement(id: string, record: LifecycleRecord | undefined, request: any): Promise<void> {
    const status = request.status as RequestStatus;
    if (status === 'failed') return;
    const expectedStage: Stage | undefined = stageOfStatus(status);
    const expected = this.expectedFiles(record, request);
    const stored = await this.stages.of(id);
    const reviewedCopies = stored.filter((blob) => blob.container.endsWith('-reviewed'));
    this.reviewedCopiesOnlyWhileNeeded(id, record, request, reviewedCopies);
    const blobs = stored.filter((blob) => !reviewedCopies.includes(blob));
    for (const blob of blobs) {
      this.check(blob.stage === expectedStage && blob.type === request.type, 3, record, `'${blob.name}' is in ${blob.type} stage ${blob.stage} (${blob.account}/${blob.container}); a '${status}' request's files belong in ${expectedStage ?? 'no stage'}`, id);
    }
    if (expectedStage === undefined) return;
    const inStage = blobs.filter((b) => b.stage === expectedStage && b.type === request.type);
    const copies = new Map<string, StoredBlob[]>();
    for (const blob of inStage) copies.set(blob.name, [...(copies.get(blob.name) ?? []), blob]);
    for (const [name, sha256] of expected) {
      const found = copies.get(name) ?? [];
      this.check(found.length > 0, 3, record, `'${name}' is not in stage ${expectedStage}, where a '${status}' request's files belong (stage holds: ${[...copies.keys()].join(', ') || 'nothing'})`, id);
      this.check(found.length <= 1, 3, record, `'${name}' is in ${found.length} containers of stage ${expectedStage}: ${found.map((b) => b.container).join(', ')}`, id);
      for (const blob of found) {
        if (sha256) this.check(blob.sha256 === sha256, 4, record, `'${name}' in ${blob.account}/${blob.container} hashes to ${blob.sha256}; recorded ${sha256}`, id);
      }
    }
    for (const name of copies.keys()) {
      if (!expected.has(name)) this.check(false, 3, record, `'${name}' is in stage ${expectedStage} (${copies.get(name)![0].container}) but is not one of the request's files`, id);
    }
    await this.throughTheLink(id, record, request, expected);
  }

  /**
   * A request returned for changes keeps the submission its reviewers saw, in the in-progress stage,
   * until the next review ends: only then, only that one cycle, and never once the request has ended.
   */
  private reviewedCopiesOnlyWhileNeeded(id: string, record: LifecycleRecord | undefined, request: any, copies: StoredBlob[]): void {
    const status = request.status as RequestStatus;
    const cycle: number = request.reviewCycle ?? 1;
    const keptCycle = status === 'changes_requested' ? cycle : ['in_review', 'submitted', 'approval_in_progress', 'rejection_in_progress', 'blocking_in_progress'].includes(status) ? cycle - 1 : 0;
    for (const blob of copies) {
      this.check(
        blob.stage === 'in_progress' && blob.type === request.type && keptCycle > 0 && blob.container === `${id}-${keptCycle}-reviewed`,
        3,
        record,
        `a reviewed copy '${blob.name}' is in ${blob.type} stage ${blob.stage} (${blob.account}/${blob.container}); a '${status}' request at cycle ${cycle} keeps ${keptCycle > 0 ? `only ${id}-${keptCycle}-reviewed in the in-progress stage` : 'none'}`,
        id,
      );
    }
  }

  /** What a person with a link sees: the same names and bytes. */
  private async throughTheLink(id: string, record: LifecycleRecord | undefined, request: any, expected: Map<string, string | undefined>): Promise<void> {
    const reader = linkReader(request.status, record?.plan.requester ?? request.createdBy?.id);
    if (!reader) return;
    const link = await this.get(`${BASE}/${id}/link`, reader);
    this.check(link.status === 200, 3, record, `a '${request.status}' request gives ${reader} no link: ${link.status} ${JSON.stringify(link.body)}`, id);
    if (link.status !== 200) return;
    const url: string = link.body.containerUrl;
    const listing = await fetch(`${url}&restype=container&comp=list`);
    const names = [...(await listing.text()).matchAll(/<Name>([^<]+)<\/Name>/g)].map((m) => decodeXml(m[1]));
    this.check(sameSet(names, [...expected.keys()]), 3, record, `the link lists [${names.join(', ')}]; the request's files are [${[...expected.keys()].join(', ')}]`, id);
    const [base, sas] = url.split('?');
    for (const [name, sha256] of expected) {
      if (!sha256 || !names.includes(name)) continue;
      const download = await fetch(`${base}/${encodeURIComponent(name)}?${sas}`);
      const bytes = Buffer.from(await download.arrayBuffer());
      this.check(createHash('sha256').update(bytes).digest('hex') === sha256, 4, record, `'${name}' downloaded through the link does not hash to the recorded ${sha256}`, id);
    }
  }

  /** name → sha256 (undefined while not yet hashed) of what the request's stage should hold. */
  private expectedFiles(record: LifecycleRecord | undefined, request: any): Map<string, string | undefined> {
    const status = request.status as RequestStatus;
    const submitted = (request.reviewCycle ?? 0) > 0;
    if (status === 'draft' || (status === 'changes_requested' && !submitted)) {
      // Never submitted: what the requester uploaded, the last version of each name.
      const uploaded = new Map<string, string | undefined>();
      for (const upload of record?.uploads ?? []) if (!upload.late) uploaded.set(upload.name, upload.sha256);
      for (const unsure of record?.unacknowledgedUploads ?? []) uploaded.set(unsure.name, undefined);
      return uploaded;
    }
    if (status === 'changes_requested') {
      const returned = new Map<string, string | undefined>((request.files ?? []).map((f: any) => [f.name, f.sha256]));
      for (const upload of record?.uploads ?? []) if (!upload.late && upload.cycle > (request.reviewCycle ?? 0)) returned.set(upload.name, upload.sha256);
      return returned;
    }
    return new Map((request.files ?? []).map((f: any) => [f.name, f.sha256]));
  }

  /** Invariant 5. */
  private auditAgrees(id: string, record: LifecycleRecord | undefined, seen: Observed, httpStatus: number): void {
    const audit = seen.audit;
    this.check(audit !== undefined, 5, record, `GET audit answered ${httpStatus}`, id);
    if (!audit) return;
    this.check(audit.verification.verified, 5, record, `the audit chain does not verify: ${audit.verification.problems.join('; ')}`, id);
    const entries = audit.entries;
    this.check(entries[0]?.action === 'request.created', 5, record, `the first audit entry is '${entries[0]?.action}', not request.created`, id);
    const changes = entries.filter((e: any) => e.action === 'status.changed');
    let status: RequestStatus = 'draft';
    for (const change of changes) {
      this.check(change.fromStatus === status, 5, record, `audit entry ${change.seq} changes '${change.fromStatus}' → '${change.toStatus}', but the log had the request '${status}'`, id);
      this.check(canTransition(change.fromStatus, change.toStatus), 5, record, `audit entry ${change.seq}: '${change.fromStatus}' → '${change.toStatus}' is not a legal transition`, id);
      status = change.toStatus;
    }
    this.check(status === seen.request.status, 5, record, `the audit log leaves the request '${status}'; the request is '${seen.request.status}'`, id);
    for (const ack of record?.acknowledgements ?? []) {
      if (ack.action === 'create' || ack.action === 'upload' || !ack.statusAfter) continue;
      if (ack.action === 'review') {
        this.check(entries.some((e: any) => e.action === 'review.recorded'), 5, record, `an acknowledged review (${ack.detail}) has no review.recorded entry`, id);
      }
      const changedTo = entries.some((e: any) => e.action === 'status.changed' && e.toStatus === ack.statusAfter);
      if (ack.statusAfter !== 'in_review') this.check(changedTo, 5, record, `the acknowledged ${ack.action} (→ '${ack.statusAfter}') has no status.changed entry to it`, id);
    }
  }

  /** Invariant 6: one change per event id, and each event is an audit entry that exists. */
  private events(deliveries: readonly DeliveredEvent[], observed: Map<string, Observed>): string[] {
    const byId = new Map<string, DeliveredEvent[]>();
    for (const delivery of deliveries) byId.set(String(delivery.event.id), [...(byId.get(String(delivery.event.id)) ?? []), delivery]);
    for (const [eventId, copies] of byId) {
      const [requestId, seqText] = eventId.split(':');
      const changes = new Set(copies.map((copy) => changeOf(copy.event)));
      this.check(changes.size === 1, 6, undefined, `event id ${eventId} was delivered for ${changes.size} different changes:\n    ${[...changes].join('\n    ')}`, requestId);
      const entry = observed.get(requestId)?.audit?.entries.find((e: any) => e.seq === Number(seqText));
      this.check(entry !== undefined, 6, undefined, `event ${eventId} (${copies[0].event.type}) was delivered but the request has no audit entry ${seqText}`, requestId);
      if (!entry) continue;
      const expectedType = AIRLOCK_EVENT_TYPES[entry.action as keyof typeof AIRLOCK_EVENT_TYPES] ?? 'Airlock.Request.StatusMessageChanged';
      const expectedTime = new Date(entry.time * 1000).toISOString();
      for (const copy of copies) {
        const event = copy.event;
        this.check(
          event.type === expectedType && event.time === expectedTime && (event.data?.previousStatus ?? null) === (entry.fromStatus ?? null),
          6,
          undefined,
          `event ${eventId} says ${event.type} at ${event.time} from '${event.data?.previousStatus}'; audit entry ${entry.seq} is ${entry.action} at ${expectedTime} from '${entry.fromStatus}'`,
          requestId,
        );
      }
    }
    // The audit log is the outbox: a stored change whose event never arrives was lost on the way.
    const undelivered: string[] = [];
    for (const [requestId, seen] of observed) {
      for (const entry of seen.audit?.entries ?? []) {
        const delivered = byId.has(`${requestId}:${entry.seq}`);
        this.check(delivered, 6, undefined, `audit entry ${entry.seq} (${entry.action}) was stored but its event ${requestId}:${entry.seq} never arrived`, requestId);
        if (!delivered) undelivered.push(`${requestId}:${entry.seq} (${entry.action})`);
      }
    }
    return undelivered;
  }

  private check(ok: boolean, invariant: InvariantNumber, record: LifecycleRecord | undefined, evidence: string, requestId?: string): void {
    this.checks += 1;
    if (!ok) this.violations.push({ invariant, requestId: requestId ?? record?.requestId ?? '?', lifecycle: record?.plan.index, evidence });
  }

  private async get(path: string, person: Person): Promise<{ status: number; body: any }> {
    const response = await fetch(`${this.session.api.apiUrl}${path}`, { headers: { authorization: `Bearer ${this.session.token(person)}` } });
    const text = await response.text();
    try {
      return { status: response.status, body: text ? JSON.parse(text) : undefined };
    } catch {
      return { status: response.status, body: text };
    }
  }
}

/** Who gets a link to the request's files in this status (DESIGN §8), or undefined when nobody does. */
function linkReader(status: RequestStatus, requester: string): Person | undefined {
  switch (status) {
    case 'draft':
    case 'changes_requested':
    case 'approved':
      return (requester === 'rita' || requester === 'remy' ? requester : undefined) as Person | undefined;
    case 'in_review':
      return 'olga';
    default:
      return undefined;
  }
}

/** What identifies the change an event reports; a redelivery must carry the same. */
function changeOf(event: any): string {
  const data = event.data ?? {};
  return JSON.stringify([event.type, event.time, event.subject, data.status, data.previousStatus, data.actor?.id, data.auditSeq, data.files, data.detail]);
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((name) => b.includes(name));
}
