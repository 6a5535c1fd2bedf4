/**
 * Credentials our own clients send (HTTP Basic): the engine, the CLI and the event logger's observer. Read
 * from the environment variable the configuration names, never from the file. The password lives only in
 * memory and in the Authorization header of requests; no message built here or elsewhere holds it.
 */
import type { ClientAuthConfig } from '../config/securitySchema';

export interface Credential {
  user: string;
  password: string;
}

/** A missing password variable; the message names the variable and the user, never a password. */
class MissingPasswordError extends Error {
  constructor(variable: string, user: string) {
    super(`environment variable ${variable} (the password of user '${user}') is not set`);
    this.name = 'MissingPasswordError';
  }
}

/** The credential an `auth: { user, passwordEnv }` entry names; undefined without one. */
export function credentialOf(auth: ClientAuthConfig | undefined, env: NodeJS.ProcessEnv = process.env): Credential | undefined {
  if (!auth) return undefined;
  const password = env[auth.passwordEnv];
  if (password === undefined || password === '') throw new MissingPasswordError(auth.passwordEnv, auth.user);
  return { user: auth.user, password };
}

/** The `Authorization: Basic` header value of a credential (RFC 7617, UTF-8). */
export function basicAuthorization(c: Credential): string {
  return `Basic ${Buffer.from(`${c.user}:${c.password}`, 'utf8').toString('base64')}`;
}
