import { AirlockError } from '../../src/domain/errors';
import { CREATE_DEFAULTS, DEFAULT_DECISION_EXPLANATION, LIST_PAGE_CAP, parseCreateRequest, parseListQuery, parseReview, parseRevoke } from '../../src/domain/schemas';

/** The status and detail a parser's refusal is answered with. */
function refusalOf(parse: () => unknown): { status: number; detail: string } {
  try {
    parse();
  } catch (error) {
    if (error instanceof AirlockError) return { status: error.httpStatus, detail: error.detail };
    throw error;
  }
  throw new Error('the body was accepted');
}

describe('request bodies', () => {
  test('a valid create body is accepted and trimmed', () => {
    expect(parseCreateRequest({ type: 'import', title: ' Data ', businessJustification: 'Needed', properties: {} })).toEqual({
      type: 'import', title: 'Data', businessJustification: 'Needed',
    });
  });
  test("a create body may leave out title and justification, which get Azure TRE's defaults (facts §3.3)", () => {
    // TRE's own e2e test creates with type and justification only.
    expect(parseCreateRequest({ type: 'import', businessJustification: 'some business justification' })).toEqual({
      type: 'import', title: 'Airlock Request', businessJustification: 'some business justification',
    });
    expect(parseCreateRequest({ type: 'export' })).toEqual({ type: 'export', title: 'Airlock Request', businessJustification: 'Business Justifications' });
    expect(CREATE_DEFAULTS).toEqual({ title: 'Airlock Request', businessJustification: 'Business Justifications' });
  });
  test.each([
    [{ title: 't', businessJustification: 'b' }, 'body.type is required'],
    [{ type: 'sideways', title: 't', businessJustification: 'b' }, 'body.type must be one of: import, export'],
    [{ type: 'import', title: '   ', businessJustification: 'b' }, 'body.title must not be empty'],
    [{ type: 'import', title: 7, businessJustification: 'b' }, 'body.title must be a string'],
    [{ type: 'import', title: null }, 'body.title must be a string'],
    [{ type: 'import', businessJustification: '' }, 'body.businessJustification must not be empty'],
    [{ type: 'import', title: 'x'.repeat(201) }, 'body.title must be at most 200 characters'],
    [{ type: 'import', businessJustification: 'x'.repeat(4001) }, 'body.businessJustification must be at most 4000 characters'],
    [{ type: 'import', properties: 'p' }, 'body.properties must be a JSON object'],
    [{ type: 'import', title: 't', businessJustification: 'b', color: 'red' }, 'body.color is not a known field'],
    // A misspelt field is refused rather than silently replaced by the default.
    [{ type: 'import', title: 't', businessJustificaton: 'b' }, 'body.businessJustificaton is not a known field'],
    [[], 'body must be a JSON object'],
  ])('%j is refused with 422: %s', (body, message) => {
    expect(refusalOf(() => parseCreateRequest(body))).toEqual({ status: 422, detail: message });
  });
  test('a review needs exactly one of approval and decision; the explanation defaults as in Azure TRE', () => {
    expect(parseReview({ approval: false, decisionExplanation: 'contains names' })).toEqual({ decision: 'rejected', decisionExplanation: 'contains names' });
    expect(parseReview({ approval: true, decisionExplanation: ' fine ' })).toEqual({ decision: 'approved', decisionExplanation: 'fine' });
    expect(parseReview({ decision: 'changes_requested', decisionExplanation: 'drop column 3' })).toEqual({ decision: 'changes_requested', decisionExplanation: 'drop column 3' });
    expect(parseReview({ approval: true })).toEqual({ decision: 'approved', decisionExplanation: 'Decision Explanation' });
    expect(parseReview({ decision: 'rejected' })).toEqual({ decision: 'rejected', decisionExplanation: DEFAULT_DECISION_EXPLANATION });
    expect(refusalOf(() => parseReview({ decisionExplanation: 'x' }))).toEqual({ status: 422, detail: expect.stringContaining('exactly one of approval') });
    expect(refusalOf(() => parseReview({ approval: true, decision: 'approved', decisionExplanation: 'x' })).detail).toContain('exactly one of approval');
    expect(refusalOf(() => parseReview({ decision: 'maybe', decisionExplanation: 'x' }))).toEqual({ status: 422, detail: expect.stringContaining('body.decision must be one of') });
    expect(refusalOf(() => parseReview({ approval: true, decisionExplanation: '' }))).toEqual({ status: 422, detail: 'body.decisionExplanation must not be empty' });
    expect(refusalOf(() => parseReview({ approval: true, decisionExplanation: 5 })).detail).toBe('body.decisionExplanation must be a string');
    expect(refusalOf(() => parseReview({ approval: true, comment: 'x' })).detail).toBe('body.comment is not a known field');
  });
  test('asking for changes without saying what to change is refused', () => {
    expect(refusalOf(() => parseReview({ decision: 'changes_requested' }))).toEqual({
      status: 422,
      detail: 'body.decisionExplanation is required when requesting changes: it tells the requester what to change',
    });
  });
  test.each([
    [true, 'approved'], [false, 'rejected'],
    ['True', 'approved'], ['False', 'rejected'], ['true', 'approved'], ['FALSE', 'rejected'],
    ['1', 'approved'], ['0', 'rejected'], ['yes', 'approved'], ['No', 'rejected'],
    ['on', 'approved'], ['OFF', 'rejected'], ['t', 'approved'], ['F', 'rejected'],
    ['Y', 'approved'], ['n', 'rejected'], [1, 'approved'], [0, 'rejected'],
  ])('approval %j is read as Azure TRE reads it: %s', (approval, decision) => {
    expect(parseReview({ approval, decisionExplanation: 'why' }).decision).toBe(decision);
  });
  test.each([['maybe'], [''], [' true'], ['tru'], ['yes please'], [2], [-1], [0.5], [null], [[]], [{}], [[true]], ['constructor'], ['__proto__']])(
    'approval %j is refused with 422, naming the field and the accepted forms',
    (approval) => {
      const refusal = refusalOf(() => parseReview({ approval, decisionExplanation: 'why' }));
      expect(refusal.status).toBe(422);
      expect(refusal.detail).toMatch(/^body\.approval must be a JSON boolean \(true or false\), one of the strings "true"\/"false", .*"yes"\/"no".*or the number 1 or 0$/);
    },
  );
  test('a revoke needs a reason', () => {
    expect(() => parseRevoke({})).toThrow('body.reason is required');
  });
});

