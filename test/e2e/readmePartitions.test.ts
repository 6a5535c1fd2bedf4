/**
 * The README's partitions walk-through ("Partitions: a walk-through with a head office and two
 * subsidiaries"), as written, with real processes: its sh blocks are typed into one bash session in a
 * fresh folder, command after command as a person pastes them (shell variables and the server started in
 * the background carry over from block to block), on a free port in place of 3000 and with the run's
 * migrated PGlite database copied into the walk-through's data folder. What a person would check at each
 * step is checked on what the commands print: the passes bring each country's accounts to its subsidiary,
 * the move takes Michelin out of `fr` and into `de`, the Paris user sees the French accounts only and is
 * refused the German ones (403, nothing changed; 404 for a read by key), the token reads the German
 * partition only.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { copyTemplate } from '../support/pgliteTemplate';
import { freePort, installCliCommand, ROOT, tempDir } from './support/processes';

jest.setTimeout(240_000);

const SECTION = '## Partitions: a walk-through with a head office and two subsidiaries';

/** The section's sh blocks, each cut into the commands a shell reads one at a time (continued lines and a for loop are one command). */
function walkThrough(): string[][] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf(SECTION);
  if (start < 0) throw new Error('README has no partitions walk-through');
  const section = readme.slice(start, readme.indexOf('\n## ', start + 3));
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => commandsOf(m[1]));
}

function commandsOf(block: string): string[] {
  const commands: string[] = [];
  let current: string[] = [];
  let depth = 0;
  let hereDoc: string | undefined;
  for (const line of block.split('\n')) {
    if (current.length === 0 && line.trim() === '') continue;
    current.push(line);
    if (hereDoc !== undefined) {
      if (line === hereDoc) hereDoc = undefined;
    } else {
      hereDoc = /<<'?(\w+)'?/.exec(line)?.[1];
      if (/^\s*for\b/.test(line)) depth += 1;
      if (/^\s*done\b/.test(line)) depth -= 1;
    }
    if (hereDoc === undefined && depth === 0 && !line.endsWith('\\')) {
      commands.push(current.join('\n'));
      current = [];
    }
  }
  return commands;
}

/** The account names a `... | grep -o '"name":"[^"]*"'` command printed. */
const names = (out: string): string[] => [...out.matchAll(/^"name":"([^"]*)"$/gm)].map((m) => m[1]).sort();
/** The HTTP statuses a `-w '%{http_code}\n'` command printed. */
const statuses = (out: string): string[] => [...out.matchAll(/^(\d{3})$/gm)].map((m) => m[1]);

