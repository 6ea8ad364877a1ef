/**
 * The notifier, called as the host calls it with the CloudEvents the airlock publishes, against the
 * real adapters on an embedded Azurite (the workspace registry holds the notification addresses)
 * and a real SMTP conversation with a sink in this process. The events are the ones
 * `eventOfAuditEntry` makes of the audit entries of requests walked through their lifecycles by the
 * domain functions the app uses, so each test reads as the story of a request.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditDraft, AuditEntry } from '../../../src/domain/audit';
import { auditOfChange, auditOfCreation } from '../../../src/domain/auditOfChange';
import { AirlockCloudEvent, eventOfAuditEntry } from '../../../src/domain/airlockEvents';
import { AirlockFile, AirlockRequest, messageOf, newDraftRequest, withStatus } from '../../../src/domain/request';
import { recordReview } from '../../../src/domain/review';
import { AIRLOCK_SYSTEM, UserRef } from '../../../src/domain/roles';
import { ReviewDecisionInput } from '../../../src/domain/schemas';
import { RequestStatus, RequestType } from '../../../src/domain/status';
import { airlockNotifier, validateNotificationRulesAtStartup } from '../../../src/functions/events/airlockNotifier';
import { Dependencies, getDependencies, setDependencies } from '../../../src/infra/dependencies';
import { EmlFileMailer } from '../../../src/infra/mail/emlFileMailer';
import { Mailer, MailMessage } from '../../../src/infra/mail/mailer';
import { SmtpMailer } from '../../../src/infra/mail/smtpMailer';
import { activityContext, startTestDependencies, TestDependencies } from '../../support/azuriteDependencies';
import { parseMail, ReceivedMail, SmtpSink } from '../../support/smtpSink';

const WORKSPACE = 'ws01';
const OWNER = 'owner@example.org';
const MANAGER_ADDRESS = 'manager@example.org';
const PORTAL = 'https://portal.example.org/workspaces/{workspaceId}/requests/{requestId}';
const RITA: UserRef = { id: 'user-rita', name: 'Rita Researcher', email: 'rita@example.org' };
const MIA: UserRef = { id: 'user-mia', name: 'Mia Manager', email: 'mia@example.org' };
const FILES: AirlockFile[] = [
  { name: 'cohort.csv', size: 120, sha256: 'a'.repeat(64) },
  { name: 'codebook.pdf', size: 300, sha256: 'b'.repeat(64) },
];

// ---- requests, told as stories -----------------------------------------------------------------

/** A request walked through the airlock by the domain functions, with the CloudEvent of every audit entry. */
class RequestStory {
  readonly events: AirlockCloudEvent[] = [];
  private request: AirlockRequest;
  private seq = 0;
  private clock = 1_780_000_000;

  constructor(type: RequestType, private readonly requester: UserRef, workspaceId = WORKSPACE) {
    this.request = newDraftRequest({
      id: randomUUID(),
      workspaceId,
      type,
      title: `Cohort ${type}`,
      businessJustification: 'For the approved study',
      creator: requester,
      now: this.tick(),
    });
    this.record(auditOfCreation(this.request));
  }

  get id(): string {
    return this.request.id;
  }

  get link(): string {
    return `https://portal.example.org/workspaces/${this.request.workspaceId}/requests/${this.request.id}`;
  }

  submit(): this {
    return this.change((request) => withStatus(request, { to: 'submitted', trigger: 'submit', actor: this.requester, now: this.tick(), changes: { files: FILES } }));
  }

  /** As setRequestStatus moves it: the message kept unless a new one is given. */
  system(to: RequestStatus, message?: string): this {
    return this.change((request) => withStatus(request, { to, trigger: 'system', actor: AIRLOCK_SYSTEM, now: this.tick(), message: message ?? messageOf(request) }));
  }

  review(decision: ReviewDecisionInput, explanation: string): this {
    return this.change((request) =>
      recordReview(request, { id: randomUUID(), reviewer: MIA, decision, decisionExplanation: explanation, now: this.tick(), requiredApprovals: 1 }),
    );
  }

