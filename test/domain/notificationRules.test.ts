import { AIRLOCK_EVENT_TYPES, AirlockCloudEvent, AirlockEventData, AirlockEventType } from '../../src/domain/airlockEvents';
import { ValidationError } from '../../src/domain/errors';
import {
  NotificationRules,
  parseNotificationRules,
  placeholderValuesOf,
  Recipient,
  recipientsAndTemplatesFor,
  renderTemplate,
  requestUrlOf,
  resolveRecipients,
} from '../../src/domain/notificationRules';
import { RequestStatus } from '../../src/domain/status';
import defaultRulesFile from '../../src/notifications/defaultRules.json';

const STATUS_CHANGED = AIRLOCK_EVENT_TYPES['status.changed'];
const REQUESTER = { id: 'user-rita', name: 'Rita Researcher', email: 'rita@example.org' };

function eventOf(type: AirlockEventType, status: RequestStatus, data: Partial<AirlockEventData> = {}): AirlockCloudEvent {
  return {
    id: 'req-1:4',
    source: '/airlock/test',
    type,
    subject: 'workspaces/ws01/requests/req-1',
    time: '2025-01-01T00:00:00.000Z',
    datacontenttype: 'application/json',
    data: {
      requestId: 'req-1',
      workspaceId: 'ws01',
      requestType: 'export',
      title: 'Cohort extract',
      status,
      previousStatus: null,
      reason: null,
      actor: REQUESTER,
      requester: REQUESTER,
      auditSeq: 4,
      files: [],
      detail: null,
      ...data,
    },
  };
}

/** A minimal valid rules file; each invalid case below breaks one thing in it. */
function validFile(): { rules: Record<string, unknown>[]; templates: Record<string, unknown> } {
  return {
    rules: [
      { when: { type: STATUS_CHANGED, status: ['approved'] }, notify: ['requester'], template: 'approved' },
      { when: { type: STATUS_CHANGED, status: ['in_review'] }, notify: ['airlockManagers', { address: 'desk@example.org' }], template: 'review' },
    ],
    templates: {
      approved: { subject: 'Approved: {{title}}', text: 'Hello {{requester.name}}\nReason: {{reason}}\n{{requestUrl}}' },
      review: { subject: 'Review {{title}}', text: ['Please review {{ title }}', '{{requestUrl}}'] },
    },
  };
}

function problemOf(file: unknown): string {
  try {
    parseNotificationRules(file);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).message;
  }
  throw new Error('the rules file was accepted');
}

