/**
 * The README's demo example, as written, against `sdata-sync demo` (what `npm start` runs) in its own process:
 * an account created at crm is at erp when the next command is typed, with no sleep between them (the demo's
 * route is immediate; a scheduled pass would come only after 5 minutes). The example's commands run in bash
 * with the demo's port put in place of 3000, one at a time as a person runs them: the read at erp is run
 * again for at most a second (a push takes milliseconds, and no person types faster than that).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, ROOT, spawnCli, tempDir, type CliProcess } from './support/processes';
import { loggedRuns, waitUntil } from './support/sdata';

jest.setTimeout(120_000);

const readmeExample = (): string => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const block = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]).find((b) => b.includes('/sdata/erp/test/-/accounts'));
  if (!block) throw new Error('README has no demo example');
  return block;
};

describe('[pglite] the README demo example', () => {
  let demo: CliProcess;
  let port: number;
  let loggerPort: number;
  const dir = tempDir();

  beforeAll(async () => {
    port = await freePort();
    loggerPort = await freePort();
    demo = spawnCli(['demo'], { PORT: String(port), LOGGER_PORT: String(loggerPort), ENGINE_PORT: String(await freePort()), DATA_DIR: join(dir, 'data') });
    await demo.waitForOutput(/engine: crm <-> erp immediate/, 90_000);
    // The engine's start-up catch-up passes are done (the example's create is then a push).
    await waitUntil('the start-up passes are done', async () => (await loggedRuns(`http://localhost:${loggerPort}`)).filter((r) => r.state === 'done').length >= 4, 60_000, 100);
  });

  afterAll(async () => {
    await demo?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates at crm and reads the account at erp with the next curl', async () => {
    const script = readmeExample().replace(/localhost:3000/g, `127.0.0.1:${port}`);
    expect(script).not.toMatch(/\bsleep\b/);
    const commands = script.replace(/\\\n/g, ' ').split('\n').filter((l) => l.trim() !== '');
    const run = (command: string) => execFileSync('bash', ['-e', '-c', command], { encoding: 'utf8', timeout: 30_000 });
    const readAtErp = commands.findIndex((c) => c.includes('/sdata/erp/test/-/accounts ') || /\/sdata\/erp\/test\/-\/accounts\s*(#|$)/.test(c));
    expect(readAtErp).toBeGreaterThan(0);
    for (const c of commands.slice(0, readAtErp)) run(c);
    const created = performance.now();
    let erpFeed = run(commands[readAtErp]);
    while (!erpFeed.includes('<name>ACME</name>') && performance.now() - created < 1_000) erpFeed = run(commands[readAtErp]);
    expect(erpFeed).toContain('<name>ACME</name>');
    for (const c of commands.slice(readAtErp + 1)) run(c);
  });
});
