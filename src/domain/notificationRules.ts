/**
 * The notifier's rules: which airlock events mail whom, with which words. Data, not code, so an
 * organisation can change who hears about what by editing a JSON file (AIRLOCK_NOTIFICATION_RULES);
 * the built-in rules are src/notifications/defaultRules.json. A rules file is checked whole when it
 * is read (the schema, every template a rule names, every placeholder a template uses), so a typo
 * stops the notifier with a message naming the rule and the field instead of mailing nonsense.
 *
 * Recipients:
 *  - `requester`: the person who created the request (the email their token carried);
 *  - `workspaceOwners` and `airlockManagers`: both are the workspace's `notificationAddresses`
 *    (its airlock settings). The airlock keeps no directory of users, so it cannot tell owners from
 *    managers: the addresses an administrator lists are the people who govern the workspace, and
 *    both kinds reach them. The two names stay distinct so rules read as the process they describe;
 *  - `{ "address": "..." }`: a fixed address, e.g. a shared mailbox.
 *
 * Pure: the notifier function reads the file, looks the workspace up and sends the mail.
 */
import Ajv, { ErrorObject } from 'ajv';
import { AIRLOCK_EVENT_TYPES, AirlockCloudEvent, AirlockEventType } from './airlockEvents';
import { ValidationError } from './errors';
import { describeSchemaError } from './schemas';
import { REQUEST_STATUSES, RequestStatus } from './status';
import { errorText } from './errorText';

export const RECIPIENT_KINDS = ['requester', 'workspaceOwners', 'airlockManagers'] as const;
export type RecipientKind = (typeof RECIPIENT_KINDS)[number];
export type Recipient = RecipientKind | { address: string };

export interface NotificationRule {
  /** says what the rule is for; ignored by the notifier */
  description?: string;
  when: {
    type: AirlockEventType;
    /** the request's status after the event; absent: any status */
    status?: RequestStatus[];
  };
  notify: Recipient[];
  /** a key of `templates` */
  template: string;
}

export interface MailTemplate {
  subject: string;
  /** lines joined with '\n' (a rules file may give them as an array, which JSON makes far easier to read) */
  text: string;
}

export interface NotificationRules {
  rules: NotificationRule[];
  templates: Record<string, MailTemplate>;
}

/** What a template may say about the event. `files` renders as one "name  sha256" line per file. */
export const PLACEHOLDERS = [
  'title',
  'requestId',
  'workspaceId',
  'requestType',
  'status',
  'previousStatus',
  'reason',
  'actor.name',
  'requester.name',
  'files',
  'requestUrl',
] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];

/** The same deliberately simple test as the workspace settings' notificationAddresses. */
const EMAIL_PATTERN = '^[^\\s@]+@[^\\s@]+\\.[^\\s@]+$';
const EMAIL = new RegExp(EMAIL_PATTERN);
const PLACEHOLDER_TOKEN = /\{\{(.*?)\}\}/g;

export function isEmailAddress(value: string | undefined): value is string {
  return value !== undefined && value.length <= 254 && EMAIL.test(value);
}

// ---- the schema ----

const nonEmptyString = { type: 'string', minLength: 1 } as const;

const rulesSchema = {
  type: 'object',
  required: ['rules', 'templates'],
  properties: {
    description: { type: 'string' },
    rules: {
      type: 'array',
      items: {
        type: 'object',
        required: ['when', 'notify', 'template'],
        properties: {
          description: { type: 'string' },
          when: {
            type: 'object',
            required: ['type'],
            properties: {
              type: { enum: Object.values(AIRLOCK_EVENT_TYPES) },
              status: { type: 'array', items: { enum: REQUEST_STATUSES }, minItems: 1, uniqueItems: true },
            },
            additionalProperties: false,
          },
          notify: {
            type: 'array',
            minItems: 1,
            items: {
              if: { type: 'string' },
              then: { enum: RECIPIENT_KINDS },
              else: {
                type: 'object',
                required: ['address'],
                properties: { address: { type: 'string', maxLength: 254, pattern: EMAIL_PATTERN } },
                additionalProperties: false,
              },
            },
          },
          template: nonEmptyString,
        },
        additionalProperties: false,
      },
    },
    templates: {
      type: 'object',
      additionalProperties: {
        type: 'object',
        required: ['subject', 'text'],
        properties: {
          subject: nonEmptyString,
          text: { anyOf: [nonEmptyString, { type: 'array', items: { type: 'string' }, minItems: 1 }] },
        },
        additionalProperties: false,
      },
    },
  },
  additionalProperties: false,
};