describe('the default rules', () => {
  const rules = parseNotificationRules(defaultRulesFile, 'the built-in notification rules');
  const matchesOf = (type: AirlockEventType, status: RequestStatus) =>
    recipientsAndTemplatesFor(eventOf(type, status), rules).map(({ notify, templateName }) => ({ notify, templateName }));

  test('parse', () => {
    expect(rules.rules.length).toBeGreaterThan(0);
    expect(Object.keys(rules.templates)).toEqual(expect.arrayContaining(rules.rules.map((rule) => rule.template)));
  });

  test.each<[string, AirlockEventType, RequestStatus, Recipient[], string]>([
    ['draft (created)', AIRLOCK_EVENT_TYPES['request.created'], 'draft', ['requester'], 'requestCreated'],
    ['submitted', STATUS_CHANGED, 'submitted', ['requester'], 'requestSubmitted'],
    ['review needed', STATUS_CHANGED, 'in_review', ['airlockManagers'], 'reviewNeeded'],
    ['approval in progress', STATUS_CHANGED, 'approval_in_progress', ['requester'], 'approvalInProgress'],
    ['rejection in progress', STATUS_CHANGED, 'rejection_in_progress', ['requester'], 'rejectionInProgress'],
    ['approved', STATUS_CHANGED, 'approved', ['requester'], 'approved'],
    ['rejected', STATUS_CHANGED, 'rejected', ['requester'], 'rejected'],
    ['blocked (requester and workspace owners)', STATUS_CHANGED, 'blocked_by_scan', ['requester', 'workspaceOwners'], 'blockedByScan'],
    ['cancelled', STATUS_CHANGED, 'cancelled', ['requester'], 'cancelled'],
    ['failed', STATUS_CHANGED, 'failed', ['requester'], 'failed'],
    ['revoked', STATUS_CHANGED, 'revoked', ['requester'], 'revoked'],
    ['changes requested', STATUS_CHANGED, 'changes_requested', ['requester'], 'changesRequested'],
  ])('%s: one mail, from one rule', (_name, type, status, notify, templateName) => {
    expect(matchesOf(type, status)).toEqual([{ notify, templateName }]);
  });

  test.each<[AirlockEventType, RequestStatus]>([
    [STATUS_CHANGED, 'blocking_in_progress'],
    [AIRLOCK_EVENT_TYPES['review.recorded'], 'rejection_in_progress'],
    [AIRLOCK_EVENT_TYPES['files.recorded'], 'submitted'],
    [AIRLOCK_EVENT_TYPES['link.issued'], 'approved'],
    [AIRLOCK_EVENT_TYPES['data.moved'], 'approved'],
  ])('%s to %s mails nobody (the status change that goes with it does)', (type, status) => {
    expect(matchesOf(type, status)).toEqual([]);
  });

  test('every template says the reason when there is one, and links the request', () => {
    const values = placeholderValuesOf(eventOf(STATUS_CHANGED, 'rejected', { reason: 'Rejected: contains names' }), 'https://portal.example.org/r/req-1');
    for (const [name, template] of Object.entries(rules.templates)) {
      const { text } = renderTemplate(template, values);
      expect({ name, reason: text.includes('Rejected: contains names'), link: text.includes('https://portal.example.org/r/req-1') }).toEqual({ name, reason: true, link: true });
    }
  });
});

describe('invalid rules files name the rule and the field', () => {
  test('an unknown recipient kind', () => {
    const file = validFile();
    file.rules[1].notify = ['airlockManagers', 'everyone'];
    expect(problemOf(file)).toBe(
      'notification rules: rules[1].notify[1] must be one of: requester, workspaceOwners, airlockManagers, or {"address": "someone@example.org"}',
    );
  });

  test('an unknown template', () => {
    const file = validFile();
    file.rules[0].template = 'aproved';
    expect(problemOf(file)).toBe("notification rules: rules[0].template 'aproved' is not one of the templates (approved, review)");
  });

  test('an unknown placeholder, with the rules that use the template', () => {
    const file = validFile();
    file.templates.approved = { subject: 'Approved', text: 'Verdict: {{verdict}}' };
    expect(problemOf(file)).toMatch(/^notification rules: templates\.approved\.text: \{\{verdict\}\} is not a known placeholder \(template of rules\[0\]\); known: title, /);
  });

  test('an unknown placeholder in a subject', () => {
    const file = validFile();
    file.templates.review = { subject: 'Review {{request.title}}', text: 'x' };
    expect(problemOf(file)).toMatch(/^notification rules: templates\.review\.subject: \{\{request\.title\}\} is not a known placeholder \(template of rules\[1\]\)/);
  });

  test('a bad fixed address', () => {
    const file = validFile();
    file.rules[1].notify = [{ address: 'desk at example.org' }];
    expect(problemOf(file)).toBe('notification rules: rules[1].notify[0].address is not an email address');
  });

  test('a missing when.type', () => {
    const file = validFile();
    file.rules[1].when = { status: ['in_review'] };
    expect(problemOf(file)).toBe('notification rules: rules[1].when.type is required');
  });

  test('an event type the airlock does not publish', () => {
    const file = validFile();
    file.rules[0].when = { type: 'Airlock.Request.Approved' };
    expect(problemOf(file)).toMatch(/^notification rules: rules\[0\]\.when\.type must be one of: Airlock\.Request\.Created, /);
  });

  test('an unknown status', () => {
    const file = validFile();
    file.rules[0].when = { type: STATUS_CHANGED, status: ['done'] };
    expect(problemOf(file)).toMatch(/^notification rules: rules\[0\]\.when\.status\[0\] must be one of: draft, /);
  });

  test('a misspelt field', () => {
    const file = validFile();
    file.rules[0] = { ...file.rules[0], recipients: ['requester'] };
    expect(problemOf(file)).toBe('notification rules: rules[0].recipients is not a known field');
  });

  test('text that is not JSON, named by its source', () => {
    expect(() => parseNotificationRules('{ rules: ', "notification rules file '/etc/rules.json'")).toThrow(
      /^notification rules file '\/etc\/rules\.json': not valid JSON/,
    );
  });

  test('a valid file is accepted, text given as lines joined', () => {
    const rules: NotificationRules = parseNotificationRules(JSON.stringify(validFile()));
    expect(rules.templates.review.text).toBe('Please review {{ title }}\n{{requestUrl}}');
    expect(rules.rules[1].notify).toEqual(['airlockManagers', { address: 'desk@example.org' }]);
  });
});

