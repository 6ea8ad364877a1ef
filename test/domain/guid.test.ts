import { isGuid } from '../../src/domain/guid';

test('a GUID in its usual text form, either case, and nothing else', () => {
  expect(isGuid('5a7e2b8c-0000-4000-8000-000000000001')).toBe(true);
  expect(isGuid('5A7E2B8C-0000-4000-8000-00000000000F')).toBe(true);
  for (const text of ['', 'demo', '5a7e2b8c00004000800000000000001', '{5a7e2b8c-0000-4000-8000-000000000001}', '5a7e2b8c-0000-4000-8000-000000000001 ', 'g a7e2b8c-0000-4000-8000-000000000001', 'api://5a7e2b8c-0000-4000-8000-000000000001']) {
    expect(isGuid(text)).toBe(false);
  }
});
