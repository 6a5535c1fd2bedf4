/** Users of the security tests, one per role, and the configuration that declares them. */
import { hashPassword } from '../../src/security/password';
import type { Role } from '../../src/security/roles';
import type { ConfigInput } from '../../src/config/schema';

/** Light scrypt parameters: the hash says which, so the check uses them too. */
const FAST = { N: 1024, r: 8, p: 1 };

export interface TestUser {
  name: string;
  password: string;
  roles: Role[];
  applications?: string[];
}

export const ROLE_USERS: TestUser[] = [
  { name: 'reader', password: 'reader pass é', roles: ['read'] },
  { name: 'writer', password: 'writer-pass', roles: ['write'] },
  { name: 'engine', password: 'engine:pass', roles: ['sync'] },
  { name: 'root', password: 'root-pass', roles: ['admin'] },
  { name: 'scraper', password: 'scraper-pass', roles: ['metrics'] },
];

export const ALICE: TestUser = { name: 'alice', password: 'alice-pass', roles: ['read', 'write'], applications: ['crm'] };

/** Enough wrong passwords for the tests that walk every route with them: none of them locks (lockout.db.test.ts tests the locks). */
const LENIENT_LOCKOUT = { failures: 100_000, addressFailures: 100_000 };

/** The `security` section declaring these users (anonymous callers get nothing). */
export async function securitySection(users: TestUser[] = [...ROLE_USERS, ALICE], anonymous?: Role[]): Promise<NonNullable<ConfigInput['security']>> {
  return {
    users: await Promise.all(users.map(async (u) => ({ name: u.name, passwordHash: await hashPassword(u.password, FAST), roles: u.roles, applications: u.applications }))),
    lockout: LENIENT_LOCKOUT,
    ...(anonymous ? { anonymous } : {}),
  };
}

export const basic = (user: string, password: string): string => `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;
