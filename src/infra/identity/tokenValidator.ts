/**
 * Bearer-token authentication, Azure TRE style: every workspace has its own app registration, so a
 * token's audience says which workspace it was issued for and its `roles` claim carries the
 * caller's roles in that workspace only. TREAdmin/TREUser come from the core app registration.
 */
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  decodeProtectedHeader,
  errors,
  jwtVerify,
  type JSONWebKeySet,
  type JWTPayload,
  type JWTVerifyGetKey,
} from 'jose';
import { ConfigError } from '../../config';
import { DependencyError, NotFoundError, UnauthenticatedError } from '../../domain/errors';
import { CORE_ROLES, WORKSPACE_ROLES, type Caller, type Role } from '../../domain/roles';
import { errorText } from '../../domain/errorText';

export interface IdentityConfig {
  /** One issuer, or several (Entra ID's v1 `https://sts.windows.net/<tenant>/` and v2 `.../v2.0` issuers). */
  issuer: string | string[];
  jwksUri: string;
  coreAudience: string;
  /** workspaceId → audience (the workspace app registration's client id) */
  workspaceAudiences: Record<string, string>;
  /** Allowed skew between our clock and the issuer's when checking `exp`/`nbf`; default 60. */
  clockToleranceSeconds?: number;
}

export interface TokenValidatorOptions {
  /**
   * Supplies the JWKS document instead of fetching `jwksUri` over HTTP (the local host hands over
   * its own issuer's keys). Called once, then again only when a token names a key it lacks.
   */
  fetchJwks?: () => Promise<JSONWebKeySet>;
}

export interface TokenValidator {
  authenticate(authorization: string | null | undefined, scope: { workspaceId?: string }): Promise<Caller>;
}

/** Asymmetric only: with HS* anyone holding the (public) verification key could mint tokens. */
const ACCEPTED_ALGORITHMS = ['RS256', 'ES256'];
const DEFAULT_CLOCK_TOLERANCE_SECONDS = 60;
/** How soon an unknown `kid` may trigger another key fetch; stops random kids from hammering the issuer. */
const KEY_REFETCH_COOLDOWN_MS = 30_000;

/** Who a token audience belongs to: a workspace, or the core (workspaceId undefined). */
interface AudienceOwner {
  audience: string;
  workspaceId?: string;
}

export function createTokenValidator(config: IdentityConfig, options: TokenValidatorOptions = {}): TokenValidator {
  assertAudiencesAreDistinct(config);
  const resolveKey = signingKeyResolver(config, options);
  const clockTolerance = config.clockToleranceSeconds ?? DEFAULT_CLOCK_TOLERANCE_SECONDS;

  return {
    async authenticate(authorization, scope) {
      const token = bearerTokenOf(authorization);
      const acceptedOwners = audienceOwnersFor(config, scope.workspaceId);
      rejectUnacceptedAlgorithm(token);
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, resolveKey, {
          issuer: config.issuer,
          audience: acceptedOwners.map((owner) => owner.audience),
          algorithms: ACCEPTED_ALGORITHMS,
          clockTolerance,
          requiredClaims: ['exp'],
        }));
      } catch (error) {
        throw failureOf(error, scope.workspaceId !== undefined);
      }
      return callerOf(payload, ownerNamedBy(payload, acceptedOwners));
    },
  };
}

/**
 * Two owners sharing one audience would let a token for one workspace act in another, so such a
 * configuration is refused at start-up rather than resolved by guessing.
 */
