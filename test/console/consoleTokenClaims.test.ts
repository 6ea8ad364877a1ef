import { rolesInToken, tokenExpiresAt } from '../../console/src/auth/tokenClaims';

function token(claims: object): string {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${encode({ alg: 'RS256', typ: 'JWT' })}.${encode(claims)}.signature`;
}

describe('what the console reads from its tokens', () => {
  it("reads the workspace roles from the token's roles claim", () => {
    expect(rolesInToken(token({ oid: 'alice', name: 'Zoë', roles: ['WorkspaceResearcher', 'AirlockManager'] }))).toEqual(['WorkspaceResearcher', 'AirlockManager']);
  });

  it('finds no roles in a token without the claim, or in something that is not a token', () => {
    expect(rolesInToken(token({ oid: 'alice' }))).toEqual([]);
    expect(rolesInToken('not-a-token')).toEqual([]);
    expect(rolesInToken('a.%%%.c')).toEqual([]);
    expect(rolesInToken(token({ roles: ['TREUser', 7] }))).toEqual(['TREUser']);
  });

  it('reads the expiry in milliseconds', () => {
    expect(tokenExpiresAt(token({ exp: 1_900_000_000 }))).toBe(1_900_000_000_000);
    expect(tokenExpiresAt(token({}))).toBeUndefined();
  });
});
