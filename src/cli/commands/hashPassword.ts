/**
 * `sdata-sync hash-password`: its declaration; what it does is loaded when it runs (actions/hashPassword.ts):
 * reads a password on stdin and prints its scrypt hash.
 */
import { Command } from 'commander';

export function hashPasswordCommand(): Command {
  return new Command('hash-password')
    .description('print the passwordHash of a password read on stdin (e.g. printf %s "$PASSWORD" | sdata-sync hash-password)')
    .action(() => (require('../actions/hashPassword') as typeof import('../actions/hashPassword')).runHashPassword());
}
