import { createPublicKey, type JsonWebKey } from 'node:crypto';
import { promises as fs } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { generateKeyPair, importJWK, SignJWT, type JWK, type JWTPayload, type KeyLike } from 'jose';
import { ConfigError } from '../../../src/config';
import { DependencyError, NotFoundError, UnauthenticatedError } from '../../../src/domain/errors';
import type { Role } from '../../../src/domain/roles';
import { createTokenValidator, type IdentityConfig, type TokenValidator } from '../../../src/infra/identity/tokenValidator';
import {
  LOCAL_CORE_AUDIENCE,
  LOCAL_ISSUER_PATHS,
  LocalIssuer,
  localWorkspaceAudience,
  signingKeyPath,
} from '../../../src/local/localIssuer';

const DEMO_AUDIENCE = localWorkspaceAudience('demo');
const OTHER_AUDIENCE = localWorkspaceAudience('other');

let dataDir: string;
let server: http.Server;
let issuer: LocalIssuer;
let issuerSigningKey: KeyLike;
let jwksRequests = 0;
let config: IdentityConfig;
let validator: TokenValidator;

beforeAll(async () => {
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'airlock-identity-'));
  server = http.createServer((request, response) => {
    if (request.url !== '/local-issuer' + LOCAL_ISSUER_PATHS.jwks) {
      response.writeHead(404).end();
      return;
    }
    jwksRequests += 1;
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(issuer.jwks()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  issuer = await LocalIssuer.open(dataDir, `http://127.0.0.1:${port}/local-issuer`);
  issuerSigningKey = (await importJWK(JSON.parse(await fs.readFile(signingKeyPath(dataDir), 'utf8')) as JWK, 'RS256')) as KeyLike;
  config = {
    issuer: issuer.issuer,
    jwksUri: issuer.jwksUri,
    coreAudience: LOCAL_CORE_AUDIENCE,
    workspaceAudiences: { demo: DEMO_AUDIENCE, other: OTHER_AUDIENCE },
  };
  validator = createTokenValidator(config);
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await fs.rm(dataDir, { recursive: true, force: true });
});

const nowSeconds = () => Math.floor(Date.now() / 1000);

function mintAlice(overrides: { audience?: string; roles?: Role[] } = {}) {
  return issuer.mint({
    audience: overrides.audience ?? DEMO_AUDIENCE,
    subject: 'alice-oid',
    name: 'Alice',
    email: 'alice@example.org',
    roles: overrides.roles ?? ['WorkspaceResearcher'],
  });
}

/** Signs arbitrary claims, by default as the local issuer with its own key. */
function signClaims(claims: JWTPayload, signer: { key?: KeyLike | Uint8Array; alg?: string; kid?: string } = {}) {
  const now = nowSeconds();
  return new SignJWT({ iss: issuer.issuer, aud: DEMO_AUDIENCE, sub: 'alice-oid', iat: now, nbf: now, exp: now + 600, ...claims })
    .setProtectedHeader({ alg: signer.alg ?? 'RS256', typ: 'JWT', kid: signer.kid ?? issuer.keyId })
    .sign(signer.key ?? issuerSigningKey);
}

async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

async function expectUnauthenticated(token: string, scope: { workspaceId?: string }, detail: string | RegExp) {
  const error = await rejectionOf(validator.authenticate(`Bearer ${token}`, scope));
  expect(error).toBeInstanceOf(UnauthenticatedError);
  expect((error as UnauthenticatedError).httpStatus).toBe(401);
  expect((error as UnauthenticatedError).detail).toMatch(detail);
  expect(error.message).not.toContain(token);
}

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

describe('tokenValidator', () => {
  test('a valid workspace token gives the caller with its workspace roles', async () => {
    const caller = await validator.authenticate(`Bearer ${await mintAlice()}`, { workspaceId: 'demo' });
    expect(caller).toEqual({
      id: 'alice-oid',
      name: 'Alice',
      email: 'alice@example.org',
      roles: ['WorkspaceResearcher'],
      workspaceId: 'demo',
    });
    expect(jwksRequests).toBeGreaterThan(0);
  });

  test('a valid core token is accepted without a workspace scope, with core roles only', async () => {
    const token = await mintAlice({ audience: LOCAL_CORE_AUDIENCE, roles: ['TREAdmin', 'WorkspaceOwner'] });
    const caller = await validator.authenticate(`bearer ${token}`, {});
    expect(caller.roles).toEqual(['TREAdmin']);
    expect(caller.workspaceId).toBeUndefined();
  });

  test('a workspace token without a workspace scope names its workspace', async () => {
    const caller = await validator.authenticate(`Bearer ${await mintAlice({ audience: OTHER_AUDIENCE })}`, {});
    expect(caller.workspaceId).toBe('other');
  });

  test('a token for another workspace is refused', async () => {
    await expectUnauthenticated(await mintAlice({ audience: OTHER_AUDIENCE }), { workspaceId: 'demo' }, "token audience is not this workspace's");
  });

  test('a core token is refused in a workspace scope', async () => {
    await expectUnauthenticated(await mintAlice({ audience: LOCAL_CORE_AUDIENCE }), { workspaceId: 'demo' }, "token audience is not this workspace's");
  });

  test('a token for an unknown audience is refused', async () => {
    await expectUnauthenticated(await mintAlice({ audience: 'api://somebody-else' }), {}, 'token audience is not accepted');
  });

  test('a token from another issuer is refused, even signed with the same key', async () => {
    const impostor = await LocalIssuer.open(dataDir, 'https://login.example.org/tenant/v2.0');
    const token = await impostor.mint({ audience: DEMO_AUDIENCE, subject: 'mallory', name: 'Mallory', roles: ['AirlockManager'] });
    await expectUnauthenticated(token, { workspaceId: 'demo' }, 'token issuer is not trusted');
  });

  test('an expired token is refused', async () => {
    const token = await signClaims({ iat: nowSeconds() - 7200, nbf: nowSeconds() - 7200, exp: nowSeconds() - 3600 });
    await expectUnauthenticated(token, { workspaceId: 'demo' }, 'token has expired');
  });

  test('a token that is not valid yet is refused', async () => {
    const token = await signClaims({ nbf: nowSeconds() + 3600, exp: nowSeconds() + 7200 });
    await expectUnauthenticated(token, { workspaceId: 'demo' }, 'token is not valid yet');
  });

  test('a token without expiry is refused', async () => {
    const now = nowSeconds();
    const token = await new SignJWT({ iss: issuer.issuer, aud: DEMO_AUDIENCE, sub: 'alice-oid', iat: now })
      .setProtectedHeader({ alg: 'RS256', kid: issuer.keyId })
      .sign(issuerSigningKey);
    await expectUnauthenticated(token, { workspaceId: 'demo' }, 'token has no expiry');
  });

  test('a token signed by another key under the same kid is refused', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const token = await signClaims({ roles: ['AirlockManager'] }, { key: privateKey });
    await expectUnauthenticated(token, { workspaceId: 'demo' }, 'token signature is not valid');
  });

  test('a token signed by a key the issuer never published is refused', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const token = await signClaims({}, { key: privateKey, kid: 'not-a-published-kid' });
    await expectUnauthenticated(token, { workspaceId: 'demo' }, 'token was not signed by a key of the trusted issuer');
  });

  test("an unsigned token (alg 'none') is refused", async () => {
    const now = nowSeconds();
    const claims = { iss: issuer.issuer, aud: DEMO_AUDIENCE, sub: 'mallory', roles: ['AirlockManager'], nbf: now, exp: now + 600 };
    const token = `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(claims)}.`;
    await expectUnauthenticated(token, { workspaceId: 'demo' }, "token algorithm 'none' is not accepted");
  });

  test('an HS256 token keyed with the public key (algorithm confusion) is refused', async () => {
    const publicPem = createPublicKey({ key: issuer.jwks().keys[0] as JsonWebKey, format: 'jwk' }).export({ type: 'spki', format: 'pem' });
    const token = await signClaims({ roles: ['AirlockManager'] }, { alg: 'HS256', key: new TextEncoder().encode(String(publicPem)) });
    await expectUnauthenticated(token, { workspaceId: 'demo' }, "token algorithm 'HS256' is not accepted");
  });

  test.each([
    [undefined, 'missing bearer token'],
    [null, 'missing bearer token'],
    ['', 'missing bearer token'],
    ['Bearer', 'missing bearer token'],
    ['Basic YWxpY2U6c2VjcmV0', 'malformed Authorization header'],
    ['Bearer two tokens', 'malformed Authorization header'],
    ['Bearer not-a-jwt', 'token is not a well-formed JWT'],
  ])('Authorization %p is refused: %s', async (authorization, detail) => {
    const error = await rejectionOf(validator.authenticate(authorization, { workspaceId: 'demo' }));
    expect(error).toBeInstanceOf(UnauthenticatedError);
    expect((error as UnauthenticatedError).detail).toBe(detail);
  });

  test('roles outside the audience are dropped, as are unknown ones', async () => {
    const token = await signClaims({ oid: 'alice-oid', roles: ['WorkspaceResearcher', 'TREAdmin', 'SuperUser', 42, 'WorkspaceResearcher'] });
    const caller = await validator.authenticate(`Bearer ${token}`, { workspaceId: 'demo' });
    expect(caller.roles).toEqual(['WorkspaceResearcher']);
  });

  test("id falls back to 'sub', and email to an upn that looks like an address", async () => {
    const token = await signClaims({ sub: 'bob-sub', name: 'Bob', preferred_username: 'bob', upn: 'bob@corp.example' });
    const caller = await validator.authenticate(`Bearer ${token}`, { workspaceId: 'demo' });
    expect(caller).toEqual({ id: 'bob-sub', name: 'Bob', email: 'bob@corp.example', roles: [], workspaceId: 'demo' });
  });

  test('an unknown workspace is 404', async () => {
    const error = await rejectionOf(validator.authenticate(`Bearer ${await mintAlice()}`, { workspaceId: 'nowhere' }));
    expect(error).toBeInstanceOf(NotFoundError);
    expect((error as NotFoundError).httpStatus).toBe(404);
    expect((error as NotFoundError).detail).toBe("workspace 'nowhere' does not exist");
  });

  test('an unreachable key endpoint is a dependency failure, not the caller’s', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const unreachable = createTokenValidator({ ...config, jwksUri: `http://127.0.0.1:${port}/keys` });
    const error = await rejectionOf(unreachable.authenticate(`Bearer ${await mintAlice()}`, { workspaceId: 'demo' }));
    expect(error).toBeInstanceOf(DependencyError);
  });

  test('keys may be supplied in-process instead of fetched', async () => {
    const local = createTokenValidator({ ...config, jwksUri: 'http://unused.invalid/keys' }, { fetchJwks: async () => issuer.jwks() });
    await expect(local.authenticate(`Bearer ${await mintAlice()}`, { workspaceId: 'demo' })).resolves.toMatchObject({ id: 'alice-oid' });
  });

  test('two owners of one audience are refused at creation', () => {
    expect(() => createTokenValidator({ ...config, workspaceAudiences: { demo: DEMO_AUDIENCE, copy: DEMO_AUDIENCE } })).toThrow(
      /also the audience of workspace 'demo'/,
    );
  });

  test('every shared audience is named at once, as a configuration error', () => {
    const create = () =>
      createTokenValidator({ ...config, workspaceAudiences: { demo: DEMO_AUDIENCE, copy: DEMO_AUDIENCE, core: config.coreAudience } });
    expect(create).toThrow(ConfigError);
    expect(create).toThrow(`audience '${DEMO_AUDIENCE}' of workspace 'copy' is also the audience of workspace 'demo'`);
    expect(create).toThrow(`audience '${config.coreAudience}' of workspace 'core' is also the audience of the core`);
  });
});

describe('several trusted issuers (Entra ID v1 and v2 tokens)', () => {
  test('a token from either configured issuer is accepted; any other issuer is not', async () => {
    const v1Issuer = 'https://sts.windows.net/tenant-id/';
    const both = createTokenValidator({ ...config, issuer: [issuer.issuer, v1Issuer] });
    await expect(both.authenticate(`Bearer ${await signClaims({ iss: v1Issuer })}`, { workspaceId: 'demo' })).resolves.toMatchObject({ id: 'alice-oid' });
    await expect(both.authenticate(`Bearer ${await signClaims({})}`, { workspaceId: 'demo' })).resolves.toMatchObject({ id: 'alice-oid' });
    const stranger = await rejectionOf(both.authenticate(`Bearer ${await signClaims({ iss: 'https://sts.windows.net/other-tenant/' })}`, { workspaceId: 'demo' }));
    expect(stranger).toBeInstanceOf(UnauthenticatedError);
    expect(stranger.message).toBe('token issuer is not trusted');
  });
});
