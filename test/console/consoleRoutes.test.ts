import { pathOf, routeOf, type Route } from '../../console/src/shell/routes';

describe("the console's pages and their paths", () => {
  it.each<[string, Route]>([
    ['/api/console', { page: 'myRequests' }],
    ['/api/console/', { page: 'myRequests' }],
    ['/api/console/requests/demo/0b9f', { page: 'request', workspaceId: 'demo', requestId: '0b9f' }],
    ['/api/console/review', { page: 'reviewQueue' }],
    ['/api/console/review/demo/0b9f', { page: 'review', workspaceId: 'demo', requestId: '0b9f' }],
    ['/api/console/audit/demo/0b9f/', { page: 'audit', workspaceId: 'demo', requestId: '0b9f' }],
  ])('%s is %j', (path, route) => {
    expect(routeOf(path)).toEqual(route);
  });

  it.each(['/api/console/requests/demo', '/api/console/requests/demo/1/2', '/api/console/nothing', '/api/consoles', '/elsewhere', '/api/console/requests/%E0%A4%A/x'])(
    '%s is no page',
    (path) => {
      expect(routeOf(path)).toEqual({ page: 'notFound', path });
    },
  );

  it('round-trips ids that need encoding', () => {
    const route: Route = { page: 'request', workspaceId: 'ws 1', requestId: 'a/b?c' };
    expect(pathOf(route)).toBe('/api/console/requests/ws%201/a%2Fb%3Fc');
    expect(routeOf(pathOf(route))).toEqual(route);
  });

  it('gives every page its path', () => {
    expect(pathOf({ page: 'myRequests' })).toBe('/api/console/');
    expect(pathOf({ page: 'reviewQueue' })).toBe('/api/console/review');
    expect(pathOf({ page: 'audit', workspaceId: 'demo', requestId: 'r' })).toBe('/api/console/audit/demo/r');
    expect(pathOf({ page: 'review', workspaceId: 'demo', requestId: 'r' })).toBe('/api/console/review/demo/r');
  });
});
