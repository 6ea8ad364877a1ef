import { CORE_ACCOUNTS, parseStageContainerName, stageAccountFor, stageContainerName, stageOfStatus, storageAccountName, WORKSPACE_ACCOUNTS } from '../../src/domain/stages';
import { REQUEST_STATUSES } from '../../src/domain/status';

const ID = '5a7e2b8c-0000-4000-8000-000000000001';

describe('stage containers', () => {
  test('one container per request and submission cycle, a valid container name', () => {
    expect(stageContainerName(ID, 1)).toBe(`${ID}-1`);
    expect(stageContainerName(ID, 12)).toBe(`${ID}-12`);
    // Azure: 3-63 characters, lower-case letters, digits and single hyphens.
    expect(stageContainerName(ID, 999_999)).toMatch(/^[a-z0-9](?:[a-z0-9]|-(?!-)){2,62}$/);
  });

  test.each([0, -1, 1.5, Number.NaN])('cycle %p is refused: cycles count submissions from 1', (cycle) => {
    expect(() => stageContainerName(ID, cycle)).toThrow(RangeError);
  });

  test('a container name reads back as its request and cycle; other names are nobody\'s', () => {
    expect(parseStageContainerName(stageContainerName(ID, 3))).toEqual({ requestId: ID, cycle: 3 });
    expect(parseStageContainerName(ID)).toBeUndefined();
    expect(parseStageContainerName(`${ID}-0`)).toBeUndefined();
    expect(parseStageContainerName('not-a-request')).toBeUndefined();
  });
});

describe('stage accounts', () => {
  test('imports start in the core and end in the workspace; exports the other way round (the seed design)', () => {
    expect(['draft', 'in_progress', 'approved', 'rejected', 'blocked'].map((stage) => stageAccountFor('import', stage as never))).toEqual([
      'stalimex', 'stalimip', 'stalimapp', 'stalimrej', 'stalimblocked',
    ]);
    expect(stageAccountFor('export', 'draft')).toBe('stalexint');
    expect(stageAccountFor('export', 'approved')).toBe('stalexapp');
    expect([...CORE_ACCOUNTS, ...WORKSPACE_ACCOUNTS].sort()).toHaveLength(10);
  });

  test('real names: core accounts carry the TRE id, workspace accounts ws and the last four characters of the workspace id', () => {
    expect(storageAccountName('stalimex', { treId: 'MyTre-01', workspaceId: 'ignored' })).toBe('stalimexmytre01');
    expect(storageAccountName('stalimapp', { treId: 'mytre', workspaceId: 'ws-beta' })).toBe('stalimappwsbeta');
    expect(storageAccountName('stalexblocked', { treId: 'a-very-long-tre-identifier', workspaceId: 'x' }).length).toBeLessThanOrEqual(24);
  });
});

describe('stageOfStatus', () => {
  test('every status names where its files rest, or that they rest nowhere', () => {
    const where = Object.fromEntries(REQUEST_STATUSES.map((status) => [status, stageOfStatus(status) ?? 'nowhere']));
    expect(where).toEqual({
      draft: 'draft',
      changes_requested: 'draft',
      submitted: 'in_progress',
      in_review: 'in_progress',
      approval_in_progress: 'in_progress',
      rejection_in_progress: 'in_progress',
      blocking_in_progress: 'in_progress',
      approved: 'approved',
      rejected: 'rejected',
      revoked: 'rejected',
      blocked_by_scan: 'blocked',
      cancelled: 'nowhere',
      failed: 'nowhere',
    });
  });
});
