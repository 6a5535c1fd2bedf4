/**
 * The deployment files hold what `docker compose up` needs (docker itself is not run here): the Dockerfile
 * builds in one stage and runs the compiled CLI as a non-root user in a slim one; the compose file runs
 * PostgreSQL, the server, the logger and an engine from that image, each with its health check, listening on
 * every address inside the network, with the passwords coming from the environment.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DockerfileParser, type Instruction } from 'dockerfile-ast';
import { parse } from 'yaml';
import { loadConfig, parseConfig } from '../src/config/load';
import { serverSchema } from '../src/config/schema';
import { hashPassword } from '../src/security/password';
import { securityPolicy } from '../src/security/policy';

const root = join(__dirname, '..');

interface Service {
  image?: string;
  build?: string;
  command?: string[] | string;
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  healthcheck?: { test: string[] | string };
  depends_on?: Record<string, { condition: string }>;
  stop_grace_period?: string;
}
const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, Service> };
const dockerfile = DockerfileParser.parse(readFileSync(join(root, 'Dockerfile'), 'utf8'));

/** The instructions of each stage, in order (a stage starts at its FROM). */
function stages(): Instruction[][] {
  const out: Instruction[][] = [];
  for (const i of dockerfile.getInstructions()) {
    if (i.getKeyword() === 'FROM') out.push([]);
    out.at(-1)?.push(i);
  }
  return out;
}
/** What follows the keyword of each such instruction, flags (`--from=build`) included. */
const args = (stage: Instruction[], keyword: string) => stage.filter((i) => i.getKeyword() === keyword).map((i) => i.getTextContent().replace(/^\s*\S+\s+/, ''));
const runtime = stages().at(-1)!;
const build = stages()[0];

const SDATA_SERVICES = ['server', 'logger', 'engine'] as const;
const commandOf = (s: Service) => (Array.isArray(s.command) ? s.command : String(s.command).split(/\s+/));
/** The host path of the file a service gets as its --config (one of its volumes). */
function configFileOf(name: string): string {
  const s = compose.services[name];
  const cmd = commandOf(s);
  const inside = cmd[cmd.indexOf('--config') + 1];
  const volume = (s.volumes ?? []).find((v) => v.split(':')[1] === inside);
  expect([name, volume]).toEqual([name, expect.stringMatching(/^\.\/docker\/[\w.-]+\.yaml:/)]);
  return join(root, volume!.split(':')[0]);
}
const rawConfigOf = (name: string) => parse(readFileSync(configFileOf(name), 'utf8')) as Record<string, Record<string, unknown>>;
/** `${VAR}` / `${VAR:?message}` / `${VAR:-default}` interpolations of a compose value. */
const interpolated = (value: string) => [...value.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?[?-][^}]*)?\}/g)].map((m) => m[1]);

