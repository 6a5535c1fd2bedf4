import { parsePasswordHash } from '../../src/config/passwordHash';
import { checkPassword, hashPassword } from '../../src/security/password';

const FAST = { N: 1024, r: 8, p: 1 };

describe('password hashes', () => {
  test('a hash says how it was made, is salted, and checks only its own password', async () => {
    const a = await hashPassword('correct horse', FAST);
    const b = await hashPassword('correct horse', FAST);
    expect(a).toMatch(/^scrypt\$N=1024,r=8,p=1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain('correct horse');
    expect(await checkPassword('correct horse', a)).toBe(true);
    expect(await checkPassword('correct horse', b)).toBe(true);
    expect(await checkPassword('correct hors', a)).toBe(false);
    expect(await checkPassword('', a)).toBe(false);
  });

  test('the default parameters are the slow ones', async () => {
    expect(await hashPassword('x')).toMatch(/^scrypt\$N=16384,r=8,p=1\$/);
  });

  test('a Unicode password is checked whatever its normal form', async () => {
    const hash = await hashPassword('caf\u00e9', FAST);
    expect(await checkPassword('cafe\u0301', hash)).toBe(true);
  });

  test.each([
    ['plain text', 'secret'],
    ['another scheme', 'bcrypt$2b$10$abc'],
    ['N not a power of two', 'scrypt$N=1000,r=8,p=1$c2FsdHNhbHRzYWx0$a2V5a2V5a2V5a2V5a2V5a2V5'],
    ['N too large for a check to end', 'scrypt$N=1073741824,r=8,p=1$c2FsdHNhbHRzYWx0$a2V5a2V5a2V5a2V5a2V5a2V5'],
    ['r out of bounds', 'scrypt$N=1024,r=999,p=1$c2FsdHNhbHRzYWx0$a2V5a2V5a2V5a2V5a2V5a2V5'],
    ['a short key', 'scrypt$N=1024,r=8,p=1$c2FsdHNhbHRzYWx0$a2V5'],
  ])('%s is refused with a reason that does not repeat it', (_label, hash) => {
    let message = '';
    try {
      parsePasswordHash(hash);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).not.toBe('');
    expect(message).not.toContain(hash);
  });
});
