import { quotedEtag, sameEtag, unquotedEtag } from '../../src/domain/etag';

test('a blob listing etag and a header etag of the same version are the same etag, passed on quoted', () => {
  expect(quotedEtag('0x8DC0FFEE')).toBe('"0x8DC0FFEE"');
  expect(quotedEtag('"0x8DC0FFEE"')).toBe('"0x8DC0FFEE"');
  expect(sameEtag('0x8DC0FFEE', ' "0x8DC0FFEE"')).toBe(true);
  expect(sameEtag('"0x8DC0FFEE"', '"0x8DC0FFEF"')).toBe(false);
});

test('a missing etag names no version: it is passed on empty and matches nothing', () => {
  expect(quotedEtag(undefined)).toBe('');
  expect(quotedEtag('')).toBe('');
  expect(sameEtag(undefined, undefined)).toBe(false);
  expect(sameEtag('', '')).toBe(false);
  expect(sameEtag('""', '""')).toBe(false);
});

test('unquotedEtag: the form JSON carries, whichever form it is given; empty for none', () => {
  expect(unquotedEtag('"0x8D1"')).toBe('0x8D1');
  expect(unquotedEtag('0x8D1')).toBe('0x8D1');
  expect(unquotedEtag(undefined)).toBe('');
  expect(unquotedEtag('')).toBe('');
});
