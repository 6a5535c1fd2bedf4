/**
 * The README's demo example, as written, against `sdata-sync demo` (what `npm start` runs) in its own process:
 * an account created at crm is at erp by the time the next curl runs, with no sleep between them (the demo's
 * route is immediate). The example's commands run in bash with the demo's port put in place of 3000.
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
    demo = spawnCli(['demo'], { PORT: String(port), LOGGER_PORT: String(loggerPort), DATA_DIR: join(dir, 'data') });
    await demo.waitForOutput(/engine: crm <-> erp immediate/, 90_000);
    // The engine's start-up catch-up passes are done (the example's create is then a push).
    await waitUntil('the start-up passes are done', async () => (await loggedRuns(`http://localhost:${loggerPort}`)).filter((r) => r.state === 'done').length >= 4, 60_000, 100);
  });

  afterAll(async () => {
    await demo?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates at crm and reads the account at erp with the very next curl', () => {
    const script = readmeExample();
    expect(script).not.toMatch(/\bsleep\b/);
    const out = execFileSync('bash', ['-e', '-c', script.replace(/localhost:3000/g, `127.0.0.1:${port}`)], { encoding: 'utf8', timeout: 30_000 });
    // The outputs in order: crm's feed, the created entry, erp's feed, erp's digest.
    const erpFeed = out.slice(out.indexOf('<name>ACME</name>') + 1);
    expect(erpFeed).toContain('<name>ACME</name>');
  });
});
