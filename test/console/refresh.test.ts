/** How soon a console page reads a request again: soon while it passes by itself, seldom while it waits on a person. */
import { REQUEST_STATUSES } from '../../console/src/api/types';
import { PASSING_REFRESH_MS, refreshPolicy } from '../../console/src/api/refresh';
import { passingStatus } from '../../console/src/lifecycle/lifecycleModel';

describe('the refresh policy', () => {
  test('at rest the page waits its resting interval', () => {
    const next = refreshPolicy(5_000, () => 0);
    expect(next(undefined)).toBe(5_000);
  });

  test('while something passes it looks soon, then less often as it lasts, never less seldom than at rest', () => {
    let now = 0;
    const next = refreshPolicy(5_000, () => now);
    expect(next('submitted')).toBe(PASSING_REFRESH_MS);
    now = 5_000;
    expect(next('submitted')).toBe(1_000);
    now = 10_000;
    expect(next('submitted')).toBe(2_000);
    now = 120_000;
    expect(next('submitted')).toBe(5_000);
  });

  test('something else passing starts the clock again', () => {
    let now = 0;
    const next = refreshPolicy(10_000, () => now);
    next('submitted');
    now = 30_000;
    expect(next('submitted')).toBe(6_000);
    expect(next('approval_in_progress')).toBe(PASSING_REFRESH_MS);
    expect(next(undefined)).toBe(10_000);
  });
});

test('the statuses a request leaves by itself are the checks and the moves, not the ones waiting on a person', () => {
  const passing = REQUEST_STATUSES.filter((status) => passingStatus(status) !== undefined);
  expect(passing.sort()).toEqual(['approval_in_progress', 'blocking_in_progress', 'rejection_in_progress', 'submitted']);
  expect(passingStatus(undefined)).toBeUndefined();
});
