/**
 * The README's table-backed walk-through, as written, with real processes: its commands run in bash (psql,
 * `npx sdata-sync adapter install`, `serve`, `pass`, curl) in a fresh folder, against a database of their
 * own (made for the run, in place of the README's `test`) and on a free port in place of 3000. What the
 * README says the commands show is checked: the row psql changed arrives at crm, the resource crm created
 * is a row of the application's table with a key from its sequence.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import knexFactory from 'knex';
import { describePostgres, postgresUrl } from '../support/databases';
import { freePort, installCliCommand, ROOT, tempDir } from './support/processes';

jest.setTimeout(180_000);

const README_DB = 'postgres://postgres@127.0.0.1:5432/test';

function walkThrough(): { setup: string; serve: string; changes: string[] } {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('## Table-backed kinds: a walk-through with psql');
  if (start < 0) throw new Error('README has no table-backed walk-through');
  const section = readme.slice(start, readme.indexOf('\n## ', start + 3));
  const blocks = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]);
  const serve = /`(npx sdata-sync serve --config shop\.yaml)`/.exec(section)?.[1];
  if (blocks.length !== 2 || !serve) throw new Error('the walk-through has two sh blocks and a serve command');
  return { setup: blocks[0], serve, changes: blocks[1].replace(/\\\n/g, ' ').split('\n').filter((l) => l.trim() !== '') };
}

describePostgres('the README table-backed walk-through', () => {
  const dir = tempDir();
  const dbName = `readme_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const dbUrl = postgresUrl!.replace(/\/[^/]*$/, `/${dbName}`);
  const admin = knexFactory({ client: 'pg', connection: postgresUrl, pool: { min: 0, max: 1 } });
  let serve: ChildProcess | undefined;
  let port = 0;
  let env: NodeJS.ProcessEnv = {};

  const asHere = (text: string): string => text.replaceAll(README_DB, dbUrl).replaceAll('localhost:3000', `localhost:${port}`);
  const bash = (script: string): string => execFileSync('bash', ['-e', '-c', asHere(script)], { cwd: dir, env, encoding: 'utf8', timeout: 60_000 });

  beforeAll(async () => {
    await admin.raw(`CREATE DATABASE "${dbName}"`);
    port = await freePort();
    // `npx sdata-sync` in the folder finds the command, as in a project that installed the package.
    installCliCommand(dir);
    env = { ...process.env, PORT: String(port), LOG_LEVEL: 'warn' };
    for (const k of ['DATABASE_URL', 'DATA_DIR', 'PUBLIC_BASE_URL']) delete env[k];
  });

  afterAll(async () => {
    if (serve && serve.exitCode === null) {
      const exited = new Promise((resolve) => serve!.once('exit', resolve));
      serve.kill('SIGTERM');
      await exited;
    }
    await admin.raw(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
    await admin.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates the table, installs, serves; a psql change reaches crm and crm’s resource lands in the table', async () => {
    const { setup, serve: serveCommand, changes } = walkThrough();
    expect(bash(setup)).toMatch(/shop\.customers -> .*\/sdata\/shop\/test\/-\/customers: 2 rows captured/);

    serve = spawn('bash', ['-c', `exec ${asHere(serveCommand)}`], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    serve.stdout!.on('data', (b: Buffer) => (out += b.toString()));
    serve.stderr!.on('data', (b: Buffer) => (out += b.toString()));
    const started = Date.now();
    while (!/listening on/.test(out)) {
      if (serve.exitCode !== null || Date.now() - started > 90_000) throw new Error(`serve did not start: ${out}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }

    const outputs = changes.map((c) => bash(c));
    const crmFeed = outputs[changes.findIndex((c) => c.startsWith('curl -s http://localhost:3000/sdata/crm/test/-/customers'))];
    expect(crmFeed).toContain('<name>Ann Lee</name>');
    expect(crmFeed).toMatch(/<name>Bo Chen<\/name><email>bo@example\.com<\/email>/);
    expect(outputs[outputs.length - 1]).toMatch(/^\s*3 \| Cy Diaz\s*\|\s*$/m);
  });
});
