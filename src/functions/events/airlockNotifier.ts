/**
 * The notifier: the airlock's own CloudEvents (one per audited change of a request) turned into
 * mail by the notification rules. In Azure an Event Grid subscription on the airlock's topic, with
 * the CloudEvents 1.0 schema, delivers them to this trigger; the local host delivers them the same
 * way (src/local/eventGridDelivery.ts).
 *
 * Each rule an event matches becomes one mail, to the rule's recipients that have an address: a
 * person without one is skipped and logged, never an error (the seed: "notifications will not be
 * sent" to users without an email). A failed send fails the invocation, so Event Grid delivers the
 * event again; the message id is the event id and the rule's index, the same at every retry, so a
 * repeated mail is recognisable, and mails this process already sent are not sent twice.
 */
import { app, InvocationContext } from '@azure/functions';
import { readFileSync } from 'node:fs';
import { AirlockConfig, loadConfig } from '../../config';
import { AirlockCloudEvent } from '../../domain/airlockEvents';
import { DependencyError, NotFoundError, ValidationError } from '../../domain/errors';
import {
  needsWorkspaceAddresses,
  NotificationRules,
  parseNotificationRules,
  placeholderValuesOf,
  recipientsAndTemplatesFor,
  renderTemplate,
  requestUrlOf,
  resolveRecipients,
  RuleMatch,
} from '../../domain/notificationRules';
import { Dependencies, getDependencies } from '../../infra/dependencies';
import defaultRules from '../../notifications/defaultRules.json';
import { airlockSettingsOf } from '../airlockSettings';
import { errorText } from '../../domain/errorText';

export async function airlockNotifier(delivered: unknown, context: InvocationContext): Promise<void> {
  const event = readAirlockEvent(delivered);
  if (typeof event === 'string') {
    // Delivering a malformed event again cannot repair it, so it is dropped with a trace.
    context.warn(`ignoring event: ${event}`);
    return;
  }
  const deps = await getDependencies();
  const matches = recipientsAndTemplatesFor(event, notificationRulesFor(deps.config));
  if (matches.length === 0) return;

  const workspaceAddresses = matches.some((match) => needsWorkspaceAddresses(match.notify))
    ? await workspaceAddressesOf(deps, event.data.workspaceId, context)
    : undefined;
  const values = placeholderValuesOf(event, requestUrlOf(deps.config.notifications.requestUrlTemplate, event.data.workspaceId, event.data.requestId));

  const failures: string[] = [];
  for (const match of matches) {
    const rule = `rules[${match.ruleIndex}] (${match.templateName})`;
    const { addresses, skipped } = resolveRecipients(match.notify, { requester: event.data.requester, workspaceAddresses });
    for (const reason of skipped) context.warn(`event ${event.id}, ${rule}: not notifying ${reason}`);
    if (addresses.length === 0) {
      context.warn(`event ${event.id}, ${rule}: no recipient has an email address; no mail sent`);
      continue;
    }
    const messageId = messageIdOf(event.id, match, deps.config.deploymentId);
    if (recentlySent.has(messageId)) {
      context.log(`event ${event.id}, ${rule}: already sent as ${messageId}`);
      continue;
    }
    try {
      await deps.mailer.send({ to: addresses, ...renderTemplate(match.template, values), messageId });
      remember(messageId);
      // Counts, not addresses: logs travel further than mail.
      context.log(`event ${event.id}, ${rule}: mail ${messageId} sent to ${addresses.length} recipient${addresses.length === 1 ? '' : 's'}`);
    } catch (error) {
      context.error(`event ${event.id}, ${rule}: sending mail ${messageId} failed: ${errorText(error)}`);
      failures.push(`${rule}: ${errorText(error)}`);
    }
  }
  if (failures.length) throw new DependencyError(`notifications of event ${event.id} not sent (${failures.join('; ')}); deliver the event again`);
}

// ---- the rules ----

/**
 * Read once per process and file: a rules file is deployment configuration, not something that
 * changes under a running app. Only a valid file is kept, so a broken one is read again at the next
 * event and a repaired file takes effect without a restart.
 */
const loadedRules = new Map<string, NotificationRules>();

