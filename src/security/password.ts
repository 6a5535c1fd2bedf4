/**
 * Password hashes: scrypt (node:crypto), salted, written as one self-describing string (whose form
 * config/passwordHash.ts reads)
 *
 *   scrypt$N=16384,r=8,p=1$<salt, base64>$<derived key, base64>
 *
 * so the parameters can be raised later without breaking the hashes already in configuration files.
 * Checking derives the key with the parameters written in the hash and compares in constant time.
 */
import { randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { parsePasswordHash, type ParsedHash, type ScryptParams } from '../config/passwordHash';

/** About 50 ms and 16 MB per hash on this machine kind. */
export const DEFAULT_SCRYPT: ScryptParams = { N: 16384, r: 8, p: 1 };
const SALT_BYTES = 16;
const KEY_BYTES = 32;

function derive(password: string, salt: Buffer, length: number, { N, r, p }: ScryptParams): Promise<Buffer> {
  const options: ScryptOptions = { N, r, p, maxmem: 256 * N * r + 1024 * 1024 };
  return new Promise((resolve, reject) => scryptCallback(password.normalize('NFC'), salt, length, options, (err, key) => (err ? reject(err) : resolve(key))));
}

/** A new salted hash of the password. */
export async function hashPassword(password: string, params: ScryptParams = DEFAULT_SCRYPT): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, KEY_BYTES, params);
  return `scrypt$N=${params.N},r=${params.r},p=${params.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

/** True when the password is the one the hash was made from (constant-time comparison of the keys). */
export async function checkPassword(password: string, hash: string | ParsedHash): Promise<boolean> {
  const parsed = typeof hash === 'string' ? parsePasswordHash(hash) : hash;
  const key = await derive(password, parsed.salt, parsed.key.length, parsed.params);
  return timingSafeEqual(key, parsed.key);
}
