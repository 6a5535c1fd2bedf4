/**
 * Password hashes: scrypt (node:crypto), salted, written as one self-describing string
 *
 *   scrypt$N=16384,r=8,p=1$<salt, base64>$<derived key, base64>
 *
 * so the parameters can be raised later without breaking the hashes already in configuration files.
 * Checking derives the key with the parameters written in the hash and compares in constant time.
 */
import { randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from 'node:crypto';

export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

/** About 50 ms and 16 MB per hash on this machine kind. */
export const DEFAULT_SCRYPT: ScryptParams = { N: 16384, r: 8, p: 1 };
const SALT_BYTES = 16;
const KEY_BYTES = 32;
/** Bounds on what a hash may ask for, so that a hash string cannot make a check take minutes or gigabytes. */
const MAX_N = 1 << 20;
const MAX_R = 32;
const MAX_P = 16;

interface ParsedHash {
  params: ScryptParams;
  salt: Buffer;
  key: Buffer;
}

const HASH = /^scrypt\$N=(\d+),r=(\d+),p=(\d+)\$([A-Za-z0-9+/]+={0,2})\$([A-Za-z0-9+/]+={0,2})$/;

/** The parts of a hash string; throws an Error saying what is wrong (never echoing the string). */
export function parsePasswordHash(hash: string): ParsedHash {
  const m = HASH.exec(hash);
  if (!m) throw new Error('is not a password hash written by sdata-sync hash-password (scrypt$N=..,r=..,p=..$salt$key)');
  const [N, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (N < 2 || (N & (N - 1)) !== 0 || N > MAX_N) throw new Error(`scrypt N must be a power of two from 2 to ${MAX_N}`);
  if (r < 1 || r > MAX_R || p < 1 || p > MAX_P) throw new Error(`scrypt r must be 1..${MAX_R} and p 1..${MAX_P}`);
  const salt = Buffer.from(m[4], 'base64');
  const key = Buffer.from(m[5], 'base64');
  if (salt.length < 8 || key.length < 16) throw new Error('the salt or the key of the hash is too short');
  return { params: { N, r, p }, salt, key };
}

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