type RulesFile = Omit<NotificationRules, 'templates'> & { templates: Record<string, { subject: string; text: string | string[] }> };

const validateRulesFile = new Ajv({ allErrors: false, strictTypes: false }).compile<RulesFile>(rulesSchema);

/** `/rules/2/notify/0` → `rules[2].notify[0]`: how a person finds the spot in the file. */
function fieldPath(instancePath: string): string {
  return instancePath
    .split('/')
    .slice(1)
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((path, segment) => (/^\d+$/.test(segment) ? `${path}[${segment}]` : path ? `${path}.${segment}` : segment), '');
}

function describeRulesError(error: ErrorObject): string {
  const field = fieldPath(error.instancePath) || 'the rules file';
  if (error.keyword === 'pattern' && error.params.pattern === EMAIL_PATTERN) return `${field} is not an email address`;
  if (error.keyword === 'enum' && /\.notify\[\d+\]$/.test(field)) {
    return `${field} must be one of: ${RECIPIENT_KINDS.join(', ')}, or {"address": "someone@example.org"}`;
  }
  // The whole path is the "where", so `required` names the object the field is missing from.
  return describeSchemaError({ ...error, instancePath: '' }, field);
}

/**
 * A rules file (parsed JSON, or its text) checked whole; the first problem is thrown as a
 * ValidationError naming the rule (`rules[3]`) or template and the field. `source` names the file
 * in the message.
 */
export function parseNotificationRules(json: unknown, source = 'notification rules'): NotificationRules {
  const invalid = (problem: string) => new ValidationError(`${source}: ${problem}`);
  const document = typeof json === 'string' ? parseJsonText(json, invalid) : json;
  if (!validateRulesFile(document)) throw invalid(describeRulesError(validateRulesFile.errors![0]));

  const templates: Record<string, MailTemplate> = {};
  for (const [name, template] of Object.entries(document.templates)) {
    templates[name] = { subject: template.subject, text: Array.isArray(template.text) ? template.text.join('\n') : template.text };
  }
  const templateNames = Object.keys(templates);
  document.rules.forEach((rule, index) => {
    if (!Object.hasOwn(templates, rule.template)) {
      throw invalid(`rules[${index}].template '${rule.template}' is not one of the templates (${templateNames.join(', ') || 'there are none'})`);
    }
  });
  for (const [name, template] of Object.entries(templates)) {
    for (const part of ['subject', 'text'] as const) {
      const unknown = placeholdersIn(template[part]).find((placeholder) => !isPlaceholder(placeholder));
      if (unknown === undefined) continue;
      const users = document.rules.flatMap((rule, index) => (rule.template === name ? [`rules[${index}]`] : []));
      throw invalid(
        `templates.${name}.${part}: {{${unknown}}} is not a known placeholder` +
          `${users.length ? ` (template of ${users.join(', ')})` : ''}; known: ${PLACEHOLDERS.join(', ')}`,
      );
    }
  }
  const rules = document.rules.map((rule) => ({
    ...rule,
    when: { ...rule.when, ...(rule.when.status ? { status: [...rule.when.status] } : {}) },
    notify: rule.notify.map((recipient) => (typeof recipient === 'string' ? recipient : { address: recipient.address })),
  }));
  return { rules, templates };
}

function parseJsonText(text: string, invalid: (problem: string) => ValidationError): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw invalid(`not valid JSON: ${errorText(error)}`);
  }
}

function placeholdersIn(text: string): string[] {
  return [...text.matchAll(PLACEHOLDER_TOKEN)].map((match) => match[1].trim());
}

function isPlaceholder(name: string): name is Placeholder {
  return (PLACEHOLDERS as readonly string[]).includes(name);
}

// ---- matching ----

export interface RuleMatch {
  /** the rule's position in the file: part of the mail's message id, and how logs name the rule */
  ruleIndex: number;
  notify: Recipient[];
  templateName: string;
  template: MailTemplate;
}