function assertAudiencesAreDistinct(config: IdentityConfig): void {
  const ownerByAudience = new Map<string, string>([[config.coreAudience, 'the core']]);
  const problems: string[] = [];
  for (const [workspaceId, audience] of Object.entries(config.workspaceAudiences)) {
    const previous = ownerByAudience.get(audience);
    if (previous) problems.push(`audience '${audience}' of workspace '${workspaceId}' is also the audience of ${previous}`);
    else ownerByAudience.set(audience, `workspace '${workspaceId}'`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
}

function bearerTokenOf(authorization: string | null | undefined): string {
  const header = authorization?.trim();
  if (!header || /^bearer$/i.test(header)) throw new UnauthenticatedError('missing bearer token');
  const match = /^bearer\s+(\S+)$/i.exec(header);
  if (!match) throw new UnauthenticatedError('malformed Authorization header');
  return match[1];
}

function audienceOwnersFor(config: IdentityConfig, workspaceId: string | undefined): AudienceOwner[] {
  const workspaceOwners = Object.entries(config.workspaceAudiences).map(([id, audience]) => ({ audience, workspaceId: id }));
  if (workspaceId === undefined) return [{ audience: config.coreAudience }, ...workspaceOwners];
  const owner = workspaceOwners.find((candidate) => candidate.workspaceId === workspaceId);
  if (!owner) throw new NotFoundError(`workspace '${workspaceId}' does not exist`);
  return [owner];
}

/**
 * jose would refuse these too; checking first gives the caller a precise reason, and 'none' or
 * HS* never reach key resolution.
 */
function rejectUnacceptedAlgorithm(token: string): void {
  let algorithm: unknown;
  try {
    algorithm = decodeProtectedHeader(token).alg;
  } catch {
    throw new UnauthenticatedError('token is not a well-formed JWT');
  }
  if (typeof algorithm === 'string' && ACCEPTED_ALGORITHMS.includes(algorithm)) return;
  throw new UnauthenticatedError(`token algorithm '${printableAlgorithm(algorithm)}' is not accepted`);
}

/** The header is attacker-controlled: echo only what looks like an algorithm name. */
function printableAlgorithm(algorithm: unknown): string {
  return typeof algorithm === 'string' && /^[A-Za-z0-9_+-]{1,20}$/.test(algorithm) ? algorithm : 'unrecognised';
}

/** Marks a failure to obtain the issuer's keys: our dependency's fault, not the caller's. */
class SigningKeysUnavailable extends Error {}

function signingKeyResolver(config: IdentityConfig, options: TokenValidatorOptions): JWTVerifyGetKey {
  const resolve: JWTVerifyGetKey = options.fetchJwks
    ? suppliedKeySet(options.fetchJwks)
    : createRemoteJWKSet(new URL(config.jwksUri)); // caches the keys and refetches on an unknown kid
  return async (header, token) => {
    try {
      return await resolve(header, token);
    } catch (error) {
      if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) throw error;
      throw new SigningKeysUnavailable(errorText(error));
    }
  };
}

/** The same caching as jose's remote key set, over a caller-supplied JWKS source. */
function suppliedKeySet(fetchJwks: () => Promise<JSONWebKeySet>): JWTVerifyGetKey {
  let current: Promise<{ resolve: JWTVerifyGetKey; fetchedAt: number }> | undefined;
  const refresh = () => {
    const fetching = fetchJwks().then((jwks) => ({ resolve: createLocalJWKSet(jwks), fetchedAt: Date.now() }));
    current = fetching;
    // A failed fetch must not be cached, or one outage would outlive itself.
    fetching.catch(() => {
      if (current === fetching) current = undefined;
    });
    return fetching;
  };
  return async (header, token) => {
    const keySet = await (current ?? refresh());
    try {
      return await keySet.resolve(header, token);
    } catch (error) {
      const mayRefetch = error instanceof errors.JWKSNoMatchingKey && Date.now() - keySet.fetchedAt >= KEY_REFETCH_COOLDOWN_MS;
      if (!mayRefetch) throw error;
      return (await refresh()).resolve(header, token);
    }
  };
}

function failureOf(error: unknown, workspaceScoped: boolean): Error {
  if (error instanceof SigningKeysUnavailable) {
    return new DependencyError(`the token issuer's signing keys could not be fetched: ${error.message}`);
  }
  return new UnauthenticatedError(reasonTokenFailed(error, workspaceScoped));
}

function reasonTokenFailed(error: unknown, workspaceScoped: boolean): string {
  if (error instanceof errors.JWTExpired) return 'token has expired';
  if (error instanceof errors.JWTClaimValidationFailed) return reasonClaimFailed(error, workspaceScoped);
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'token signature is not valid';
  if (error instanceof errors.JWKSNoMatchingKey) return 'token was not signed by a key of the trusted issuer';
  if (error instanceof errors.JWKSMultipleMatchingKeys) return 'token signing key is ambiguous';
  if (error instanceof errors.JOSEAlgNotAllowed) return 'token algorithm is not accepted';
  if (error instanceof errors.JOSENotSupported) return 'token uses a feature that is not supported';
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) return 'token is not a well-formed JWT';
  return 'token could not be validated';
}

function reasonClaimFailed(error: errors.JWTClaimValidationFailed, workspaceScoped: boolean): string {
  switch (error.claim) {
    case 'iss':
      return 'token issuer is not trusted';
    case 'aud':
      return workspaceScoped ? "token audience is not this workspace's" : 'token audience is not accepted';
    case 'nbf':
      return 'token is not valid yet';
    case 'exp':
      return error.reason === 'missing' ? 'token has no expiry' : 'token expiry is not valid';
    default:
      return `token claim '${error.claim}' is not valid`;
  }
}

/**
 * jose has checked that `aud` names at least one accepted audience. A token naming several could be
 * read as core or as workspace, with different role sets, so it is refused.
 */
function ownerNamedBy(payload: JWTPayload, acceptedOwners: AudienceOwner[]): AudienceOwner {
  const audiences = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
  const named = acceptedOwners.filter((owner) => audiences.includes(owner.audience));
  if (named.length !== 1) throw new UnauthenticatedError('token audience is ambiguous');
  return named[0];
}

function callerOf(payload: JWTPayload, owner: AudienceOwner): Caller {
  const id = nonEmptyString(payload.oid) ?? nonEmptyString(payload.sub);
  if (!id) throw new UnauthenticatedError("token names no user (no 'oid' or 'sub' claim)");
  const email = [payload.email, payload.preferred_username, payload.upn].map(nonEmptyString).find((value) => value?.includes('@'));
  const caller: Caller = {
    id,
    name: nonEmptyString(payload.name) ?? id,
    roles: rolesOf(payload.roles, owner.workspaceId === undefined ? CORE_ROLES : WORKSPACE_ROLES),
  };
  if (email) caller.email = email;
  if (owner.workspaceId !== undefined) caller.workspaceId = owner.workspaceId;
  return caller;
}

/** Roles outside the audience's own set are dropped: a workspace token cannot confer TREAdmin. */
function rolesOf(claim: unknown, allowed: readonly Role[]): Role[] {
  if (!Array.isArray(claim)) return [];
  return allowed.filter((role) => claim.includes(role));
}

function nonEmptyString(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}