describe('Dockerfile', () => {
  it('builds in a first stage with npm ci and npm run build', () => {
    expect(stages().length).toBeGreaterThanOrEqual(2);
    expect(args(build, 'RUN')).toEqual(expect.arrayContaining([expect.stringMatching(/^npm ci\b/), 'npm run build']));
  });

  it('runs in a slim stage holding production dependencies only and the compiled code from the build stage', () => {
    expect(args(runtime, 'FROM')[0]).toMatch(/^node:20[\w.-]*-slim\b/);
    expect(args(runtime, 'RUN').join(' && ')).toMatch(/npm ci --omit=dev\b/);
    const copied = args(runtime, 'COPY');
    expect(copied).toEqual(expect.arrayContaining([expect.stringMatching(/^--from=build \S*dist\/src /), expect.stringMatching(/^--from=build \S*dist\/migrations /)]));
    // No TypeScript sources in the image: the CLI runs compiled.
    expect(copied.filter((c) => /^(src|migrations)\b/.test(c))).toEqual([]);
  });

  it('runs as a non-root user', () => {
    const users = args(runtime, 'USER');
    expect(users.length).toBeGreaterThan(0);
    expect(users.at(-1)).not.toMatch(/^(root|0)(:|$)/);
  });

  it('starts bin/sdata-sync.js with the heap limit of its own first line', () => {
    const shebang = readFileSync(join(root, 'bin/sdata-sync.js'), 'utf8').split('\n', 1)[0];
    const limit = /(--max-old-space-size=\d+)/.exec(shebang)![1];
    expect(JSON.parse(args(runtime, 'ENTRYPOINT')[0])).toEqual(['node', limit, '/app/bin/sdata-sync.js']);
  });

  it('.dockerignore keeps node_modules and the local data out of the build context', () => {
    const ignored = readFileSync(join(root, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim());
    expect(ignored).toEqual(expect.arrayContaining(['node_modules', 'data', 'dist', '.git']));
  });
});

describe('docker-compose.yml', () => {
  it('runs postgres, the server, the logger and an engine, each with a health check', () => {
    expect(Object.keys(compose.services)).toEqual(expect.arrayContaining(['postgres', ...SDATA_SERVICES]));
    for (const name of ['postgres', ...SDATA_SERVICES]) expect([name, compose.services[name].healthcheck?.test]).toEqual([name, expect.anything()]);
    expect(compose.services.postgres.image).toMatch(/^postgres:/);
  });

  it.each([
    ['server', 3000, '/readyz'],
    ['logger', 3100, '/readyz'],
    ['engine', 3200, '/healthz'],
  ])('checks the %s on its own port %s (%s) with node, as the slim image has no curl', (name, port, path) => {
    const test = compose.services[name].healthcheck!.test as string[];
    expect(test[0]).toBe('CMD');
    expect(test[1]).toBe('node');
    expect(test.join(' ')).toContain(`http://127.0.0.1:${port}${path}`);
  });

  it("runs an example application database holding the table of the README's table-backed walk-through", () => {
    expect(compose.services.appdb.volumes).toContain('./docker/appdb:/docker-entrypoint-initdb.d:ro');
    expect(readFileSync(join(root, 'docker/appdb/init.sql'), 'utf8')).toContain('CREATE TABLE shop.customers (id serial PRIMARY KEY, full_name text NOT NULL, email text UNIQUE)');
  });

  it('copies the dashboard\'s assets into the runtime image, as the package holds them', () => {
    expect(args(runtime, 'COPY')).toContain('public ./public');
    expect(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).files).toContain('public');
  });

  it('runs the image of the Dockerfile, with no source mounted and no npm ci at start', () => {
    for (const name of SDATA_SERVICES) {
      const s = compose.services[name];
      expect([name, s.build]).toEqual([name, '.']);
      expect(commandOf(s).join(' ')).not.toMatch(/npm|tsx/);
      for (const v of s.volumes ?? []) expect([name, v]).toEqual([name, expect.stringMatching(/^\.\/docker\/[\w.-]+\.yaml:\/etc\/sdata-sync\/[\w.-]+\.yaml:ro$/)]);
    }
  });

  it('starts the server after PostgreSQL is healthy, on PostgreSQL, and gives it more time to stop than its grace for work in flight', () => {
    const server = compose.services.server;
    expect(server.depends_on?.postgres.condition).toBe('service_healthy');
    expect(server.environment?.DATABASE_URL).toMatch(/^postgres:\/\/.*@postgres:5432\//);
    expect(compose.services.logger.environment?.DATABASE_URL).toMatch(/^postgres:\/\/.*@postgres:5432\//);
    const grace = /^(\d+)s$/.exec(server.stop_grace_period ?? '')!;
    expect(Number(grace[1])).toBeGreaterThan(serverSchema.parse({}).shutdownGraceSeconds);
  });

  it('takes every password and password hash from the environment, never from a file', () => {
    for (const [name, s] of Object.entries(compose.services)) {
      for (const [key, value] of Object.entries(s.environment ?? {})) {
        if (/PASSWORD/.test(key)) expect([name, key, interpolated(value)]).toEqual([name, key, [expect.any(String)]]);
        // A connection string's password too.
        const inUrl = /^postgres:\/\/[^:]+:([^@]+)@/.exec(value);
        if (inUrl) expect([name, key, inUrl[1]]).toEqual([name, key, expect.stringMatching(/^\$\{[A-Z_]+(:\?[^}]*)?\}$/)]);
      }
    }
    for (const name of ['server', 'logger']) {
      const users = (rawConfigOf(name).security.users as Record<string, unknown>[]) ?? [];
      expect(users.length).toBeGreaterThan(0);
      for (const u of users) {
        expect([name, u.name, u.passwordHash]).toEqual([name, u.name, undefined]);
        expect(Object.keys(compose.services[name].environment ?? {})).toContain(u.passwordHashEnv);
      }
    }
    const engine = rawConfigOf('engine').engine as { routes: { auth: { passwordEnv: string } }[]; loggers: { auth: { passwordEnv: string } }[] };
    for (const auth of [...engine.routes, ...engine.loggers].map((r) => r.auth)) expect(Object.keys(compose.services.engine.environment ?? {})).toContain(auth.passwordEnv);
  });

  describe('the configuration files given to the containers', () => {
    let env: NodeJS.ProcessEnv;
    beforeAll(async () => {
      const hash = await hashPassword('not-a-real-password');
      env = { SDATA_ENGINE_PASSWORD_HASH: hash, SDATA_ADMIN_PASSWORD_HASH: hash };
    });

    it('parse with the configuration schema and listen on every address (0.0.0.0), not on loopback', () => {
      const server = loadConfig(configFileOf('server'), env);
      expect(server.server.host).toBe('0.0.0.0');
      expect(server.security.users.map((u) => u.name)).toEqual(expect.arrayContaining(['engine', 'admin']));
      expect(server.applications.map((a) => a.name)).toEqual(['crm', 'erp']);
      const logger = loadConfig(configFileOf('logger'), env);
      expect(logger.logger.host).toBe('0.0.0.0');
      expect(logger.security.users.length).toBeGreaterThan(0);
      const engine = loadConfig(configFileOf('engine'), env);
      expect(engine.engine.routes.length).toBeGreaterThan(0);
      expect(engine.engine.http).toMatchObject({ host: '0.0.0.0', port: 3200 });
      // Listening on every address needs users: each process would refuse to start without them.
      for (const [name, host, cfg] of [['server', server.server.host, server], ['logger', logger.logger.host, logger], ['engine', engine.engine.http.host, engine]] as const) {
        expect(() => securityPolicy(cfg.security, host, name)).not.toThrow();
      }
      for (const name of SDATA_SERVICES) expect([name, readFileSync(configFileOf(name), 'utf8')]).not.toEqual([name, expect.stringMatching(/127\.0\.0\.1|localhost:\d+\/sdata/)]);
    });

    it('name the other containers by their service names', () => {
      const engine = loadConfig(configFileOf('engine'), env).engine;
      for (const r of engine.routes) for (const url of [r.source, r.target]) expect(new URL(url).host).toBe('server:3000');
      expect(engine.loggers.map((l) => new URL(typeof l === 'string' ? l : l.url).host)).toEqual(['logger:3100']);
      expect(loadConfig(configFileOf('server'), env).server.publicBaseUrl).toBe('http://server:3000');
    });

    it('refuse to start without the password hashes in the environment', () => {
      expect(() => loadConfig(configFileOf('server'), {})).toThrow(/SDATA_ENGINE_PASSWORD_HASH is not set/);
    });

    it('take a hash from the environment only where the file names a variable, and not beside a hash of its own', () => {
      const user = (extra: Record<string, unknown>) => ({ security: { users: [{ name: 'u', roles: ['read'], ...extra }] } });
      expect(parseConfig(user({ passwordHashEnv: 'HASH' }), { HASH: env.SDATA_ENGINE_PASSWORD_HASH }).security.users[0].passwordHash).toBe(env.SDATA_ENGINE_PASSWORD_HASH);
      expect(() => parseConfig(user({ passwordHashEnv: 'HASH', passwordHash: env.SDATA_ENGINE_PASSWORD_HASH }), { HASH: env.SDATA_ENGINE_PASSWORD_HASH })).toThrow(/passwordHash or passwordHashEnv, not both/);
      expect(() => parseConfig(user({ passwordHashEnv: 'not a name' }), {})).toThrow(/must be an environment variable name/);
      expect(() => parseConfig(user({ passwordHashEnv: 'HASH' }), { HASH: 'not-a-hash' })).toThrow(/security\.users\.0\.passwordHash/);
    });
  });
});
