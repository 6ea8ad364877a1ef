/**
 * The local host's stand-in for the airlock's Event Grid custom topic (CloudEvents 1.0 schema):
 * `POST /runtime/eventgrid/topics/airlock-events`, authenticated with `aeg-sas-key` as a topic's
 * access key is, answered 200 once the events are accepted: with a directory, written to its journal
 * on disk (eventJournal.ts), so an accepted event is delivered even if the host dies first, as Event
 * Grid keeps what it accepted. Its event subscriptions are delivered in the background, as Event
 * Grid delivers them:
 *
 * - the eventGrid-trigger functions named in LOCAL_EVENT_SUBSCRIBERS, through this host's own
 *   `/runtime/webhooks/eventgrid` endpoint (eventGridDelivery.ts), so they run exactly as any
 *   delivered event runs them; like Azure's `azurefunction` endpoint type, without a handshake;
 * - every URL in AIRLOCK_WEBHOOKS, after the CloudEvents validation handshake (OPTIONS with
 *   `WebHook-Request-Origin`); an endpoint that fails it gets nothing.
 *
 * One event per POST (`application/cloudevents+json`, Event Grid's default batch size), in publish
 * order per subscription, retried with exponential backoff on failure; a subscription that is
 * retrying holds up only itself. Delivery is at least once: a receiver that failed after acting on
 * an event gets it again, with the same id.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { EVENT_GRID_WEBHOOK_PATH } from './eventGridDelivery';
import { EventJournal } from './eventJournal';
import { Registration } from './functionsCore';
import type { ExtraRoute, ExtraRouteResult } from './extraRoute';
import { formatLogLine, LocalLog } from './localLog';

export const LOCAL_EVENT_TOPIC_PATH = '/runtime/eventgrid/topics/airlock-events';

/** The eventGrid-trigger functions subscribed to the local topic; names not registered are ignored. */
export const LOCAL_EVENT_SUBSCRIBERS: readonly string[] = ['airlockNotifier'];

/** What Event Grid sends in the handshake, and what the endpoint must allow (or `*`). */
export const EVENT_GRID_WEBHOOK_ORIGIN = 'eventgrid.azure.net';

/** Event Grid's limit on one publish request. */
const MAX_PUBLISH_BYTES = 1024 * 1024;
const BATCH_MEDIA_TYPE = 'application/cloudevents-batch+json';
const SINGLE_MEDIA_TYPE = 'application/cloudevents+json';
/** Event Grid's no-retry answers from a webhook: the event is dead-lettered (here: dropped) at once. */
const NOT_RETRIED_STATUSES = new Set([400, 401, 403, 413]);

export interface DeliveryPolicy {
  /** The wait after the first failed attempt; it doubles after each further one. */
  firstRetryDelayMs: number;
  maxRetryDelayMs: number;
  /** Attempts per event (and per handshake) before it is given up. */
  maxAttempts: number;
  /** Event Grid waits 30 s for an answer. */
  attemptTimeoutMs: number;
}

/** 1, 2, 4, 8, 16, 30, 30 s between 8 attempts: given up about 1.5 minutes after the first. */
export const DEFAULT_DELIVERY_POLICY: DeliveryPolicy = { firstRetryDelayMs: 1_000, maxRetryDelayMs: 30_000, maxAttempts: 8, attemptTimeoutMs: 30_000 };

export interface LocalEventTopicOptions {
  /** The topic's access key, expected in `aeg-sas-key`. */
  key: string;
  log: LocalLog;
  delivery?: Partial<DeliveryPolicy>;
  /** Events waiting per subscription; beyond it newly published events are dropped for that subscription. */
  queueLimit?: number;
  /** Where accepted events are kept until every subscription has taken them; without it, in memory only. */
  directory?: string;
}

export interface EventSubscription {
  /** For logs and the `aeg-subscription-name` header. */
  name: string;
  endpoint: string;
  /** Whether the endpoint must pass the CloudEvents validation handshake before it gets events. */
  validate: boolean;
}

/** A CloudEvent as published, fields as sent; only the required attributes are checked. */
type PublishedEvent = Record<string, unknown> & { id: string };

/** An event and its place in the topic's journal. */
interface QueuedEvent {
  event: PublishedEvent;
  position: number;
}

class BadPublish extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export class LocalEventTopic {
  readonly routes: ExtraRoute[];
  private readonly policy: DeliveryPolicy;
  private readonly queueLimit: number;
  private readonly subscriptions: SubscriptionDelivery[] = [];
  private readonly closing = new AbortController();
  private journal = EventJournal.inMemory();