  cancel(): this {
    return this.change((request) => withStatus(request, { to: 'cancelled', trigger: 'cancel', actor: this.requester, now: this.tick() }));
  }

  /** As revokeRequest records it. */
  revoke(reason: string): this {
    return this.change((request) =>
      withStatus(request, {
        to: 'revoked',
        trigger: 'revoke',
        actor: MIA,
        now: this.tick(),
        message: `Revoked: ${reason}`,
        changes: { reviews: [...request.reviews, { id: randomUUID(), reviewer: MIA, dateCreated: this.clock, reviewDecision: 'revoked', decisionExplanation: reason }] },
      }),
    );
  }

  private change(next: (request: AirlockRequest) => AirlockRequest): this {
    const before = this.request;
    this.request = next(before);
    this.record(auditOfChange(before, this.request));
    return this;
  }

  private record(drafts: AuditDraft[]): void {
    for (const draft of drafts) {
      this.seq += 1;
      const entry: AuditEntry = { ...draft, id: `${this.request.id}-${this.seq}`, requestId: this.request.id, workspaceId: this.request.workspaceId, seq: this.seq, prevHash: '', hash: '' };
      this.events.push(eventOfAuditEntry(entry, this.request, 'test'));
    }
  }

  private tick(): number {
    return (this.clock += 60);
  }
}

// ---- the app around the notifier ----------------------------------------------------------------

let sink: SmtpSink;
let smtp: SmtpMailer;
let testDeps: TestDependencies;
let logs: { level: string; message: string }[];

beforeAll(async () => {
  sink = new SmtpSink();
  const port = await sink.listen();
  smtp = new SmtpMailer({ kind: 'smtp', host: '127.0.0.1', port, secure: false, from: 'airlock@example.org' });
  testDeps = await startTestDependencies({
    workspaces: [WORKSPACE],
    mailer: smtp,
    notificationAddresses: [OWNER, MANAGER_ADDRESS],
    notifications: { requestUrlTemplate: PORTAL },
  });
});

afterAll(async () => {
  await testDeps?.close();
  await sink?.close();
});

beforeEach(() => {
  sink.mails.length = 0;
  logs = [];
  setDependencies(testDeps.deps);
});

/** Every event, one after the other and as delivered (JSON), as Event Grid delivers a request's events. */
async function deliver(events: AirlockCloudEvent[]): Promise<void> {
  for (const event of events) await airlockNotifier(JSON.parse(JSON.stringify(event)), activityContext('airlockNotifier', logs));
}

/** Replaces some dependencies for one test; `beforeEach` restores them. */
function withDependencies(change: (deps: Dependencies) => Partial<Dependencies>): void {
  setDependencies({ ...testDeps.deps, ...change(testDeps.deps) });
}

const sent = () => sink.mails.map((mail) => ({ to: [...mail.envelopeTo].sort(), subject: mail.subject }));
const mailWithSubject = (part: string): ReceivedMail => {
  const found = sink.mails.filter((mail) => mail.subject.includes(part));
  expect(found).toHaveLength(1);
  return found[0];
};

// ---- lifecycles ---------------------------------------------------------------------------------

