/** Protected by default: an open server on a public address does not start; what the configuration accepts. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { parseConfig } from '../../src/config/load';
import { startServer } from '../../src/endpoint/server';
import { startLogger } from '../../src/logger/service';
import { main } from '../../src/cli/program';
import { isLoopback, securityPolicy, StartRefused } from '../../src/security/policy';
import { testConfig } from '../endpoint/support/testConfig';
import { securitySection } from './support';

const refusal = async (start: () => Promise<unknown>): Promise<Error> => {
  try {
    await start();
  } catch (err) {
    return err as Error;
  }
  throw new Error('it started');
};

describe('an open server on a public address', () => {
  test.each(['0.0.0.0', '::', '192.168.1.20', ''])('%s with no users and no security.anonymous is refused, saying how to add a user', async (host) => {
    const err = await refusal(() => startServer(testConfig({ server: { host, port: 0 }, storage: { dataDir: 'memory://' } })));
    expect(err).toBeInstanceOf(StartRefused);
    expect(err.message).toContain('sdata-sync hash-password');
    expect(err.message).toContain('security:');
  });

  test('the event logger too', async () => {
    const err = await refusal(() => startLogger(testConfig({ logger: { host: '0.0.0.0', port: 0, dataDir: 'memory://' } })));
    expect(err).toBeInstanceOf(StartRefused);
  });

  test('sdata-sync serve exits 2 with the message', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sdata-open-'));
    const file = join(dir, 'open.yaml');
    writeFileSync(file, stringify({ server: { host: '0.0.0.0', port: 0 }, storage: { dataDir: 'memory://' } }));
    const written: string[] = [];
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    try {
      expect(await main(['serve', '--config', file])).toBe(2);
    } finally {
      spy.mockRestore();
    }
    expect(written.join('')).toContain('printf %s PASSWORD | sdata-sync hash-password');
  });

  test('with users, or with an explicit security.anonymous, the policy is built', async () => {
    const withUsers = testConfig({ security: await securitySection() });
    expect(securityPolicy(withUsers.security, '0.0.0.0').anonymous.roles).toEqual([]);
    expect(securityPolicy(testConfig({ security: { anonymous: [] } }).security, '0.0.0.0').anonymous.roles).toEqual([]);
    expect(securityPolicy(testConfig({ security: { anonymous: ['read'] } }).security, '::').anonymous.roles).toEqual(['read']);
  });

  test('on loopback with no users, anonymous callers get every role (the demo)', () => {
    expect(securityPolicy(testConfig().security, '127.0.0.1').anonymous.roles).toEqual(['admin']);
  });
});

test.each([
  ['127.0.0.1', true],
  ['127.8.9.10', true],
  ['localhost', true],
  ['::1', true],
  ['[::1]', true],
  ['::ffff:127.0.0.1', true],
  ['0.0.0.0', false],
  ['::', false],
  ['10.0.0.1', false],
  ['example.com', false],
  ['', false],
])('isLoopback(%p) is %p', (host, expected) => {
  expect(isLoopback(host)).toBe(expected);
});

describe('security configuration', () => {
  const issues = (input: unknown): string => {
    try {
      parseConfig(input, {});
    } catch (err) {
      return (err as Error).message;
    }
    return '';
  };

  test('a password hash that is not one names its key, without repeating it', () => {
    const msg = issues({ security: { users: [{ name: 'bob', passwordHash: 'hunter2', roles: ['read'] }] } });
    expect(msg).toContain('security.users.0.passwordHash');
    expect(msg).not.toContain('hunter2');
  });

  test('unknown roles, duplicate users and users without roles are refused', () => {
    expect(issues({ security: { anonymous: ['superuser'] } })).toContain('security.anonymous.0');
    expect(issues({ security: { users: [{ name: 'a', passwordHash: 'x', roles: [] }] } })).toContain('security.users.0.roles');
    const hash = 'scrypt$N=1024,r=8,p=1$c2FsdHNhbHRzYWx0$a2V5a2V5a2V5a2V5a2V5a2V5';
    expect(issues({ security: { users: [{ name: 'a', passwordHash: hash, roles: ['read'] }, { name: 'a', passwordHash: hash, roles: ['write'] }] } })).toContain("user 'a' is declared twice");
  });

  test('engine URLs may not carry credentials; auth names a user and an environment variable', () => {
    const route = { source: 'http://u:secret@h/sdata/crm/test/-', target: 'http://h/sdata/erp/test/-' };
    const msg = issues({ engine: { routes: [route] } });
    expect(msg).toContain('engine.routes.0.source');
    expect(msg).not.toContain('secret');
    expect(issues({ engine: { routes: [{ ...route, source: 'http://h/sdata/crm/test/-', auth: { user: 'engine', passwordEnv: 'not a name' } }] } })).toContain('engine.routes.0.auth.passwordEnv');
    expect(issues({ engine: { loggers: [{ url: 'https://logger/logs/$syncResults', auth: { user: 'engine', passwordEnv: 'LOGGER_PASSWORD' } }], routes: [{ ...route, source: 'http://h/sdata/crm/test/-', auth: { user: 'engine', passwordEnv: 'ENGINE_PASSWORD' } }] } })).toBe('');
  });
});
