import { epochSeconds } from '../../src/domain/epochSeconds';

test('a stored time is the whole seconds since the epoch, never rounded up', () => {
  expect(epochSeconds(new Date('2025-03-01T12:00:00.999Z'))).toBe(Date.UTC(2025, 2, 1, 12) / 1000);
  expect(epochSeconds(new Date(0))).toBe(0);
});
