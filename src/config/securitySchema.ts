/**
 * The `security` section (read by the endpoint server and the event logger), and the credentials our own
 * clients send (`auth` of engine routes and loggers).
 *
 *   security:
 *     users:
 *       - name: engine
 *         passwordHash: "scrypt$N=16384,r=8,p=1$..."   # written by: sdata-sync hash-password (password on stdin)
 *         roles: [sync]
 *       - name: alice
 *         passwordHash: "scrypt$..."
 *         roles: [read, write]
 *         applications: [crm]                          # optional: only these applications
 *       - name: paris
 *         passwordHash: "scrypt$..."
 *         roles: [read, write, sync]
 *         partitions: { accounts: ["country eq 'FR'"] } # optional: only these partitions (security/scope.ts)
 *     anonymous: []                                    # roles granted without credentials
 *     bearer:                                          # optional: JWTs of an identity provider (security/bearer.ts)
 *       issuer: https://id.example.com/
 *       audience: sdata-sync
 *       secretEnv: JWT_SECRET     # HS256 with the secret of this environment variable; or
 *       # jwksFile: jwks.json     # RS256 / ES256 with the public keys of this JWKS file (exactly one of the two)
 *       rolesClaim: roles         # the claim holding the role names (default roles)
 *       applicationsClaim: apps   # optional: the claim holding the application names (all when absent)
 *       partitionsClaim: partitions # optional: the claim holding kind -> partitions' where expressions
 *       clockToleranceSeconds: 30 # skew allowed on exp and nbf
 *     lockout:                                         # waits after wrong passwords (security/loginThrottle.ts)
 *       failures: 10          # wrong passwords of one user from one address that make the pair wait
 *       lockSeconds: 1        # its first wait; doubled at each further wrong password, up to maxLockSeconds
 *       maxLockSeconds: 60
 *       addressFailures: 100  # wrong passwords from one address, whatever the users, that make it wait maxLockSeconds
 *       windowSeconds: 900    # failures (and waits already served) older than this are forgotten
 *
 * Without users and without `anonymous`, a server on a loopback address grants anonymous callers every role
 * (the demo); on any other address it refuses to start.
 */
import { z } from 'zod';
import { parsePasswordHash } from './passwordHash';

/** The roles a user may be granted (security/roles.ts says what each may do). */
export const ROLES = ['read', 'write', 'sync', 'admin', 'metrics'] as const;

const role = z.enum(ROLES);

const passwordHash = z.string().superRefine((hash, ctx) => {
  try {
    parsePasswordHash(hash);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
  }
});

/** Kind name -> the partitions' `where` expressions a user (or a token's claim) is given: bounded. */
export const userPartitionsSchema = z
  .record(z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,63}$/, 'must be a kind name'), z.array(z.string().min(1).max(1000)).max(100))
  .refine((p) => Object.keys(p).length <= 100, { message: 'at most 100 kinds' });

const userSchema = z.strictObject({
  name: z.string().regex(/^[^:\s]{1,64}$/, 'must be 1 to 64 characters without spaces or colons'),
  passwordHash,
  roles: z.array(role).min(1),
  /** Only these applications (by name); every application when absent. */
  applications: z.array(z.string().min(1)).min(1).optional(),
  /**
   * Only these partitions (kind name -> `where` expressions, each one of that kind's configured partitions,
   * checked by config/schema.ts); every row its roles reach when absent (security/scope.ts).
   */
  partitions: userPartitionsSchema.optional(),
});

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, 'must be an environment variable name');
const claimName = z.string().min(1).max(256);

/** Tokens (JWT) of an identity provider, checked beside the users' passwords (security/bearer.ts). */
export const bearerSchema = z
  .strictObject({
    /** The `iss` a token must carry. */
    issuer: z.string().min(1).max(2048),
    /** The `aud` a token must carry (one of its audiences). */
    audience: z.string().min(1).max(2048),
    /** HS256: the shared secret is the value of this environment variable (at least 32 bytes). */
    secretEnv: envName.optional(),
    /** RS256 / ES256: a JWKS file holding the identity provider's public keys. */
    jwksFile: z.string().min(1).max(4096).optional(),
    /** The claim holding the principal's role names (an array; names that are not roles are ignored). */
    rolesClaim: claimName.default('roles'),
    /** The claim holding the applications the principal may use (an array); every application when absent. */
    applicationsClaim: claimName.optional(),
    /** The claim holding the principal's partitions (an object: kind -> `where` expressions). */
    partitionsClaim: claimName.optional(),
    /** Clock skew allowed on `exp` and `nbf`. */
    clockToleranceSeconds: z.number().int().min(0).max(300).default(30),
  })
  .refine((b) => (b.secretEnv === undefined) !== (b.jwksFile === undefined), { message: 'give exactly one of secretEnv (HS256) and jwksFile (RS256 / ES256)' });

export const lockoutSchema = z
  .strictObject({
    failures: z.number().int().positive().default(10),
    lockSeconds: z.number().positive().default(1),
    maxLockSeconds: z.number().positive().default(60),
    addressFailures: z.number().int().positive().default(100),
    windowSeconds: z.number().positive().default(900),
  })
  .refine((l) => l.lockSeconds <= l.maxLockSeconds, { message: 'lockSeconds must not be over maxLockSeconds', path: ['lockSeconds'] })
  .prefault({});

export const securitySchema = z
  .strictObject({
    users: z.array(userSchema).default([]),
    /** Roles granted to requests without credentials. */
    anonymous: z.array(role).optional(),
    lockout: lockoutSchema,
    bearer: bearerSchema.optional(),
  })
  .superRefine((s, ctx) => {
    const names = s.users.map((u) => u.name);
    names.forEach((n, i) => {
      if (names.indexOf(n) !== i) ctx.addIssue({ code: 'custom', path: ['users', i, 'name'], message: `user '${n}' is declared twice` });
    });
  })
  .prefault({});

/**
 * Credentials a client of ours sends: a user whose password is read from the environment variable
 * `passwordEnv` (HTTP Basic), or a token (JWT) read from the environment variable `tokenEnv` (Bearer);
 * never from the file.
 */
export const clientAuthSchema = z.union([
  z.strictObject({
    user: z.string().regex(/^[^:\s]{1,64}$/, 'must be 1 to 64 characters without spaces or colons'),
    passwordEnv: envName,
  }),
  z.strictObject({ tokenEnv: envName }),
], { error: 'must be { user, passwordEnv } (HTTP Basic) or { tokenEnv } (a bearer token)' });

/** PEM files of a server's certificate (chain) and private key. */
export const tlsSchema = z.strictObject({ cert: z.string().min(1), key: z.string().min(1) });

/** The scheme a server with this TLS setting answers. */
export const schemeOf = (tls: TlsConfig | undefined): 'http' | 'https' => (tls ? 'https' : 'http');

export type SecurityConfig = z.output<typeof securitySchema>;
export type BearerConfig = z.output<typeof bearerSchema>;
export type LockoutConfig = z.output<typeof lockoutSchema>;
export type ClientAuthConfig = z.output<typeof clientAuthSchema>;
export type TlsConfig = z.output<typeof tlsSchema>;