test('an import approved: the requester hears of each step, the airlock managers that a review is needed', async () => {
  const story = new RequestStory('import', RITA).submit().system('in_review', 'all files passed the checks').review('approved', 'Looks fine').system('approved');
  await deliver(story.events);

  expect(sent()).toEqual([
    { to: ['rita@example.org'], subject: 'Airlock: your import request "Cohort import" was created (draft)' },
    { to: ['rita@example.org'], subject: 'Airlock: your import request "Cohort import" was submitted' },
    { to: [MANAGER_ADDRESS, OWNER], subject: 'Airlock: review needed for import request "Cohort import"' },
    { to: ['rita@example.org'], subject: 'Airlock: your import request "Cohort import" is being approved' },
    { to: ['rita@example.org'], subject: 'Airlock: your import request "Cohort import" was approved' },
  ]);
  const review = mailWithSubject('review needed');
  expect(review.text).toContain('from Rita Researcher passed the airlock');
  expect(review.text).toContain(`cohort.csv  ${'a'.repeat(64)}`);
  expect(review.text).toContain(`Open the request: ${story.link}`);
  const approved = mailWithSubject('was approved');
  expect(approved.to).toEqual(['rita@example.org']);
  expect(approved.headers.from).toBe('airlock@example.org');
  expect(approved.text).toContain(`Open the request: ${story.link}`);
  expect(approved.text).toContain(`codebook.pdf  ${'b'.repeat(64)}`);
  // No "Reason:" line: an approval gives none.
  expect(approved.text).not.toContain('Reason:');
  // The message id names the event (request and audit number) and the rule: a retry is recognisable.
  const approvedEvent = story.events[story.events.length - 1];
  expect(approved.headers['message-id']).toBe(`<${story.id}.${approvedEvent.data.auditSeq}.rule-5@test.airlock>`);
});

test('scanning off: the review-needed mail says the files were not scanned, although the request shows no error', async () => {
  const story = new RequestStory('import', RITA).submit().system('in_review', 'not scanned: scanning is disabled');
  await deliver(story.events);

  expect(mailWithSubject('review needed').text).toContain('Reason:    not scanned: scanning is disabled');
  expect(story.events.at(-1)!.data.detail).toEqual({ statusMessage: null, progressMessage: 'not scanned: scanning is disabled' });
});

test('an export rejected: the reviewer’s explanation is in the mail', async () => {
  const story = new RequestStory('export', RITA).submit().system('in_review').review('rejected', 'The extract contains dates of birth');
  story.system('rejected');
  await deliver(story.events);

  const rejected = mailWithSubject('was rejected');
  expect(rejected.to).toEqual(['rita@example.org']);
  expect(rejected.text).toContain('Reason:    Rejected: The extract contains dates of birth');
  expect(rejected.text).toContain('By:        Airlock');
  expect(rejected.text).toContain(story.link);
  expect(mailWithSubject('is being rejected').text).toContain('Rejected: The extract contains dates of birth');
});

test('blocked by the scan: the requester AND the workspace owners, in one mail, with the verdict', async () => {
  const verdict = 'cohort.csv: malware found (Eicar-Test-Signature)';
  const story = new RequestStory('import', RITA).submit().system('blocking_in_progress', verdict).system('blocked_by_scan');
  await deliver(story.events);

  const blocked = mailWithSubject('was blocked');
  expect(blocked.envelopeTo.sort()).toEqual([MANAGER_ADDRESS, OWNER, 'rita@example.org'].sort());
  expect(blocked.to).toEqual(['rita@example.org', OWNER, MANAGER_ADDRESS]);
  expect(blocked.text).toContain(`Reason:    ${verdict}`);
  expect(blocked.text).toContain(story.link);
  // blocking_in_progress mails nobody: the verdict is told once, when it is final.
  expect(sent().map((mail) => mail.subject)).toEqual([
    'Airlock: your import request "Cohort import" was created (draft)',
    'Airlock: your import request "Cohort import" was submitted',
    'Airlock: import request "Cohort import" was blocked by the file checks',
  ]);
});

test('cancelled', async () => {
  await deliver(new RequestStory('export', RITA).cancel().events);
  expect(sent()).toEqual([
    { to: ['rita@example.org'], subject: 'Airlock: your export request "Cohort export" was created (draft)' },
    { to: ['rita@example.org'], subject: 'Airlock: your export request "Cohort export" was cancelled' },
  ]);
  expect(mailWithSubject('was cancelled').text).toContain('By:        Rita Researcher');
});

