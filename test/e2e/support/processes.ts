/**
 * Real processes on loopback for the end-to-end tests and the catch-up benchmark: the CLI run by node (one
 * process, so its pid is the one whose memory we read; compiled, or the sources through tsx), configuration
 * files, free ports, a database per process (a PGlite folder, or a PostgreSQL schema chosen through the
 * connection string).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { stringify } from 'yaml';
import { copyTemplate } from '../../support/pgliteTemplate';
import { createMigratedSchema } from '../../support/postgresTemplate';

export const ROOT = resolve(__dirname, '../../..');

interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface CliProcess {
  pid: number;
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first match of the pattern in stdout. */
  waitForOutput(pattern: RegExp, timeoutMillis?: number): Promise<RegExpExecArray>;
  exited: Promise<ExitStatus>;
  /** Sends the signal and waits for the exit (SIGKILL after the timeout). */
  stop(signal?: NodeJS.Signals, timeoutMillis?: number): Promise<ExitStatus>;
  /** Peak resident set size so far in kB (VmHWM of /proc/<pid>/status), while the process lives. */
  peakRssKb(): number | undefined;
}

/** Environment of a child: ours without database settings (each child gets its own, explicitly). */
function childEnv(env: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...process.env };
  for (const k of ['DATABASE_URL', 'DATA_DIR', 'PORT', 'LOGGER_PORT', 'PUBLIC_BASE_URL', 'DEMO_ENGINE', 'ENGINE_PORT']) delete out[k];
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  out.LOG_LEVEL ??= 'warn';
  return out;
}