  constructor(private readonly options: LocalEventTopicOptions) {
    this.policy = { ...DEFAULT_DELIVERY_POLICY, ...options.delivery };
    this.queueLimit = options.queueLimit ?? 10_000;
    this.routes = [{ method: 'POST', path: LOCAL_EVENT_TOPIC_PATH, handle: async (req, body) => this.accept(req.headers, body) }];
  }

  /**
   * Opens the journal (with a directory) and subscribes each endpoint, resuming where it stopped:
   * what was accepted before a crash and not yet taken is delivered first.
   */
  async start(subscriptions: readonly EventSubscription[]): Promise<void> {
    if (this.options.directory) this.journal = await EventJournal.open(this.options.directory, subscriptions.map((subscription) => subscription.name));
    for (const subscription of subscriptions) this.subscribe(subscription, await this.journal.resume(subscription.name));
    this.journal.releaseLoaded();
  }

  /** Delivers every event published from now on to this endpoint (after `pending`, when resuming). */
  subscribe(subscription: EventSubscription, resume: { position: number; pending: PublishedEvent[] } = { position: 0, pending: [] }): void {
    const journal = this.journal;
    const taken = (position: number) =>
      journal.saveCursor(subscription.name, position).catch((error) => this.options.log(formatLogLine('warn', `events: could not record delivery to ${subscription.name}`, error)));
    const delivery = new SubscriptionDelivery(subscription, this.policy, this.queueLimit, this.closing.signal, this.options.log, taken);
    this.subscriptions.push(delivery);
    delivery.enqueue(resume.pending.map((event, index) => ({ event, position: resume.position + index })));
    delivery.start();
  }

  /** Stops delivering: events not yet delivered are logged, and (with a directory) delivered after the next start. */
  async close(): Promise<void> {
    this.closing.abort();
    await Promise.all(this.subscriptions.map((subscription) => subscription.stopped()));
    // What was taken is recorded, so the next start neither repeats it nor keeps it in the journal.
    await this.journal.flush();
  }

  private async accept(headers: IncomingHttpHeaders, body: Buffer): Promise<ExtraRouteResult> {
    try {
      if (!sameSecret(headerOf(headers, 'aeg-sas-key'), this.options.key)) {
        throw new BadPublish(401, 'Unauthorized', 'the aeg-sas-key header is missing or is not the key of this topic');
      }
      if (this.closing.signal.aborted) throw new BadPublish(503, 'ServiceUnavailable', 'the local host is stopping');
      const events = publishedEvents(headers, body);
      // On disk before the 200: the publisher then counts them as published.
      const first = await this.journal.append(events);
      const queued = events.map((event, index) => ({ event, position: first + index }));
      for (const subscription of this.subscriptions) subscription.enqueue(queued);
      this.options.log(formatLogLine('info', `events: topic accepted ${events.length} event(s): ${summarizeIds(events)}`));
      return { status: 200 };
    } catch (error) {
      if (!(error instanceof BadPublish)) throw error;
      return {
        status: error.status,
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body: JSON.stringify({ error: { code: error.code, message: error.message } }),
      };
    }
  }
}

/** The subscriptions of the local topic: the registered subscriber functions of this host, then the webhooks. */
export function localEventSubscriptions(origin: string, registrations: Map<string, Registration>, webhooks: readonly string[]): EventSubscription[] {
  const functions = LOCAL_EVENT_SUBSCRIBERS.filter((name) => {
    const registration = registrations.get(name);
    return registration !== undefined && Object.values(registration.bindings).some((binding) => binding.type === 'eventGridTrigger');
  });
  return [
    ...functions.map((name) => ({
      name: `function ${name}`,
      endpoint: `${origin}${EVENT_GRID_WEBHOOK_PATH}?functionName=${encodeURIComponent(name)}`,
      validate: false,
    })),
    ...webhooks.map((url) => ({ name: `webhook ${url}`, endpoint: url, validate: true })),
  ];
}

/** AIRLOCK_WEBHOOKS: comma-separated http(s) URLs; a malformed one stops the host at start. */
export function parseWebhooks(setting: string | undefined): string[] {
  const urls = (setting ?? '').split(',').map((url) => url.trim()).filter(Boolean);
  for (const url of urls) {
    let protocol: string;
    try {
      protocol = new URL(url).protocol;
    } catch {
      throw new Error(`AIRLOCK_WEBHOOKS: '${url}' is not a URL`);
    }
    if (protocol !== 'http:' && protocol !== 'https:') throw new Error(`AIRLOCK_WEBHOOKS: '${url}' is not an http or https URL`);
  }
  return urls;
}