test('changes requested: the explanation is in the mail', async () => {
  const story = new RequestStory('export', RITA).submit().system('in_review').review('changes_requested', 'Remove the postcode column');
  await deliver(story.events);
  const changes = mailWithSubject('changes requested');
  expect(changes.to).toEqual(['rita@example.org']);
  expect(changes.text).toContain('Reason:    Changes requested: Remove the postcode column');
  expect(changes.text).toContain('By:        Mia Manager');
  expect(changes.text).toContain(story.link);
});

test('failed: the failure message is in the mail', async () => {
  const message = 'The airlock stopped while moving the files: storage unavailable. The files were kept where they were.';
  const story = new RequestStory('import', RITA).submit().system('failed', message);
  await deliver(story.events);
  const failed = mailWithSubject('failed');
  expect(failed.to).toEqual(['rita@example.org']);
  expect(failed.text).toContain(message);
  expect(failed.text).toContain(story.link);
});

test('revoked: the reason is in the mail', async () => {
  const story = new RequestStory('export', RITA).submit().system('in_review').review('approved', 'ok').system('approved');
  story.revoke('Consent was withdrawn');
  await deliver(story.events.slice(-2));
  const revoked = mailWithSubject('was revoked');
  expect(revoked.text).toContain('Revoked: Consent was withdrawn');
  expect(revoked.text).toContain(story.link);
});

// ---- who cannot be mailed -----------------------------------------------------------------------

test('a requester without an email address is skipped and logged; the managers are still told', async () => {
  const nemo: UserRef = { id: 'user-nemo', name: 'Nemo Nomail' };
  const story = new RequestStory('import', nemo).submit().system('in_review').cancel();
  await expect(deliver(story.events)).resolves.toBeUndefined();

  expect(sent()).toEqual([{ to: [MANAGER_ADDRESS, OWNER], subject: 'Airlock: review needed for import request "Cohort import"' }]);
  const warnings = logs.filter((line) => line.level === 'warning').map((line) => line.message);
  expect(warnings).toEqual(
    expect.arrayContaining([
      expect.stringMatching(/rules\[0\] \(requestCreated\): not notifying requester Nemo Nomail: no email address/),
      expect.stringMatching(/rules\[9\] \(cancelled\): no recipient has an email address; no mail sent/),
    ]),
  );
});

test('a workspace the registry does not know: its owners are skipped and logged, the requester is told', async () => {
  const story = new RequestStory('import', RITA, 'ws-unknown').submit().system('blocking_in_progress', 'malware').system('blocked_by_scan');
  await deliver(story.events.slice(-1));
  expect(sent()).toEqual([{ to: ['rita@example.org'], subject: 'Airlock: import request "Cohort import" was blocked by the file checks' }]);
  expect(logs.map((line) => line.message)).toEqual(
    expect.arrayContaining([expect.stringContaining("workspace 'ws-unknown' is not in the registry"), expect.stringContaining('not notifying workspaceOwners')]),
  );
});

test('an event that is not the airlock’s is ignored', async () => {
  await deliver([{ id: 'x', type: 'Microsoft.Storage.BlobCreated', data: {} } as unknown as AirlockCloudEvent]);
  expect(sent()).toEqual([]);
  expect(logs[0]?.message).toContain("type 'Microsoft.Storage.BlobCreated' is not an airlock request event");
});

// ---- delivery -----------------------------------------------------------------------------------

test('a failed send fails the invocation, so Event Grid delivers the event again; the retry sends it', async () => {
  let failuresLeft = 1;
  const flaky: Mailer = {
    description: 'fails once',
    async send(message: MailMessage) {
      if (failuresLeft-- > 0) throw new Error('451 try again later');
      await smtp.send(message);
    },
  };
  withDependencies(() => ({ mailer: flaky }));
  const cancelled = new RequestStory('import', RITA).cancel().events.slice(-1);

  await expect(deliver(cancelled)).rejects.toThrow(/451 try again later.*deliver the event again/);
  expect(sent()).toEqual([]);
  await deliver(cancelled);
  expect(sent()).toEqual([{ to: ['rita@example.org'], subject: 'Airlock: your import request "Cohort import" was cancelled' }]);
});

