import { blockListBody } from '../../console/src/upload/blockListXml';

describe('the Put Block List body', () => {
  it('lists every id as Latest, in the order given', () => {
    expect(blockListBody(['QUFB', 'QkJC', 'Q0ND'])).toBe(
      '<?xml version="1.0" encoding="utf-8"?><BlockList><Latest>QUFB</Latest><Latest>QkJC</Latest><Latest>Q0ND</Latest></BlockList>',
    );
  });

  it('is an empty list for an empty file', () => {
    expect(blockListBody([])).toBe('<?xml version="1.0" encoding="utf-8"?><BlockList></BlockList>');
  });

  it('refuses an id that is not Base64, which could break the XML', () => {
    expect(() => blockListBody(['QUFB', '<x>'])).toThrow(/Base64/);
    expect(() => blockListBody(['a b'])).toThrow(/Base64/);
  });
});
