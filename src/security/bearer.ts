/**
 * Tokens (JWT) of an identity provider, the `security.bearer` section: the check of a token sent as
 * `Authorization: Bearer`, and the principal it names.
 *
 * - The key is read once, at start: the HS256 secret from the environment variable `secretEnv` (at least
 *   32 bytes), or the public keys of the JWKS file `jwksFile` (RSA of 2048 bits or more for RS256, P-256
 *   for ES256; a private key in it is refused). A missing variable or an unreadable or invalid file stops
 *   the start (StartRefused), naming the variable or the file, never what they hold.
 * - A token is checked with jose: at most 8,192 characters, its algorithm in the allow-list of the key
 *   (HS256 for a secret, RS256 and ES256 for a JWKS: a token signed with HS256 over a public key is
 *   refused), its signature, `iss`, `aud`, `exp` (required) and `nbf` with `clockToleranceSeconds` of skew,
 *   and `sub` (required).
 * - Its principal: the user `sub`; the roles named in the roles claim (an array of names: names that are
 *   not roles of sdata-sync are ignored, as identity providers put their own roles in the same claim);
 *   the applications of the applications claim when configured and present (every one otherwise, as for a
 *   user without `applications`); the partitions of the partitions claim when configured and present.
 *   A claim of the wrong shape refuses the token rather than being dropped, which could widen access.
 * - A refusal says why in words of its own: nothing of the token is echoed.
 */
import { createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createLocalJWKSet, errors, jwtVerify, type JSONWebKeySet, type JWK, type JWTPayload } from 'jose';
import { z } from 'zod';
import { ROLES, userPartitionsSchema, type BearerConfig } from '../config/securitySchema';
import type { Principal } from './principal';
import type { Role } from './roles';

/** The longest token read; a longer one is refused before any parsing. */
export const MAX_TOKEN_LENGTH = 8192;

/** The shortest HS256 secret accepted (RFC 7518 3.2: a key at least as long as the hash). */
const MIN_SECRET_BYTES = 32;

const MIN_RSA_BITS = 2048;

/** The outcome of a token's check. */
export type TokenCheck = { principal: Principal } | { refused: string };

export interface BearerVerifier {
  verify(token: string): Promise<TokenCheck>;
}

/** Why a server must not start with this section (policy.ts turns it into StartRefused). */
export class BearerKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BearerKeyError';
  }
}

type Key = Uint8Array | ReturnType<typeof createLocalJWKSet>;

function secretOf(variable: string, env: NodeJS.ProcessEnv): Uint8Array {
  const value = env[variable];
  if (value === undefined || value === '') throw new BearerKeyError(`security.bearer.secretEnv: the environment variable ${variable} (the HS256 secret) is not set`);
  const secret = new TextEncoder().encode(value);
  if (secret.length < MIN_SECRET_BYTES) throw new BearerKeyError(`security.bearer.secretEnv: the environment variable ${variable} holds fewer than ${MIN_SECRET_BYTES} bytes: an HS256 secret needs at least ${MIN_SECRET_BYTES}`);
  return secret;
}

/** Why one key of a JWKS file is not a public key for RS256 or ES256; undefined when it is. */
function keyProblem(jwk: unknown): string | undefined {
  if (jwk === null || typeof jwk !== 'object' || Array.isArray(jwk)) return 'is not an object';
  const k = jwk as JWK;
  if ('d' in k || 'p' in k || 'k' in k) return 'holds a private or secret key: the file must hold public keys only';
  if (k.kty !== 'RSA' && k.kty !== 'EC') return `has kty ${JSON.stringify(String(k.kty)).slice(0, 20)}: RSA (RS256) or EC (ES256) expected`;
  if (k.kty === 'EC' && k.crv !== 'P-256') return 'is an EC key whose curve is not P-256 (ES256)';
  if (k.alg !== undefined && k.alg !== (k.kty === 'RSA' ? 'RS256' : 'ES256')) return `has alg ${JSON.stringify(String(k.alg)).slice(0, 20)}: ${k.kty === 'RSA' ? 'RS256' : 'ES256'} expected`;
  try {
    const key = createPublicKey({ key: k as import('node:crypto').JsonWebKey, format: 'jwk' });
    if (k.kty === 'RSA' && (key.asymmetricKeyDetails?.modulusLength ?? 0) < MIN_RSA_BITS) return `is an RSA key of fewer than ${MIN_RSA_BITS} bits`;
  } catch {
    return 'is not a valid public key';
  }
  return undefined;
}

