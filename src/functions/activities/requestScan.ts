import * as df from 'durable-functions';
import { ActivityHandler } from 'durable-functions';
import { getDependencies } from '../../infra/dependencies';
import { ACTIVITIES, LifecycleInput } from '../lifecycleNames';

/**
 * A scan verdict: `clean` and `threat` are final; `pending` means the verdict will arrive as an
 * external event (Defender, through Event Grid) and the orchestrator waits for it, with a deadline.
 */
export type ScanOutcome =
  | { outcome: 'clean'; message: string }
  | { outcome: 'threat'; message: string }
  | { outcome: 'pending'; timeoutMinutes: number };

export const requestScan: ActivityHandler = async (_input: LifecycleInput): Promise<ScanOutcome> => {
  const deps = await getDependencies();
  switch (deps.config.scanner) {
    case 'none':
      return { outcome: 'clean', message: 'not scanned: scanning is disabled' };
  }
};

df.app.activity(ACTIVITIES.requestScan, { handler: requestScan });
