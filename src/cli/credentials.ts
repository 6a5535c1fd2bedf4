/** The credential of the CLI's `--user NAME` option: the password comes from SDATA_PASSWORD, never from a flag. */
import type { Credential } from '../security/credentials';
import { UsageError } from './usage';

export const USER_OPTION_HELP = 'send Basic credentials as this user (password in SDATA_PASSWORD)';

/** `--user NAME` with its password from SDATA_PASSWORD; undefined without `--user`. */
export function credentialOfOption(user: string | undefined, env: NodeJS.ProcessEnv = process.env): Credential | undefined {
  if (user === undefined) return undefined;
  const password = env.SDATA_PASSWORD;
  if (!password) throw new UsageError(`--user ${user} needs the password in the environment variable SDATA_PASSWORD`);
  return { user, password };
}