function jwksOf(file: string): Key {
  const at = `security.bearer.jwksFile ${file}`;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new BearerKeyError(`${at}: cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  let jwks: unknown;
  try {
    jwks = JSON.parse(text);
  } catch {
    // The parser's message may quote the file: not repeated.
    throw new BearerKeyError(`${at}: is not JSON (a JWKS file is { "keys": [ ... ] })`);
  }
  const keys = (jwks as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys) || keys.length === 0 || keys.length > 100) throw new BearerKeyError(`${at}: must be a JWKS, { "keys": [ ... ] } with 1 to 100 public keys`);
  keys.forEach((k, i) => {
    const problem = keyProblem(k);
    if (problem) throw new BearerKeyError(`${at}: key ${i} ${problem}`);
  });
  return createLocalJWKSet(jwks as JSONWebKeySet);
}

const names = z.array(z.string().min(1).max(256)).max(100);
const subject = z.string().min(1).max(256).regex(/^[^\p{Cc}]*$/u);

/** A claim the payload holds itself (never one of Object's). */
const claim = (payload: JWTPayload, name: string): unknown => (Object.hasOwn(payload, name) ? payload[name] : undefined);

/** The principal a verified payload names, or why its claims are refused. */
function principalOf(payload: JWTPayload, cfg: BearerConfig): Principal | string {
  const sub = subject.safeParse(payload.sub);
  if (!sub.success) return "the token's sub must be a name of 1 to 256 characters";
  const roleNames = names.safeParse(claim(payload, cfg.rolesClaim) ?? []);
  if (!roleNames.success) return `the token's '${cfg.rolesClaim}' claim must be an array of role names`;
  const roles = [...new Set(roleNames.data.filter((r): r is Role => (ROLES as readonly string[]).includes(r)))];
  const principal: Principal = { user: sub.data, roles };
  if (cfg.applicationsClaim !== undefined && claim(payload, cfg.applicationsClaim) !== undefined) {
    const apps = names.min(1).safeParse(claim(payload, cfg.applicationsClaim));
    if (!apps.success) return `the token's '${cfg.applicationsClaim}' claim must be an array of application names`;
    principal.applications = apps.data;
  }
  if (cfg.partitionsClaim !== undefined && claim(payload, cfg.partitionsClaim) !== undefined) {
    const partitions = userPartitionsSchema.safeParse(claim(payload, cfg.partitionsClaim));
    if (!partitions.success) return `the token's '${cfg.partitionsClaim}' claim must be an object: kind name -> array of partitions (at most 100 kinds of 100)`;
    principal.partitions = partitions.data;
  }
  return principal;
}

/** Why jose refused a token, in words that quote nothing of it. */
function reasonOf(err: errors.JOSEError, cfg: BearerConfig, algorithms: string[]): string {
  if (err instanceof errors.JWTExpired) return 'the token has expired';
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.reason === 'missing') return `the token has no ${err.claim} claim`;
    if (err.claim === 'nbf') return 'the token is not valid yet (nbf)';
    if (err.claim === 'iss') return `the token was not issued by ${cfg.issuer}`;
    if (err.claim === 'aud') return `the token is not meant for ${cfg.audience}`;
    return `the token's ${err.claim} claim is not valid`;
  }
  if (err instanceof errors.JOSEAlgNotAllowed) return `the token's algorithm is not accepted here (${algorithms.join(', ')})`;
  if (err instanceof errors.JWSSignatureVerificationFailed) return "the token's signature does not verify";
  if (err instanceof errors.JWKSNoMatchingKey) return 'no key of the identity provider matches the token';
  return 'not a valid JWT';
}

/** The verifier of a `security.bearer` section; throws BearerKeyError when its key cannot be had. */
export function bearerVerifier(cfg: BearerConfig, env: NodeJS.ProcessEnv = process.env): BearerVerifier {
  const key = cfg.secretEnv !== undefined ? secretOf(cfg.secretEnv, env) : jwksOf(cfg.jwksFile as string);
  const algorithms = cfg.secretEnv !== undefined ? ['HS256'] : ['RS256', 'ES256'];
  const options = { issuer: cfg.issuer, audience: cfg.audience, algorithms, clockTolerance: cfg.clockToleranceSeconds, requiredClaims: ['exp', 'sub'] };
  return {
    async verify(token) {
      if (token.length > MAX_TOKEN_LENGTH) return { refused: `the token is longer than ${MAX_TOKEN_LENGTH} characters` };
      let payload: JWTPayload;
      try {
        // Two calls for the type checker: jose overloads a key and a key set separately.
        payload = (key instanceof Uint8Array ? await jwtVerify(token, key, options) : await jwtVerify(token, key, options)).payload;
      } catch (err) {
        if (err instanceof errors.JOSEError) return { refused: reasonOf(err, cfg, algorithms) };
        throw err;
      }
      const principal = principalOf(payload, cfg);
      return typeof principal === 'string' ? { refused: principal } : { principal };
    },
  };
}
