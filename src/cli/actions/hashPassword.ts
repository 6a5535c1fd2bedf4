/**
 * What `sdata-sync hash-password` does (declared in commands/hashPassword.ts): reads a password on stdin
 * (one trailing newline dropped) and prints its scrypt hash for a user's `passwordHash` in the security
 * section. The password is never an argument, so it stays out of shell history and process lists.
 */
import { hashPassword } from '../../security/password';
import { UsageError } from '../usage';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function runHashPassword(): Promise<void> {
  const password = (await readStdin()).replace(/\r?\n$/, '');
  if (password === '') throw new UsageError('no password on stdin');
  process.stdout.write(`${await hashPassword(password)}\n`);
}