test('an event delivered twice is mailed once by this process', async () => {
  const cancelled = new RequestStory('import', RITA).cancel().events.slice(-1);
  await deliver([...cancelled, ...cancelled]);
  expect(sent()).toHaveLength(1);
  expect(logs.map((line) => line.message)).toEqual(expect.arrayContaining([expect.stringContaining('already sent as')]));
});

test('the EmlFileMailer writes each mail as a parseable .eml file', async () => {
  const directory = await mkdtemp(join(tmpdir(), 'airlock-eml-'));
  try {
    withDependencies(() => ({ mailer: new EmlFileMailer(join(directory, 'mail'), 'airlock@example.org') }));
    const verdict = 'codebook.pdf: the file type is not allowed';
    const story = new RequestStory('export', RITA).submit().system('blocking_in_progress', verdict).system('blocked_by_scan');
    await deliver(story.events.slice(-1));

    const files = await readdir(join(directory, 'mail'));
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(new RegExp(`^\\d{4}-\\d{2}-\\d{2}T[\\d-]+Z-${story.id}\\.\\d+\\.rule-8@test\\.airlock\\.eml$`));
    const raw = await readFile(join(directory, 'mail', files[0]), 'utf8');
    expect(raw).toContain('\r\n');
    const mail = parseMail(raw);
    expect(mail.to).toEqual(['rita@example.org', OWNER, MANAGER_ADDRESS]);
    expect(mail.subject).toBe('Airlock: export request "Cohort export" was blocked by the file checks');
    expect(mail.headers.from).toBe('airlock@example.org');
    expect(mail.text).toContain(`Reason:    ${verdict}`);
    expect(mail.text).toContain(story.link);
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
});

// ---- rules files --------------------------------------------------------------------------------

describe('a configured rules file', () => {
  let directory: string;
  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'airlock-rules-'));
  });
  afterAll(() => rm(directory, { recursive: true, force: true }));

  const useRulesFile = (rulesFile: string) =>
    withDependencies((deps) => ({ config: { ...deps.config, notifications: { ...deps.config.notifications, rulesFile } } }));

  test('replaces the built-in rules', async () => {
    const rulesFile = join(directory, 'desk.json');
    await writeFile(
      rulesFile,
      JSON.stringify({
        rules: [{ when: { type: 'Airlock.Request.StatusChanged', status: ['cancelled'] }, notify: [{ address: 'desk@example.org' }, 'requester'], template: 'cancelled' }],
        templates: { cancelled: { subject: '[{{workspaceId}}] {{title}} cancelled', text: ['{{requester.name}} cancelled {{requestId}}.', '{{requestUrl}}'] } },
      }),
    );
    useRulesFile(rulesFile);
    const story = new RequestStory('import', RITA).cancel();
    await deliver(story.events);
    expect(sent()).toEqual([{ to: ['desk@example.org', 'rita@example.org'], subject: '[ws01] Cohort import cancelled' }]);
    expect(sink.mails[0].text).toBe(`Rita Researcher cancelled ${story.id}.\n${story.link}`);
  });

  test('that is not valid stops the notifier with the validator’s message, at start-up and at every event', async () => {
    const rulesFile = join(directory, 'broken.json');
    await writeFile(rulesFile, JSON.stringify({ rules: [{ when: { type: 'Airlock.Request.StatusChanged' }, notify: ['owners'], template: 't' }], templates: { t: { subject: 's', text: 't' } } }));
    useRulesFile(rulesFile);
    const message = `notification rules file '${rulesFile}': rules[0].notify[0] must be one of: requester, workspaceOwners, airlockManagers, or {"address": "someone@example.org"}`;

    const { config } = await getDependencies();
    expect(() => validateNotificationRulesAtStartup(config)).toThrow(message);
    await expect(deliver(new RequestStory('import', RITA).cancel().events.slice(-1))).rejects.toThrow(message);
    expect(sent()).toEqual([]);
  });
});
