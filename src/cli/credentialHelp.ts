/**
 * The help of the credential options (`--user`, `--token-env`): the command declarations read it, so it
 * lives apart from credentials.ts, whose work (and its security imports) loads only when a command runs.
 */
export const USER_OPTION_HELP = 'send Basic credentials as this user (password in SDATA_PASSWORD)';
export const TOKEN_ENV_OPTION_HELP = 'send the token (JWT) held by this environment variable as Authorization: Bearer';
