/**
 * The written form of a password hash in the configuration (`security.users[].passwordHash`), checked when
 * the file is loaded; security/password.ts makes and checks such hashes.
 *
 *   scrypt$N=16384,r=8,p=1$<salt, base64>$<derived key, base64>
 */

export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

/** Bounds on what a hash may ask for, so that a hash string cannot make a check take minutes or gigabytes. */
const MAX_N = 1 << 20;
const MAX_R = 32;
const MAX_P = 16;

export interface ParsedHash {
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
