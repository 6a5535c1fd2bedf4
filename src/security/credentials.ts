/**
 * Credentials our own clients send: the engine, the CLI and the event logger's observer. Either a user and
 * password (HTTP Basic) or a token (JWT, `Authorization: Bearer`), read from the environment variable the
 * configuration names, never from the file. The password or token lives only in memory and in the
 * Authorization header of requests; no message built here or elsewhere holds it.
 */
import type { ClientAuthConfig } from '../config/securitySchema';

export type Credential = { user: string; password: string } | { token: string };

/** A missing password or token variable, or one not holding a token; the message names the variable (and the user), never its value. */
class MissingSecretError extends Error {
  constructor(variable: string, what: string, problem = 'is not set') {
    super(`environment variable ${variable} (${what}) ${problem}`);
    this.name = 'MissingSecretError';
  }
}

/** The characters of a bearer token (RFC 6750 b64token); a JWT is base64url parts joined by dots. */
const TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

/** The credential an `auth: { user, passwordEnv }` or `auth: { tokenEnv }` entry names; undefined without one. */
export function credentialOf(auth: ClientAuthConfig | undefined, env: NodeJS.ProcessEnv = process.env): Credential | undefined {
  if (!auth) return undefined;
  if ('tokenEnv' in auth) {
    const token = env[auth.tokenEnv]?.trim();
    if (token === undefined || token === '') throw new MissingSecretError(auth.tokenEnv, 'the bearer token');
    if (!TOKEN.test(token)) throw new MissingSecretError(auth.tokenEnv, 'the bearer token', 'does not hold a token (base64url parts joined by dots)');
    return { token };
  }
  const password = env[auth.passwordEnv];
  if (password === undefined || password === '') throw new MissingSecretError(auth.passwordEnv, `the password of user '${auth.user}'`);
  return { user: auth.user, password };
}

/** The `Authorization` header value of a credential: Basic (RFC 7617, UTF-8) or Bearer (RFC 6750). */
export function authorizationOf(c: Credential): string {
  if ('token' in c) return `Bearer ${c.token}`;
  return `Basic ${Buffer.from(`${c.user}:${c.password}`, 'utf8').toString('base64')}`;
}