/** The node options bin/sdata-sync.js gives itself on its `#!/usr/bin/env -S node …` line (the heap limit). */
function binNodeOptions(): string[] {
  const shebang = readFileSync(join(ROOT, 'bin/sdata-sync.js'), 'utf8').split('\n', 1)[0];
  return shebang.replace(/^#!.*?\bnode\b/, '').trim().split(/\s+/).filter(Boolean);
}

/**
 * Node options for a child: those of bin/sdata-sync.js, tsx, and with SDATA_CPU_PROF_DIR set (the
 * benchmarks' --cpu-prof) a CPU profile written there.
 */
export function childNodeArgs(opts: { tsx?: boolean } = {}): string[] {
  const dir = process.env.SDATA_CPU_PROF_DIR;
  return [...binNodeOptions(), ...(opts.tsx === false ? [] : ['--import', 'tsx']), ...(dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [])];
}

/**
 * The CLI a child runs: with SDATA_CLI_COMPILED set to a build folder the compiled JavaScript, as a deployment
 * runs it (jest's global setup compiles one per test run, test/support/compiledCli.ts; the benchmarks compile
 * into one of their own), else the TypeScript sources through tsx.
 */
function cliCommand(): string[] {
  if (!process.env.SDATA_CLI_COMPILED) return [...childNodeArgs(), join(ROOT, 'src/cli/main.ts')];
  return [...childNodeArgs({ tsx: false }), join(resolve(ROOT, process.env.SDATA_CLI_COMPILED), 'src/cli/main.js')];
}

/**
 * Puts an `sdata-sync` command in `dir/node_modules/.bin`, which `npx sdata-sync` finds there as in a
 * project that installed the package: it runs the CLI the other processes of the test run (the compiled
 * build), as an installed package's bin runs its compiled code.
 */
export function installCliCommand(dir: string): void {
  const bin = join(dir, 'node_modules', '.bin');
  mkdirSync(bin, { recursive: true });
  const quoted = [process.execPath, ...cliCommand()].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
  writeFileSync(join(bin, 'sdata-sync'), `#!/bin/sh\nexec ${quoted} "$@"\n`, { mode: 0o755 });
}

export function spawnCli(args: string[], env: Record<string, string | undefined> = {}): CliProcess {
  const child = spawn(process.execPath, [...cliCommand(), ...args], { cwd: ROOT, env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const waiters: (() => void)[] = [];
  child.stdout!.setEncoding('utf8').on('data', (s: string) => {
    out += s;
    for (const w of waiters.splice(0)) w();
  });
  child.stderr!.setEncoding('utf8').on('data', (s: string) => {
    err += s;
  });
  const exited = new Promise<ExitStatus>((done) => child.once('exit', (code, signal) => done({ code, signal })));
  let ended = false;
  void exited.then(() => {
    ended = true;
    for (const w of waiters.splice(0)) w();
  });
  const proc: CliProcess = {
    pid: child.pid!,
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitForOutput(pattern, timeoutMillis = 30_000) {
      return new Promise((resolveMatch, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out waiting for ${pattern} in the output of ${args.join(' ')}\nstdout: ${out}\nstderr: ${err}`)), timeoutMillis);
        const check = () => {
          const m = pattern.exec(out);
          if (m) {
            clearTimeout(timer);
            resolveMatch(m);
          } else if (ended) {
            clearTimeout(timer);
            reject(new Error(`${args.join(' ')} exited before printing ${pattern}\nstdout: ${out}\nstderr: ${err}`));
          } else waiters.push(check);
        };
        check();
      });
    },
    async stop(signal = 'SIGTERM', timeoutMillis = 15_000) {
      if (!ended) child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMillis);
      const status = await exited;
      clearTimeout(timer);
      return status;
    },
    peakRssKb() {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        return m ? Number(m[1]) : undefined;
      } catch {
        return undefined;
      }
    },
  };
  return proc;
}

/** Runs a CLI command to its end. */
export async function runCli(args: string[], env: Record<string, string | undefined> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const p = spawnCli(args, env);
  const { code } = await p.exited;
  return { code, stdout: p.stdout(), stderr: p.stderr() };
}

/**
 * The exit status of a process that must end by itself (a refused start); a process still running after
 * `millis` is killed and the test fails, showing its output.
 */
export async function exitWithin(proc: CliProcess, millis: number): Promise<ExitStatus> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), millis);
  });
  const status = await Promise.race([proc.exited, late]);
  clearTimeout(timer);
  if (status === 'late') {
    await proc.stop('SIGKILL');
    throw new Error(`still running after ${millis} ms\nstdout: ${proc.stdout()}\nstderr: ${proc.stderr()}`);
  }
  return status;
}

export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((done) => srv.listen(0, '127.0.0.1', () => done()));
  const port = (srv.address() as { port: number }).port;
  await new Promise((done) => srv.close(done));
  return port;
}

export function tempDir(prefix = 'sdata-sync-e2e-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function writeYaml(dir: string, name: string, doc: unknown): string {
  const file = join(dir, name);
  writeFileSync(file, stringify(doc));
  return file;
}

export type DatabaseKind = 'pglite' | 'postgres';

/**
 * Environment giving one process its own database: a PGlite folder under `dir` (in memory when not
 * persistent and there is no migrated database to copy), or a fresh PostgreSQL schema (selected through
 * the connection string's search_path; in a test run, a copy of the run's migrated schema) that
 * `dropDatabases` removes.
 */
export async function databaseEnv(kind: DatabaseKind, dir: string, name: string, opts: { persistent?: boolean } = {}): Promise<Record<string, string>> {
  if (kind === 'pglite') {
    // A new PGlite folder costs several seconds of initdb, and memory as much at every start. In a test run,
    // the folder is a copy of the run's fresh, migrated database, which the server opens in about a second.
    if (await copyTemplate(join(dir, name))) return { DATA_DIR: join(dir, name) };
    return { DATA_DIR: opts.persistent === false ? 'memory://' : join(dir, name) };
  }
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('PostgreSQL needs DATABASE_URL');
  const schema = `e2e_${name.replace(/\W/g, '_')}_${randomUUID().replace(/-/g, '').slice(0, 10)}`;
  if (!(await createMigratedSchema(url, schema))) {
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      await admin.query(`CREATE SCHEMA "${schema}"`);
    } finally {
      await admin.end();
    }
  }
  createdSchemas.push(schema);
  const u = new URL(url);
  u.searchParams.set('options', `-c search_path=${schema}`);
  return { DATABASE_URL: u.toString() };
}

const createdSchemas: string[] = [];

export async function dropDatabases(): Promise<void> {
  const url = process.env.DATABASE_URL;
  if (!url || createdSchemas.length === 0) return;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    for (const s of createdSchemas.splice(0)) await admin.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
  } finally {
    await admin.end();
  }
}

export interface ServerProcess {
  proc: CliProcess;
  /** Base URL it listens on (http://127.0.0.1:PORT). */
  url: string;
  port: number;
}

/**
 * `sdata-sync serve --config file` on a given (or free) port; resolves once it listens (a new PGlite folder
 * takes its initdb first: allow for it on a busy machine with `startMillis`).
 */
export async function startServe(configFile: string, dbEnv: Record<string, string>, port?: number, startMillis = 30_000): Promise<ServerProcess> {
  const p = port ?? (await freePort());
  const proc = spawnCli(['serve', '--config', configFile], { ...dbEnv, PORT: String(p) });
  const m = await proc.waitForOutput(/listening on (http:\/\/\S+)/, startMillis);
  return { proc, url: m[1], port: p };
}

/** `sdata-sync logger`; resolves with its posting URL once it listens (within `startMillis`, 30 s by default). */
export async function startLoggerProcess(dbEnv: Record<string, string>, configFile?: string, port?: number, startMillis?: number): Promise<{ proc: CliProcess; url: string; ingestUrl: string }> {
  const p = port ?? (await freePort());
  const proc = spawnCli(['logger', ...(configFile ? ['--config', configFile] : []), '--port', String(p)], dbEnv);
  const m = await proc.waitForOutput(/event logger at (\S+), posting URL (\S+)/, startMillis);
  return { proc, url: m[1], ingestUrl: m[2] };
}
