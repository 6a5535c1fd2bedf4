/**
 * Change-file benchmark: endpoint servers A (crm) and B (erp), each its own process on loopback; A seeded
 * with N accounts; then the CLI (its own process) writes B's digest, exports A's changes for it and imports
 * the files into B. Prints the time and the peak RSS (VmHWM) of the export and import processes, to show
 * that their memory stays flat as N grows (one page at a time).
 *
 *   npm run bench -- changeFiles [--n 2000,20000] [--page-size 1000] [--gzip]
 */
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { demoAccountsKind } from '../src/config/demo';
import { databaseEnv, spawnCli, startServe, tempDir, writeYaml, type ServerProcess } from '../test/e2e/support/processes';
import { batchCreate } from '../test/e2e/support/sdata';

const { values } = parseArgs({ options: { n: { type: 'string', default: '2000,20000' }, 'page-size': { type: 'string', default: '1000' }, gzip: { type: 'boolean', default: false } }, allowPositionals: true });
const sizes = values.n.split(',').map(Number);

function serverConfig(app: string, keys: unknown) {
  return {
    sync: { pageSize: 1000, maxPageSize: 5000 },
    log: { level: 'warn' },
    applications: [{ name: app, contract: 'test', namespace: 'urn:sdata-sync:demo', dataset: '-', conflictPriority: app === 'crm' ? 1 : 2, keys, kinds: [demoAccountsKind()] }],
  };
}

/** Runs a CLI command to its end, sampling its peak RSS while it lives. */
async function measured(args: string[]): Promise<{ seconds: number; peakMb: number; stdout: string }> {
  const started = performance.now();
  const p = spawnCli(args);
  let peak = 0;
  const timer = setInterval(() => (peak = Math.max(peak, p.peakRssKb() ?? 0)), 20);
  const { code } = await p.exited;
  clearInterval(timer);
  if (code !== 0) throw new Error(`${args.join(' ')} exited ${code}: ${p.stderr()}`);
  return { seconds: (performance.now() - started) / 1000, peakMb: Math.round(peak / 1024), stdout: p.stdout() };
}

async function main(): Promise<void> {
  for (const n of sizes) {
    const dir = tempDir('sdata-sync-bench-files-');
    const servers: ServerProcess[] = [];
    try {
      const a = await startServe(writeYaml(dir, 'crm.yaml', serverConfig('crm', { style: 'numeric' })), await databaseEnv('pglite', dir, 'crm'));
      servers.push(a);
      const b = await startServe(writeYaml(dir, 'erp.yaml', serverConfig('erp', { style: 'prefixed', prefix: 'A', width: 7 })), await databaseEnv('pglite', dir, 'erp'));
      servers.push(b);
      const A = `${a.url}/sdata/crm/test/-/accounts`;
      const B = `${b.url}/sdata/erp/test/-/accounts`;
      await batchCreate(A, 'account', Array.from({ length: n }, (_, i) => ({ key: `${i + 1}`, values: { name: `Account ${i + 1}`, email: `a${i}@example.test`, balance: `${i}.50`, active: 'true', openedOn: '2024-05-17' } })));
      await measured(['digest', '--endpoint', B, '--out', join(dir, 'b.xml')]);
      const out = join(dir, 'out');
      const exported = await measured(['export', '--source', A, '--floor', join(dir, 'b.xml'), '--out', out, '--page-size', values['page-size'], ...(values.gzip ? ['--gzip'] : [])]);
      const files = readdirSync(out).filter((f) => !f.endsWith('.sha256')).sort().map((f) => join(out, f));
      const imported = await measured(['import', '--target', B, ...files]);
      process.stdout.write(
        `N=${n}: export ${exported.seconds.toFixed(2)} s, ${files.length} files, peak RSS ${exported.peakMb} MB; ` +
          `import ${imported.seconds.toFixed(2)} s (${Math.round(n / imported.seconds)} entries/s), peak RSS ${imported.peakMb} MB; ${imported.stdout.trim()}\n`,
      );
    } finally {
      await Promise.all(servers.map((s) => s.proc.stop()));
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
