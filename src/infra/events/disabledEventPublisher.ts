import { EventPublisher } from './eventPublisher';

/** No topic configured: events are not published, and the start-up log and /api/health say so. */
export class DisabledEventPublisher implements EventPublisher {
  readonly description = 'disabled: no AIRLOCK_EVENTS_TOPIC_ENDPOINT, events are not published';
  async publish(): Promise<void> {}
}