describe('list query', () => {
  test('defaults: newest first, everything up to the cap in one page (TRE clients read no continuation token)', () => {
    expect(parseListQuery({})).toMatchObject({ orderBy: 'updatedWhen', orderAscending: false, pageSize: LIST_PAGE_CAP, airlockManager: false, awaitingMyReview: false });
    expect(LIST_PAGE_CAP).toBe(1000);
    expect(parseListQuery({ pageSize: '1000' }).pageSize).toBe(1000);
    expect(() => parseListQuery({ pageSize: '1001' })).toThrow('query.pageSize is not valid');
  });
  test("the portal's keys: order_by=createdTime is createdWhen (the Created column), status=blocked is blocked_by_scan", () => {
    expect(parseListQuery({ order_by: 'createdTime', order_ascending: 'true' })).toMatchObject({ orderBy: 'createdWhen', orderAscending: true });
    for (const field of ['updatedWhen', 'createdWhen', 'type', 'status', 'title']) expect(parseListQuery({ order_by: field }).orderBy).toBe(field);
    expect(parseListQuery({ status: 'blocked' }).status).toBe('blocked_by_scan');
    expect(parseListQuery({ status: 'blocked_by_scan' }).status).toBe('blocked_by_scan');
    expect(refusalOf(() => parseListQuery({ order_by: 'createdtime' }))).toMatchObject({ detail: expect.stringContaining('query.order_by must be one of') });
  });
  test('awaiting_my_review is the manager view of requests in review; another status with it is refused', () => {
    expect(parseListQuery({ awaiting_my_review: 'true' })).toMatchObject({ airlockManager: true, awaitingMyReview: true, status: 'in_review' });
    expect(parseListQuery({ awaiting_my_review: 'true', status: 'in_review' })).toMatchObject({ awaitingMyReview: true, status: 'in_review' });
    expect(refusalOf(() => parseListQuery({ awaiting_my_review: 'true', status: 'draft' })).detail).toMatch(/awaiting_my_review lists requests in review only/);
    expect(parseListQuery({ airlock_manager: 'true', status: 'draft' })).toMatchObject({ airlockManager: true, awaitingMyReview: false, status: 'draft' });
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
