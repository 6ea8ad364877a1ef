import { ValidationError } from '../../src/domain/errors';
import { parseCreateRequest, parseListQuery, parseReview, parseRevoke } from '../../src/domain/schemas';

describe('request bodies', () => {
  test('a valid create body is accepted and trimmed', () => {
    expect(parseCreateRequest({ type: 'import', title: ' Data ', businessJustification: 'Needed', properties: {} })).toEqual({
      type: 'import', title: 'Data', businessJustification: 'Needed',
    });
  });
  test.each([
    [{ title: 't', businessJustification: 'b' }, 'body.type is required'],
    [{ type: 'sideways', title: 't', businessJustification: 'b' }, 'body.type must be one of: import, export'],
    [{ type: 'import', title: '   ', businessJustification: 'b' }, 'body.title must not be empty'],
    [{ type: 'import', title: 7, businessJustification: 'b' }, 'body.title must be a string'],
    [{ type: 'import', title: 't', businessJustification: 'b', color: 'red' }, 'body.color is not a known field'],
    [[], 'body must be a JSON object'],
  ])('%j is refused: %s', (body, message) => {
    expect(() => parseCreateRequest(body)).toThrow(new ValidationError(message));
  });
  test('a review needs a decision and an explanation', () => {
    expect(parseReview({ approval: false, decisionExplanation: 'contains names' })).toEqual({ decision: 'rejected', decisionExplanation: 'contains names' });
    expect(parseReview({ approval: true, decisionExplanation: 'fine' })).toEqual({ decision: 'approved', decisionExplanation: 'fine' });
    expect(parseReview({ decision: 'changes_requested', decisionExplanation: 'drop column 3' })).toEqual({ decision: 'changes_requested', decisionExplanation: 'drop column 3' });
    expect(() => parseReview({ decisionExplanation: 'x' })).toThrow('exactly one of approval');
    expect(() => parseReview({ approval: true, decision: 'approved', decisionExplanation: 'x' })).toThrow('exactly one of approval');
    expect(() => parseReview({ decision: 'maybe', decisionExplanation: 'x' })).toThrow('body.decision must be one of');
    expect(() => parseReview({ approval: 'yes', decisionExplanation: 'x' })).toThrow('body.approval must be a boolean');
    expect(() => parseReview({ approval: true, decisionExplanation: '' })).toThrow('body.decisionExplanation must not be empty');
  });
  test('a revoke needs a reason', () => {
    expect(() => parseRevoke({})).toThrow('body.reason is required');
  });
});

describe('list query', () => {
  test('defaults: newest first, 50 per page', () => {
    expect(parseListQuery({})).toMatchObject({ orderBy: 'updatedWhen', orderAscending: false, pageSize: 50, airlockManager: false });
  });
  test('order_by is allow-listed', () => {
    expect(() => parseListQuery({ order_by: 'c.id; DROP' })).toThrow('query.order_by must be one of');
    expect(parseListQuery({ order_by: 'title', order_ascending: 'false' })).toMatchObject({ orderBy: 'title', orderAscending: false });
  });
  test('bad values are named', () => {
    expect(() => parseListQuery({ status: 'done' })).toThrow('query.status must be one of');
    expect(() => parseListQuery({ pageSize: '0' })).toThrow('query.pageSize is not valid');
    expect(() => parseListQuery({ colour: 'x' })).toThrow('query.colour is not a known field');
  });
});
