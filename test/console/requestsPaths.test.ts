import { myRequestsInWorkspacePath, myRequestsPath, requestPath } from '../../console/src/requests/requestPaths';

describe("the researcher's list and request paths", () => {
  it("lists the caller's own requests across workspaces newest first, with the filters the API names", () => {
    const url = new URL(myRequestsPath({ status: 'in_review', type: 'export' }), 'http://host');
    expect(url.pathname).toBe('/api/requests');
    expect(Object.fromEntries(url.searchParams)).toEqual({ order_by: 'updatedWhen', order_ascending: 'false', status: 'in_review', type: 'export' });
  });

  it('lists one workspace by creator, leaving out filters not set', () => {
    const url = new URL(myRequestsInWorkspacePath('demo', 'alice@x', {}), 'http://host');
    expect(url.pathname).toBe('/api/workspaces/demo/requests');
    expect(Object.fromEntries(url.searchParams)).toEqual({ order_by: 'updatedWhen', order_ascending: 'false', creator_user_id: 'alice@x' });
  });

  it("names a request's actions under its path, ids encoded", () => {
    expect(requestPath('demo', 'r1')).toBe('/api/workspaces/demo/requests/r1');
    expect(requestPath('demo', 'r1', 'link')).toBe('/api/workspaces/demo/requests/r1/link');
    expect(requestPath('my ws', 'a/b', 'submit')).toBe('/api/workspaces/my%20ws/requests/a%2Fb/submit');
  });
});
