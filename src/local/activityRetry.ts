/**
 * Retry policy of `callActivityWithRetry`, as the orchestrator's action carries it (the fields of
 * durable-functions' RetryOptions), and the backoff the Durable Task framework applies between
 * attempts: firstRetryInterval × backoffCoefficient^(attempt − 1), capped at maxRetryInterval.
 */

export interface RetryPolicy {
  firstRetryIntervalInMilliseconds: number;
  maxNumberOfAttempts: number;
  /** Unset in a fresh RetryOptions; the framework's default is 1 (no growth). */
  backoffCoefficient?: number;
  /** Unset or 0 means no cap. */
  maxRetryIntervalInMilliseconds?: number;
  /**
   * Not enforced: the 3.5.0 replay executor decides to retry from maxNumberOfAttempts alone, so a
   * backend that stopped early would leave the orchestrator waiting for an attempt that never comes.
   */
  retryTimeoutInMilliseconds?: number;
}

/** Delay before the attempt that follows the failed attempt number `failedAttempt` (1-based). */
export function retryDelayMs(policy: RetryPolicy, failedAttempt: number): number {
  const coefficient = policy.backoffCoefficient && policy.backoffCoefficient > 0 ? policy.backoffCoefficient : 1;
  const uncapped = policy.firstRetryIntervalInMilliseconds * coefficient ** (failedAttempt - 1);
  const cap = policy.maxRetryIntervalInMilliseconds && policy.maxRetryIntervalInMilliseconds > 0 ? policy.maxRetryIntervalInMilliseconds : Infinity;
  return Math.max(0, Math.min(uncapped, cap));
}

/** Whether another attempt follows the failed attempt number `failedAttempt` (1-based). */
export function hasAttemptsLeft(policy: RetryPolicy, failedAttempt: number): boolean {
  return failedAttempt < policy.maxNumberOfAttempts;
}