/** The events of one publish, as Event Grid's CloudEvents endpoint accepts them. */
function publishedEvents(headers: IncomingHttpHeaders, body: Buffer): PublishedEvent[] {
  if (body.length > MAX_PUBLISH_BYTES) throw new BadPublish(413, 'RequestEntityTooLarge', `a publish may carry at most ${MAX_PUBLISH_BYTES} bytes`);
  const mediaType = (headerOf(headers, 'content-type') ?? '').split(';')[0].trim().toLowerCase();
  if (mediaType !== BATCH_MEDIA_TYPE && mediaType !== SINGLE_MEDIA_TYPE) {
    throw new BadPublish(400, 'BadRequest', `this topic takes CloudEvents 1.0: content-type ${BATCH_MEDIA_TYPE} or ${SINGLE_MEDIA_TYPE}, not '${mediaType}'`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw new BadPublish(400, 'BadRequest', 'the body is not valid JSON');
  }
  const events = mediaType === BATCH_MEDIA_TYPE ? parsed : [parsed];
  if (!Array.isArray(events)) throw new BadPublish(400, 'BadRequest', `a ${BATCH_MEDIA_TYPE} body is a JSON array of events`);
  return events.map((event: unknown, index) => {
    if (typeof event !== 'object' || event === null || Array.isArray(event)) throw new BadPublish(400, 'BadRequest', `event ${index} is not an object`);
    const fields = event as Record<string, unknown>;
    const missing = ['id', 'source', 'type', 'specversion'].filter((field) => typeof fields[field] !== 'string' || fields[field] === '');
    if (missing.length) throw new BadPublish(400, 'BadRequest', `event ${index} is not a CloudEvent: missing ${missing.join(', ')}`);
    if (fields.specversion !== '1.0') throw new BadPublish(400, 'BadRequest', `event ${index}: specversion must be '1.0'`);
    return fields as PublishedEvent;
  });
}

type AttemptOutcome = { ok: true } | { ok: false; retry: boolean; reason: string };

/**
 * One subscription's queue and the single worker that drains it in order. The worker runs only
 * while there is something to do; `enqueue` wakes it.
 */
class SubscriptionDelivery {
  private readonly queue: QueuedEvent[] = [];
  private state: 'validating' | 'active' | 'rejected' = 'validating';
  private worker: Promise<void> | undefined;

  constructor(
    private readonly subscription: EventSubscription,
    private readonly policy: DeliveryPolicy,
    private readonly queueLimit: number,
    private readonly closing: AbortSignal,
    private readonly log: LocalLog,
    /** Told the journal position after each event taken or given up. */
    private readonly taken: (nextPosition: number) => unknown,
  ) {
    if (!subscription.validate) this.state = 'active';
  }

  start(): void {
    this.wake();
  }

  enqueue(events: readonly QueuedEvent[]): void {
    if (this.state === 'rejected') return;
    const room = Math.max(0, this.queueLimit - this.queue.length);
    const dropped = events.slice(room);
    this.queue.push(...events.slice(0, room));
    if (dropped.length) {
      this.log(formatLogLine('warn', `events: ${this.subscription.name} has ${this.queue.length} events waiting; dropped ${dropped.length}: ${summarizeIds(dropped.map(({ event }) => event))}`));
    }
    this.wake();
  }

  /** Resolves once the worker has noticed the topic is closing. */
  async stopped(): Promise<void> {
    await this.worker;
    if (this.queue.length) {
      this.log(formatLogLine('warn', `events: stopping; ${this.queue.length} event(s) not yet delivered to ${this.subscription.name}: ${summarizeIds(this.queue.map(({ event }) => event))}`));
      this.queue.length = 0;
    }
  }

  private wake(): void {
    if (this.worker || this.closing.aborted) return;
    this.worker = this.drain()
      .catch((error: unknown) => {
        // A bug, not a delivery failure: stop this subscription rather than spin on it.
        this.state = 'rejected';
        this.log(formatLogLine('error', `events: delivery to ${this.subscription.name} stopped; ${this.queue.length} event(s) dropped`, error));
        this.queue.length = 0;
      })
      .finally(() => {
        this.worker = undefined;
        // Published while the worker was finishing: go again.
        if (this.queue.length && this.state === 'active') this.wake();
      });
  }

  private async drain(): Promise<void> {
    if (this.state === 'validating') {
      const outcome = await this.withRetries('the validation handshake', () => this.handshake());
      if (this.closing.aborted) return;
      if (!outcome.ok) {
        this.state = 'rejected';
        this.log(
          formatLogLine('warn', `events: ${this.subscription.name} failed the CloudEvents validation handshake (${outcome.reason}); it gets no events` +
            (this.queue.length ? ` (${this.queue.length} dropped)` : '')),
        );
        this.queue.length = 0;
        return;
      }
      this.state = 'active';
      this.log(formatLogLine('info', `events: ${this.subscription.name} passed the validation handshake`));
    }
    while (this.queue.length && !this.closing.aborted) {
      const { event, position } = this.queue[0];
      const outcome = await this.withRetries(`event ${event.id}`, (attempt) => this.post(event, attempt));
      if (this.closing.aborted) return;
      if (!outcome.ok) this.log(formatLogLine('error', `events: ${this.subscription.name} did not take event ${event.id}, given up: ${outcome.reason}`));
      this.queue.shift();
      this.taken(position + 1);
    }
  }

  /** Attempts until success, an answer not worth retrying, the attempt limit, or close. */
  private async withRetries(what: string, attempt: (deliveryCount: number) => Promise<AttemptOutcome>): Promise<AttemptOutcome> {
    for (let number = 1; ; number++) {
      const outcome = await attempt(number - 1);
      if (outcome.ok || !outcome.retry || this.closing.aborted) return outcome;
      if (number >= this.policy.maxAttempts) return { ok: false, retry: false, reason: `${outcome.reason}; ${number} attempts` };
      const delay = Math.min(this.policy.firstRetryDelayMs * 2 ** (number - 1), this.policy.maxRetryDelayMs);
      this.log(formatLogLine('warn', `events: ${this.subscription.name}: ${what} failed (${outcome.reason}); attempt ${number + 1} in ${delay} ms`));
      await abortableDelay(delay, this.closing);
      if (this.closing.aborted) return outcome;
    }
  }

  private async handshake(): Promise<AttemptOutcome> {
    return this.attempt({ method: 'OPTIONS', headers: { 'webhook-request-origin': EVENT_GRID_WEBHOOK_ORIGIN, 'webhook-request-rate': '*' } }, (response) => {
      // An endpoint still starting (5xx, 429) is asked again; any other answer is its final word.
      if (response.status !== 200) return { ok: false, retry: response.status >= 500 || response.status === 429, reason: `OPTIONS answered ${response.status}` };
      const allowed = (response.headers.get('webhook-allowed-origin') ?? '').split(',').map((origin) => origin.trim().toLowerCase());
      if (allowed.includes('*') || allowed.includes(EVENT_GRID_WEBHOOK_ORIGIN)) return { ok: true };
      return { ok: false, retry: false, reason: `WebHook-Allowed-Origin is '${response.headers.get('webhook-allowed-origin') ?? ''}', not '*' or ${EVENT_GRID_WEBHOOK_ORIGIN}` };
    });
  }

  private async post(event: PublishedEvent, deliveryCount: number): Promise<AttemptOutcome> {
    const headers = {
      'content-type': `${SINGLE_MEDIA_TYPE}; charset=utf-8`,
      'aeg-event-type': 'Notification',
      'aeg-subscription-name': this.subscription.name,
      'aeg-delivery-count': String(deliveryCount),
    };
    return this.attempt({ method: 'POST', headers, body: JSON.stringify(event) }, (response) =>
      response.status >= 200 && response.status <= 204 ? { ok: true } : { ok: false, retry: isRetried(response.status), reason: `answered ${response.status}` },
    );
  }

  private async attempt(init: RequestInit, judge: (response: Response) => AttemptOutcome): Promise<AttemptOutcome> {
    const signal = AbortSignal.any([this.closing, AbortSignal.timeout(this.policy.attemptTimeoutMs)]);
    try {
      const response = await fetch(this.subscription.endpoint, { ...init, signal, redirect: 'manual' });
      // The body is never read; cancelling it frees the connection.
      await response.body?.cancel().catch(() => undefined);
      return judge(response);
    } catch (error) {
      return { ok: false, retry: true, reason: errorText(error) };
    }
  }
}

function isRetried(status: number): boolean {
  return !NOT_RETRIED_STATUSES.has(status);
}

function abortableDelay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/** Compared by digest, so neither the length nor the content of the key leaks through timing. */
function sameSecret(given: string | undefined, expected: string): boolean {
  if (!given) return false;
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

function summarizeIds(events: readonly PublishedEvent[]): string {
  const shown = events.slice(0, 5).map((event) => event.id);
  return events.length > shown.length ? `${shown.join(', ')} and ${events.length - shown.length} more` : shown.join(', ');
}

function errorText(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  // fetch reports "fetch failed" and hides the reason (ECONNREFUSED, a timeout) in `cause`.
  const cause = (error as Error & { cause?: unknown }).cause;
  return cause instanceof Error ? `${error.message}: ${cause.message}` : `${error.name}: ${error.message}`;
}

function headerOf(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}
