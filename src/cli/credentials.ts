/**
 * The credential of the CLI's `--user NAME` option (the password comes from SDATA_PASSWORD, never from a
 * flag) or of its `--token-env NAME` option (a bearer token read from that environment variable).
 */
import { credentialOf, type Credential } from '../security/credentials';
import { UsageError } from './usage';

export interface CredentialOptions {
  user?: string;
  tokenEnv?: string;
}

/** `--user NAME` with its password from SDATA_PASSWORD, or `--token-env NAME`; undefined without either. */
export function credentialOfOptions(o: CredentialOptions, env: NodeJS.ProcessEnv = process.env): Credential | undefined {
  if (o.user !== undefined && o.tokenEnv !== undefined) throw new UsageError('give --user or --token-env, not both');
  if (o.tokenEnv !== undefined) {
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,127}$/.test(o.tokenEnv)) throw new UsageError(`--token-env ${o.tokenEnv}: must be an environment variable name`);
    try {
      return credentialOf({ tokenEnv: o.tokenEnv }, env);
    } catch (err) {
      throw new UsageError(`--token-env: ${(err as Error).message}`);
    }
  }
  if (o.user === undefined) return undefined;
  const password = env.SDATA_PASSWORD;
  if (!password) throw new UsageError(`--user ${o.user} needs the password in the environment variable SDATA_PASSWORD`);
  return { user: o.user, password };
}