describe('[pglite] the README partitions walk-through', () => {
  const dir = tempDir();
  let shell: ChildProcess | undefined;
  let port = 0;
  let output = '';

  beforeAll(async () => {
    port = await freePort();
    // `npx sdata-sync` in the folder finds the command, and `node -e "import ... from 'jose'"` finds jose,
    // as in a project that installed the package (jose is one of its dependencies).
    installCliCommand(dir);
    symlinkSync(join(ROOT, 'node_modules', 'jose'), join(dir, 'node_modules', 'jose'));
    await copyTemplate(join(dir, 'data-countries'));
    const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), LOG_LEVEL: 'warn' };
    for (const k of ['DATABASE_URL', 'DATA_DIR', 'PUBLIC_BASE_URL', 'SDATA_PASSWORD', 'JWT_SECRET']) delete env[k];
    // Its own process group, so that the server it starts in the background is stopped with it at the end.
    shell = spawn('bash', [], { cwd: dir, env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
    shell.stdout!.setEncoding('utf8').on('data', (s: string) => (output += s));
    shell.stderr!.setEncoding('utf8').on('data', (s: string) => (output += s));
    shell.stdin!.write('set -e\n');
  });

  afterAll(async () => {
    if (shell?.pid !== undefined) {
      try {
        process.kill(-shell.pid, 'SIGTERM');
      } catch {
        // the group has ended
      }
    }
    rmSync(dir, { recursive: true, force: true });
  });

  let typed = 0;
  /** Types one command into the session and gives what it printed, once it is done; a failing command ends the session (set -e) and the test. */
  async function type(command: string): Promise<string> {
    const marker = `__typed_${(typed += 1)}__`;
    const from = output.length;
    shell!.stdin!.write(`${command.replaceAll('localhost:3000', `localhost:${port}`)}\necho ${marker}\n`);
    const started = Date.now();
    while (!output.includes(`${marker}\n`, from)) {
      if (shell!.exitCode !== null) throw new Error(`the shell ended (exit ${shell!.exitCode}) at:\n${command}\n${output.slice(from)}`);
      if (Date.now() - started > 90_000) throw new Error(`no end after 90 s:\n${command}\n${output.slice(from)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return output.slice(from, output.indexOf(`${marker}\n`, from));
  }

  it('creates, syncs each country, moves an account, and scopes the Paris user and the Berlin token', async () => {
    const blocks = walkThrough();
    expect(blocks).toHaveLength(5);
    // No sleep but the wait for the server's readiness URL.
    for (const block of blocks) for (const c of block) expect(c.replace(/^until curl -sf -o \/dev\/null \S+\/readyz; do sleep 1; done$/m, '')).not.toMatch(/\bsleep\b/);
    const run = async (block: string[]): Promise<{ command: string; out: string }[]> => {
      const done: { command: string; out: string }[] = [];
      for (const command of block) done.push({ command, out: await type(command) });
      return done;
    };
    const outOf = (done: { command: string; out: string }[], start: string): string[] => done.filter((d) => d.command.startsWith(start)).map((d) => d.out);
    const [setup, create, move, paris, token] = blocks;

    await run(setup);

    // Three accounts at hq, one at fr; a pass each way per country.
    const created = await run(create);
    expect(created.flatMap((d) => statuses(d.out))).toEqual(['201', '201', '201', '201']);
    expect(names(outOf(created, 'curl -s -u office:office-secret "$FR?format=json"')[0])).toEqual(['Michelin', 'Peugeot', 'Renault']);
    expect(names(outOf(created, 'curl -s -u office:office-secret "$DE?format=json"')[0])).toEqual(['Siemens']);

    // Michelin moves FR -> DE at hq: the French partition's pass deletes it at fr, the German one creates it at de.
    const moved = await run(move);
    expect(statuses(moved[0].out)).toEqual(['200']);
    const [frPass, dePass] = outOf(moved, 'npx sdata-sync pass');
    expect(frPass).toMatch(/0 created, 0 updated, 1 deleted/);
    expect(dePass).toMatch(/1 created, 0 updated, 0 deleted/);
    expect(names(outOf(moved, 'curl -s -u office:office-secret "$FR?format=json"')[0])).toEqual(['Peugeot', 'Renault']);
    expect(names(outOf(moved, 'curl -s -u office:office-secret "$DE?format=json"')[0])).toEqual(['Michelin', 'Siemens']);

    // The Paris user: the French accounts only; writing a German account and the German partition's sync
    // URLs are 403, reading a German account (Siemens, key 3 at hq) a 404.
    const scoped = await run(paris);
    expect(names(scoped[0].out)).toEqual(['Peugeot', 'Renault']);
    expect(scoped[1].out).toMatch(/"applicationCode":"OutOfScope"/);
    expect(statuses(scoped[2].out)).toEqual(['404']);
    expect(statuses(scoped[3].out)).toEqual(['403']);
    // Nothing changed: hq holds no Bosch, as the office user reads it.
    const office = `Basic ${Buffer.from('office:office-secret').toString('base64')}`;
    const hq = (await (await fetch(`http://localhost:${port}/sdata/hq/test/-/accounts?format=json`, { headers: { authorization: office } })).json()) as { $resources: { name: string; $key: string }[] };
    expect(hq.$resources.map((r) => r.name).sort()).toEqual(['Michelin', 'Peugeot', 'Renault', 'Siemens']);
    // One key per account across the kind (Peugeot, which came from fr, took a key of its own at hq).
    expect(new Set(hq.$resources.map((r) => r.$key)).size).toBe(4);

    // The Berlin token: the German accounts only, the German partition's digest, not the French one's.
    const tokened = await run(token);
    expect(names(tokened[1].out)).toEqual(['Michelin', 'Siemens']);
    expect(statuses(tokened[2].out)).toEqual(['200']);
    expect(statuses(tokened[3].out)).toEqual(['403']);
  });
});
