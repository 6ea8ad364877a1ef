import { backoffMs, isRetryable } from '../../console/src/upload/retryPolicy';

describe('when a storage call is tried again', () => {
  it('retries a dropped connection, timeouts, throttling and server errors', () => {
    for (const status of [undefined, 408, 429, 500, 503]) expect(isRetryable(status)).toBe(true);
  });

  it('does not retry refusals: asking again gets the same answer', () => {
    for (const status of [400, 403, 404, 409, 413]) expect(isRetryable(status)).toBe(false);
  });

  it('waits half a second, then twice as long each time, with at most a quarter more of jitter', () => {
    expect([2, 3, 4].map((attempt) => backoffMs(attempt, () => 0))).toEqual([500, 1000, 2000]);
    expect(backoffMs(2, () => 0.999)).toBeLessThanOrEqual(625);
    expect(backoffMs(3, () => 0.5)).toBe(1125);
  });
});
