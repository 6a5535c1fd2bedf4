/** The repository's own promises: the compose file runs PostgreSQL plus the server on it, the README's commands are the ones npm has. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { serverSchema } from '../src/config/schema';

const root = join(__dirname, '..');

describe('repository files', () => {
  it('docker-compose.yml runs PostgreSQL and the server with DATABASE_URL pointing at it', () => {
    const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'));
    expect(Object.keys(compose.services).sort()).toEqual(['appdb', 'postgres', 'server']);
    expect(compose.services.postgres.image).toMatch(/^postgres:/);
    expect(compose.services.server.environment.DATABASE_URL).toMatch(/^postgres:\/\/.*@postgres:5432\//);
    expect(compose.services.server.depends_on.postgres.condition).toBe('service_healthy');
    for (const s of Object.values(compose.services) as { ports?: string[] }[]) for (const p of s.ports ?? []) expect(p).toMatch(/^\d+:\d+$/);
  });

  it("docker-compose.yml's example application database runs the init script of the README's table", () => {
    const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'));
    expect(compose.services.appdb.volumes).toContain('./docker/appdb:/docker-entrypoint-initdb.d:ro');
    expect(readFileSync(join(root, 'docker/appdb/init.sql'), 'utf8')).toContain('CREATE TABLE shop.customers (id serial PRIMARY KEY, full_name text NOT NULL, email text UNIQUE)');
  });

  it('docker-compose.yml checks the server through /readyz on the port it serves', () => {
    const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'));
    const server = compose.services.server;
    const test = (server.healthcheck.test as string[]).join(' ');
    expect(test).toContain(`http://127.0.0.1:${server.environment.PORT}/readyz`);
    expect(test).toMatch(/curl -fsS/);
  });

  it('README starts with the start and test commands, and .ci/run runs that test command with DATABASE_URL', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const firstBlock = /```sh\n([\s\S]*?)```/.exec(readme)![1];
    expect(firstBlock).toContain('npm start');
    expect(firstBlock).toContain('npm test');
    const scripts = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts;
    expect(scripts.start).toBeDefined();
    expect(scripts.test).toBeDefined();
    const ci = readFileSync(join(root, '.ci/run'), 'utf8');
    expect(ci).toContain('npm ci');
    expect(ci).toContain('DATABASE_URL');
    expect(ci).toMatch(/^npm test$/m);
  });

  it('npm start (the sources) and the compose file (bin/sdata-sync.js) run node with the heap limit of the bin', () => {
    const shebang = readFileSync(join(root, 'bin/sdata-sync.js'), 'utf8').split('\n', 1)[0];
    const limit = /^#!\/usr\/bin\/env -S node .*(--max-old-space-size=\d+)/.exec(shebang)![1];
    expect(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts.start).toMatch(new RegExp(`^node ${limit} --import tsx src/cli/main\\.ts demo$`));
    const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'));
    expect(compose.services.server.command).toMatch(/&& exec bin\/sdata-sync\.js serve/);
  });

  it('the compose server gets SIGTERM itself (exec) and more time to stop than its own grace for work in flight', () => {
    const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'));
    expect(compose.services.server.command).toMatch(/&& exec bin\/sdata-sync\.js /);
    const grace = /^(\d+)s$/.exec(compose.services.server.stop_grace_period)!;
    expect(Number(grace[1])).toBeGreaterThan(serverSchema.parse({}).shutdownGraceSeconds);
  });
});