/** Every rule the event matches, in file order; each becomes one mail. */
export function recipientsAndTemplatesFor(event: Pick<AirlockCloudEvent, 'type' | 'data'>, rules: NotificationRules): RuleMatch[] {
  return rules.rules.flatMap((rule, ruleIndex) => {
    if (rule.when.type !== event.type) return [];
    if (rule.when.status && !rule.when.status.includes(event.data.status)) return [];
    return [{ ruleIndex, notify: rule.notify, templateName: rule.template, template: rules.templates[rule.template] }];
  });
}

// ---- recipients ----

export interface RecipientDirectory {
  requester: { name: string; email?: string };
  /** the workspace's notificationAddresses; undefined when they could not be read */
  workspaceAddresses?: readonly string[];
}

export interface ResolvedRecipients {
  /** distinct addresses (compared without regard to case), in the order the rule names them */
  addresses: string[];
  /** who could not be mailed, and why: logged by the notifier, never an error */
  skipped: string[];
}

export function resolveRecipients(notify: readonly Recipient[], directory: RecipientDirectory): ResolvedRecipients {
  const addresses: string[] = [];
  const skipped: string[] = [];
  const add = (address: string) => {
    if (!addresses.some((known) => known.toLowerCase() === address.toLowerCase())) addresses.push(address);
  };
  for (const recipient of notify) {
    if (typeof recipient !== 'string') add(recipient.address);
    else if (recipient === 'requester') {
      const email = directory.requester.email?.trim();
      if (isEmailAddress(email)) add(email);
      else skipped.push(`requester ${directory.requester.name}: ${email ? `'${email}' is not an email address` : 'no email address'}`);
    } else if (directory.workspaceAddresses === undefined) skipped.push(`${recipient}: the workspace's notification addresses are unknown`);
    else if (directory.workspaceAddresses.length === 0) skipped.push(`${recipient}: the workspace lists no notification addresses`);
    else directory.workspaceAddresses.forEach(add);
  }
  return { addresses, skipped };
}

/** Whether a rule reaches people through the workspace's settings, so the notifier must look them up. */
export function needsWorkspaceAddresses(notify: readonly Recipient[]): boolean {
  return notify.some((recipient) => recipient === 'workspaceOwners' || recipient === 'airlockManagers');
}

// ---- rendering ----

/** Where a person opens the request: the configured template (e.g. the TRE portal), else the airlock's own API. */
export function requestUrlOf(urlTemplate: string | undefined, workspaceId: string, requestId: string): string {
  if (!urlTemplate) return `/api/workspaces/${encodeURIComponent(workspaceId)}/requests/${encodeURIComponent(requestId)}`;
  return urlTemplate.replace(/\{workspaceId\}/g, encodeURIComponent(workspaceId)).replace(/\{requestId\}/g, encodeURIComponent(requestId));
}

/** A placeholder's text; undefined when the event has nothing to say (no reason, no previous status, no files). */
export function placeholderValuesOf(event: Pick<AirlockCloudEvent, 'data'>, requestUrl: string): Record<Placeholder, string | undefined> {
  const { data } = event;
  const present = (value: string | null | undefined) => (value === null || value === undefined || value.trim() === '' ? undefined : value);
  const files = data.files.map((file) => (file.sha256 ? `${file.name}  ${file.sha256}` : file.name)).join('\n');
  return {
    title: data.title,
    requestId: data.requestId,
    workspaceId: data.workspaceId,
    requestType: data.requestType,
    status: data.status,
    previousStatus: present(data.previousStatus),
    reason: present(data.reason),
    'actor.name': present(data.actor?.name),
    'requester.name': present(data.requester?.name),
    files: present(files),
    requestUrl,
  };
}

/**
 * The mail a template makes of the values. In the text, a line whose placeholder has no value is
 * left out, so "Reason: {{reason}}" appears only when there is a reason and no mail says
 * "Reason: null". The subject is one line: an absent value is left empty, line breaks become spaces.
 */
export function renderTemplate(template: MailTemplate, values: Record<Placeholder, string | undefined>): { subject: string; text: string } {
  const fill = (text: string) => text.replace(PLACEHOLDER_TOKEN, (_token, name: string) => values[name.trim() as Placeholder] ?? '');
  const subject = fill(template.subject).replace(/\s+/g, ' ').trim();
  const text = template.text
    .split('\n')
    .filter((line) => placeholdersIn(line).every((name) => values[name as Placeholder] !== undefined))
    .map(fill)
    .join('\n');
  return { subject, text };
}