function notificationRulesFor(config: AirlockConfig): NotificationRules {
  const file = config.notifications.rulesFile;
  let rules = loadedRules.get(file ?? '');
  if (!rules) {
    rules = readNotificationRules(file);
    loadedRules.set(file ?? '', rules);
  }
  return rules;
}

/** The configured rules file (a path on the app's file system), else the built-in rules; an invalid file throws the validator's message. */
function readNotificationRules(file: string | undefined): NotificationRules {
  if (file === undefined) return parseNotificationRules(defaultRules, 'the built-in notification rules');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ValidationError(`notification rules file '${file}' (AIRLOCK_NOTIFICATION_RULES) cannot be read: ${errorText(error)}`);
  }
  return parseNotificationRules(text, `notification rules file '${file}'`);
}

/**
 * Reads and checks the notification rules now, so a broken rules file is reported when the app
 * starts rather than at the first event. The local host calls it and stops on the error.
 */
export function validateNotificationRulesAtStartup(config: AirlockConfig = loadConfig()): NotificationRules {
  return notificationRulesFor(config);
}

// In Azure the worker's start is the earliest moment. It is reported there, not thrown: one bad
// rules file should silence the notifier (whose events Event Grid keeps retrying), not the API.
app.hook.appStart(() => {
  try {
    validateNotificationRulesAtStartup();
  } catch (error) {
    console.error(`airlockNotifier: ${errorText(error)}`);
  }
});

// ---- the event ----

/** The delivered event checked to be one of ours with the fields the rules read; a string says what is wrong. */
function readAirlockEvent(delivered: unknown): AirlockCloudEvent | string {
  if (typeof delivered !== 'object' || delivered === null) return 'it is not an object';
  const event = delivered as Record<string, unknown>;
  const id = typeof event.id === 'string' ? event.id : undefined;
  if (!id) return 'it has no id';
  if (typeof event.type !== 'string' || !event.type.startsWith('Airlock.Request.')) return `event ${id}: type '${String(event.type)}' is not an airlock request event`;
  const data: unknown = typeof event.data === 'string' ? parseJsonOrUndefined(event.data) : event.data;
  if (typeof data !== 'object' || data === null) return `event ${id}: it has no data`;
  const fields = data as Record<string, unknown>;
  for (const field of ['requestId', 'workspaceId', 'status', 'title', 'requestType'] as const) {
    if (typeof fields[field] !== 'string') return `event ${id}: data.${field} is missing`;
  }
  const requester = fields.requester as { name?: unknown } | undefined;
  if (typeof requester !== 'object' || requester === null || typeof requester.name !== 'string') return `event ${id}: data.requester is missing`;
  const files = Array.isArray(fields.files) ? fields.files : [];
  return { ...(event as unknown as AirlockCloudEvent), data: { ...(data as AirlockCloudEvent['data']), files } };
}

function parseJsonOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

// ---- recipients and mail ----

/** The workspace's notificationAddresses; undefined (and said) when the workspace is unknown. A store outage throws: a retry may succeed. */
async function workspaceAddressesOf(deps: Dependencies, workspaceId: string, context: InvocationContext): Promise<readonly string[] | undefined> {
  try {
    return (await airlockSettingsOf(deps, workspaceId)).notificationAddresses;
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error;
    context.warn(`workspace '${workspaceId}' is not in the registry: its owners and airlock managers are not notified`);
    return undefined;
  }
}

/** `<requestId>.<seq>.rule-<n>@<deployment>.airlock`: one per event and rule, whatever the retry. */
function messageIdOf(eventId: string, match: RuleMatch, deploymentId: string): string {
  const atom = (text: string) => text.replace(/[^A-Za-z0-9-]+/g, '.').replace(/^\.+|\.+$/g, '') || 'x';
  return `${atom(eventId)}.rule-${match.ruleIndex}@${atom(deploymentId)}.airlock`;
}

/** Mails this process sent, so an event delivered again after a partial failure sends only what is missing. */
const recentlySent = new Set<string>();
const RECENTLY_SENT_LIMIT = 5_000;

function remember(messageId: string): void {
  recentlySent.add(messageId);
  // A Set iterates in insertion order: the oldest go first.
  for (const oldest of recentlySent) {
    if (recentlySent.size <= RECENTLY_SENT_LIMIT) break;
    recentlySent.delete(oldest);
  }
}

app.eventGrid<unknown>('airlockNotifier', { handler: airlockNotifier });
