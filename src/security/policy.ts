/**
 * The security policy of a server, from its `security` section: who the users are, what anonymous
 * callers may do, and the check of a user's password.
 *
 * - No users and no `anonymous`: a server on a loopback address grants anonymous callers every role
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
import type { Role } from './roles';

/** Who a request is made by. */
export interface Principal {
  /** Undefined for an anonymous request. */
  user?: string;
  roles: readonly Role[];
  /** Only these applications; all when undefined. */
  applications?: readonly string[];
  /**
   * Only these partitions of these kinds (kind name -> `where` expressions, as configured or claimed by a
   * token); undefined: every row its roles reach. What it grants is scope.ts's to say.
   */
  partitions?: Readonly<Record<string, readonly string[]>>;
}

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
  'or say explicitly what callers without credentials may do (security.anonymous: [read], or [] for nothing)',
].join('\n');

/** The policy of a server listening on `host`; throws StartRefused for an open server on a public address. */
export function securityPolicy(cfg: Omit<SecurityConfig, 'lockout'> & Partial<Pick<SecurityConfig, 'lockout'>>, host: string, service = 'server'): SecurityPolicy {
  if (cfg.users.length === 0 && cfg.anonymous === undefined && !isLoopback(host)) {
    throw new StartRefused(`the ${service} would listen on ${host || 'every address'} with no users and no security.anonymous: anyone could call it. To start it, ${HOW_TO_ADD_A_USER}`);
  }
  const anonymousRoles: Role[] = cfg.anonymous ?? (cfg.users.length === 0 ? ['admin'] : []);
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
