/**
 * The security policy of a server, from its `security` section: who the users are, what anonymous
 * callers may do, the check of a user's password, and the check of a token (`bearer`, bearer.ts).
 *
 * - No users, no `bearer` and no `anonymous`: a server on a loopback address grants anonymous callers every role
 *   (the demo and local tests); on any other address it refuses to start (StartRefused says how to add a
 *   user).
 * - Passwords are checked with scrypt (password.ts). A password found right is remembered for a minute
 *   (keyed by a keyed hash of user and password, never the password), so an engine's many requests do not
 *   each pay a scrypt; a wrong one is never remembered and always costs a full check, an unknown user too.
 * - Wrong passwords make their (user, address) pair, and after many their address, wait (loginThrottle.ts,
 *   the section's `lockout`): while it waits, the password is not checked and the answer says how long.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { LRUCache } from 'lru-cache';
import { lockoutSchema, type SecurityConfig } from '../config/securitySchema';
import { parsePasswordHash } from '../config/passwordHash';
import { LoginThrottle, type LoginCounts } from './loginThrottle';
import { checkPassword, DEFAULT_SCRYPT, hashPassword } from './password';
import { BearerKeyError, bearerVerifier, type BearerVerifier } from './bearer';
import type { Principal } from './principal';
import type { Role } from './roles';

export type { Principal } from './principal';

/** The outcome of credentials given from an address. */
export type Authentication =
  | { principal: Principal }
  /** An unknown user or a wrong password. */
  | { refused: 'credentials' }
  /** Too many wrong passwords of this user from this address (or from this address): not checked. */
  | { refused: 'locked'; retryAfterMillis: number };

export interface SecurityPolicy {
  anonymous: Principal;
  /** Checks a user's password given from a client address (the wrong ones are counted per address). */
  authenticate(user: string, password: string, address: string): Promise<Authentication>;
  /** Wrong passwords and refused locked-out requests so far (the metrics read them). */
  readonly loginCounts: Readonly<LoginCounts>;
  /** The check of `Authorization: Bearer` tokens; undefined when the section has no `bearer`. */
  bearer?: BearerVerifier;
}

/** A server that must not start as configured; the message says what to do. */
export class StartRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StartRefused';
  }
}

/** True for an address only this machine can reach: localhost, 127.0.0.0/8, ::1. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  return /^::ffff:127\./.test(h);
}

const HOW_TO_ADD_A_USER = [
  'add a user to the configuration file:',
  '  security:',
  '    users:',
  '      - name: admin',
  '        passwordHash: "<what `printf %s PASSWORD | sdata-sync hash-password` prints>"',
  '        roles: [admin]',
  'or accept tokens of an identity provider (security.bearer, see the README),',
  'or say explicitly what callers without credentials may do (security.anonymous: [read], or [] for nothing)',
].join('\n');

/**
 * The policy of a server listening on `host`; throws StartRefused for an open server on a public address,
 * and for a `bearer` section whose key cannot be had (its secret's variable unset, its JWKS file unreadable).
 */
export function securityPolicy(
  cfg: Omit<SecurityConfig, 'lockout' | 'bearer'> & Partial<Pick<SecurityConfig, 'lockout' | 'bearer'>>,
  host: string,
  service = 'server',
  env: NodeJS.ProcessEnv = process.env,
): SecurityPolicy {
  const callersDeclared = cfg.users.length > 0 || cfg.bearer !== undefined;
  if (!callersDeclared && cfg.anonymous === undefined && !isLoopback(host)) {
    throw new StartRefused(`the ${service} would listen on ${host || 'every address'} with no users, no security.bearer and no security.anonymous: anyone could call it. To start it, ${HOW_TO_ADD_A_USER}`);
  }
  let bearer: BearerVerifier | undefined;
  try {
    bearer = cfg.bearer && bearerVerifier(cfg.bearer, env);
  } catch (err) {
    if (err instanceof BearerKeyError) throw new StartRefused(`the ${service} cannot check tokens: ${err.message}`);
    throw err;
  }
  const anonymousRoles: Role[] = cfg.anonymous ?? (callersDeclared ? [] : ['admin']);
  const users = new Map(cfg.users.map((u) => [u.name, { principal: { user: u.name, roles: u.roles, applications: u.applications, partitions: u.partitions }, hash: parsePasswordHash(u.passwordHash) }]));
  const cacheKey = randomBytes(32);
  const checked = new LRUCache<string, true>({ max: 1000, ttl: 60_000 });
  let unknownUserHash: Promise<string> | undefined;
  const throttle = new LoginThrottle(cfg.lockout ?? lockoutSchema.parse({}));
  const check = async (user: string, password: string): Promise<Principal | undefined> => {
    const known = users.get(user);
    if (!known) {
      // The same work as for a known user, so timing does not tell which names exist.
      unknownUserHash ??= hashPassword(randomBytes(16).toString('hex'), DEFAULT_SCRYPT);
      await checkPassword(password, await unknownUserHash);
      return undefined;
    }
    const key = createHmac('sha256', cacheKey).update(user).update('\0').update(password).digest('base64');
    if (checked.has(key)) return known.principal;
    if (!(await checkPassword(password, known.hash))) return undefined;
    checked.set(key, true);
    return known.principal;
  };
  return {
    anonymous: { roles: anonymousRoles },
    loginCounts: throttle.counts,
    bearer,
    async authenticate(user, password, address) {
      const retryAfterMillis = await throttle.lockedFor(user, address);
      if (retryAfterMillis > 0) return { refused: 'locked', retryAfterMillis };
      const principal = await check(user, password);
      if (!principal) {
        await throttle.failed(user, address);
        return { refused: 'credentials' };
      }
      await throttle.succeeded(user, address);
      return { principal };
    },
  };
}
