import { AirlockCloudEvent } from '../../domain/airlockEvents';

/**
 * Where the airlock's CloudEvents go: an Event Grid custom topic (CloudEvents schema) in Azure, the
 * local host's stand-in topic otherwise. Chosen at start-up from configuration.
 */
export interface EventPublisher {
  /** Publishes all events or throws; the caller retries with the same ids. */
  publish(events: readonly AirlockCloudEvent[]): Promise<void>;
  readonly description: string;
}