describe('rendering', () => {
  const template = {
    subject: 'Airlock: {{title}} is {{status}} {{reason}}',
    text: ['Hello {{requester.name}},', 'Reason: {{reason}}', 'Was: {{previousStatus}}', 'Files:', '{{files}}', 'By {{actor.name}}: {{requestUrl}}'].join('\n'),
  };

  test('a line whose placeholder has no value is left out; the subject keeps one line', () => {
    const event = eventOf(STATUS_CHANGED, 'cancelled', { title: 'Two\nlines' });
    expect(renderTemplate(template, placeholderValuesOf(event, '/r'))).toEqual({
      subject: 'Airlock: Two lines is cancelled',
      text: 'Hello Rita Researcher,\nFiles:\nBy Rita Researcher: /r',
    });
  });

  test('files render as "name  sha256" lines', () => {
    const sha = 'a'.repeat(64);
    const event = eventOf(STATUS_CHANGED, 'approved', {
      previousStatus: 'approval_in_progress',
      reason: 'ok',
      files: [{ name: 'data.csv', sha256: sha }, { name: 'notes.txt' }],
    });
    expect(renderTemplate(template, placeholderValuesOf(event, '/r')).text).toBe(
      `Hello Rita Researcher,\nReason: ok\nWas: approval_in_progress\nFiles:\ndata.csv  ${sha}\nnotes.txt\nBy Rita Researcher: /r`,
    );
  });

  test('the request link: the configured template, else the API path', () => {
    expect(requestUrlOf('https://portal.example.org/workspaces/{workspaceId}/airlock/{requestId}', 'ws01', 'a b')).toBe(
      'https://portal.example.org/workspaces/ws01/airlock/a%20b',
    );
    expect(requestUrlOf(undefined, 'ws01', 'req-1')).toBe('/api/workspaces/ws01/requests/req-1');
  });
});

describe('recipients', () => {
  test('distinct addresses, in the order named; owners and managers are both the workspace addresses', () => {
    const resolved = resolveRecipients(['requester', 'workspaceOwners', 'airlockManagers', { address: 'Owner@Example.org' }], {
      requester: REQUESTER,
      workspaceAddresses: ['owner@example.org', 'rita@example.org'],
    });
    expect(resolved).toEqual({ addresses: ['rita@example.org', 'owner@example.org'], skipped: [] });
  });

  test('a requester without an email address is skipped, with the reason', () => {
    expect(resolveRecipients(['requester', { address: 'desk@example.org' }], { requester: { name: 'Nemo' } })).toEqual({
      addresses: ['desk@example.org'],
      skipped: ['requester Nemo: no email address'],
    });
    expect(resolveRecipients(['requester'], { requester: { name: 'Nemo', email: 'nemo' } }).skipped).toEqual(["requester Nemo: 'nemo' is not an email address"]);
  });

  test('a workspace without notification addresses reaches no owner', () => {
    expect(resolveRecipients(['workspaceOwners'], { requester: REQUESTER, workspaceAddresses: [] })).toEqual({
      addresses: [],
      skipped: ['workspaceOwners: the workspace lists no notification addresses'],
    });
  });
});
