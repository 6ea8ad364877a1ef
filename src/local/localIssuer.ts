/**
 * The local host's own token issuer, standing in for Entra ID: it signs workspace and core tokens
 * with a key kept in the data directory, and publishes the public half as a JWKS the token
 * validator checks against, exactly as it would check Entra's.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, SignJWT, type JSONWebKeySet, type JWK, type KeyLike } from 'jose';
import { epochSeconds } from '../domain/epochSeconds';
import type { Role } from '../domain/roles';

export const LOCAL_CORE_AUDIENCE = 'api://airlock-local/core';

export function localWorkspaceAudience(workspaceId: string): string {
  return 'api://airlock-local/workspaces/' + workspaceId;
}

/** Where the issuer's documents are served, relative to the issuer URL. */
export const LOCAL_ISSUER_PATHS = {
  openIdConfiguration: '/.well-known/openid-configuration',
  jwks: '/.well-known/jwks.json',
} as const;

const SIGNING_ALGORITHM = 'RS256';

export interface MintRequest {
  audience: string;
  /** becomes both `sub` and `oid`, the caller id */
  subject: string;
  name: string;
  email?: string;
  roles: readonly Role[];
  expiresInSeconds?: number;
}

export class LocalIssuer {
  private constructor(
    readonly issuer: string,
    private readonly signingKey: KeyLike,
    private readonly publicJwk: JWK,
  ) {}

  /** Loads the data directory's signing key, creating it on first start. */
  static async open(dataDir: string, issuer: string): Promise<LocalIssuer> {
    const storedJwk = await loadOrCreateSigningJwk(signingKeyPath(dataDir));
    const signingKey = (await importJWK(storedJwk, SIGNING_ALGORITHM)) as KeyLike;
    return new LocalIssuer(issuer, signingKey, publicHalfOf(storedJwk));
  }

  get keyId(): string {
    return this.publicJwk.kid as string;
  }

  get jwksUri(): string {
    return withoutTrailingSlash(this.issuer) + LOCAL_ISSUER_PATHS.jwks;
  }

  jwks(): JSONWebKeySet {
    return { keys: [{ ...this.publicJwk }] };
  }

  openIdConfiguration(): Record<string, unknown> {
    return {
      issuer: this.issuer,
      jwks_uri: this.jwksUri,
      id_token_signing_alg_values_supported: [SIGNING_ALGORITHM],
      token_endpoint_auth_signing_alg_values_supported: [SIGNING_ALGORITHM],
      claims_supported: ['iss', 'aud', 'sub', 'oid', 'name', 'email', 'preferred_username', 'roles', 'iat', 'nbf', 'exp'],
    };
  }

  async mint({ audience, subject, name, email, roles, expiresInSeconds = 3600 }: MintRequest): Promise<string> {
    if (!Number.isFinite(expiresInSeconds) || expiresInSeconds <= 0) {
      throw new RangeError(`expiresInSeconds must be a positive number (got ${expiresInSeconds})`);
    }
    const now = epochSeconds(new Date());
    // Shaped like an Entra ID v2 access token: `oid` is the caller id, `roles` is omitted when empty.
    const claims: Record<string, unknown> = { oid: subject, name };
    if (email) Object.assign(claims, { email, preferred_username: email });
    if (roles.length > 0) claims.roles = [...roles];
    return new SignJWT(claims)
      .setProtectedHeader({ alg: SIGNING_ALGORITHM, typ: 'JWT', kid: this.keyId })
      .setIssuer(this.issuer)
      .setAudience(audience)
      .setSubject(subject)
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(now + Math.floor(expiresInSeconds))
      .sign(this.signingKey);
  }
}

export function signingKeyPath(dataDir: string): string {
  return path.join(dataDir, 'identity', 'signing-key.json');
}

export function issuerInfoPath(dataDir: string): string {
  return path.join(dataDir, 'identity', 'issuer.json');
}

/** Tells the token CLI which issuer URL the running host uses (its port may not be the default). */
export async function writeIssuerInfo(dataDir: string, issuer: string): Promise<void> {
  const target = issuerInfoPath(dataDir);
  await fs.mkdir(path.dirname(target), { recursive: true, mode: 0o700 });
  // Written aside and renamed so a CLI reading at the same moment never sees half a file.
  const staging = stagingPathFor(target);
  await fs.writeFile(staging, JSON.stringify({ issuer }, null, 2) + '\n');
  await fs.rename(staging, target);
}

export async function readIssuerInfo(dataDir: string): Promise<string | undefined> {
  let text: string;
  try {
    text = await fs.readFile(issuerInfoPath(dataDir), 'utf8');
  } catch (error) {
    if (isErrnoCode(error, 'ENOENT')) return undefined;
    throw error;
  }
  const issuer: unknown = (JSON.parse(text) as { issuer?: unknown }).issuer;
  if (typeof issuer !== 'string' || !issuer) throw new Error(`${issuerInfoPath(dataDir)} has no "issuer" string`);
  return issuer;
}

async function loadOrCreateSigningJwk(file: string): Promise<JWK> {
  try {
    return parseSigningJwk(await fs.readFile(file, 'utf8'), file);
  } catch (error) {
    if (!isErrnoCode(error, 'ENOENT')) throw error;
  }
  return createSigningJwk(file);
}

/**
 * The host and the token CLI may both start first. The key is written whole to a private staging
 * file and then hard-linked into place, which fails if the other got there first; whoever loses
 * adopts the winner's key, so tokens and JWKS never disagree.
 */
async function createSigningJwk(file: string): Promise<JWK> {
  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const jwk = await generateSigningJwk();
  const staging = stagingPathFor(file);
  await fs.writeFile(staging, JSON.stringify(jwk, null, 2) + '\n', { mode: 0o600, flag: 'wx' });
  try {
    await fs.link(staging, file);
    return jwk;
  } catch (error) {
    if (!isErrnoCode(error, 'EEXIST')) throw error;
    return parseSigningJwk(await fs.readFile(file, 'utf8'), file);
  } finally {
    await fs.rm(staging, { force: true });
  }
}

async function generateSigningJwk(): Promise<JWK> {
  const { privateKey } = await generateKeyPair(SIGNING_ALGORITHM, { modulusLength: 2048, extractable: true });
  const jwk = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint(jwk);
  return { ...jwk, kid, alg: SIGNING_ALGORITHM, use: 'sig' };
}

function parseSigningJwk(text: string, file: string): JWK {
  let jwk: Partial<JWK>;
  try {
    jwk = JSON.parse(text) as Partial<JWK>;
  } catch {
    throw new Error(`${file} is not JSON; delete it to create a new signing key`);
  }
  if (!isRsaPrivateJwk(jwk)) throw new Error(`${file} is not an RSA private key with a kid; delete it to create a new signing key`);
  return { ...jwk, alg: SIGNING_ALGORITHM, use: 'sig' };
}

function isRsaPrivateJwk(jwk: Partial<JWK>): jwk is JWK {
  return jwk.kty === 'RSA' && [jwk.n, jwk.e, jwk.d, jwk.kid].every((part) => typeof part === 'string' && part !== '');
}

/** Only the public members: the private exponent and CRT factors must never reach the JWKS. */
function publicHalfOf(jwk: JWK): JWK {
  return { kty: jwk.kty, n: jwk.n, e: jwk.e, kid: jwk.kid, alg: SIGNING_ALGORITHM, use: 'sig' };
}

function stagingPathFor(file: string): string {
  return `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
}

function withoutTrailingSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

function isErrnoCode(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && (error as NodeJS.ErrnoException).code === code;
}
