/**
 * The type check of `npm test`, run beside the tests instead of before them: jest's global setup starts
 * `tsc --noEmit` over the whole project (src, migrations, test, bench) when SDATA_TYPECHECK=1 (the test
 * script sets it), and the global teardown waits for it and fails the run with tsc's errors. tsc works on
 * one core for about 20 s while the global setup and the first test files use the other.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '../..');

/** What the check printed and how it ended; kept on globalThis, which jest shares between setup and teardown. */
interface TypeCheck {
  done: Promise<{ code: number | null; output: string }>;
}

const KEY = Symbol.for('sdata-sync.typecheck');

export function startTypeCheck(): void {
  if (process.env.SDATA_TYPECHECK !== '1') return;
  const child = spawn(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.json'), '--noEmit', '--pretty', 'false'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (output += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (output += s));
  const check: TypeCheck = { done: new Promise((resolve) => child.once('close', (code) => resolve({ code, output }))) };
  (globalThis as Record<symbol, unknown>)[KEY] = check;
}

/** Waits for the check the setup started (if any); throws with tsc's output when it found errors. */
export async function endTypeCheck(): Promise<void> {
  const check = (globalThis as Record<symbol, unknown>)[KEY] as TypeCheck | undefined;
  if (!check) return;
  const { code, output } = await check.done;
  if (code !== 0) throw new Error(`the type check (tsc --noEmit) failed with exit code ${code}:\n${output}`);
  process.stdout.write('\nType check (tsc --noEmit): no errors\n');
}
