/**
 * The layer order of src/ and the absence of import circles: dependency-cruiser's CLI checks src/ against
 * .dependency-cruiser.cjs (the one place the order is written), and every violation is listed.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..');

interface Violation {
  from: string;
  to: string;
  rule: { name: string; severity: string };
  cycle?: { name: string }[];
}

interface CruiseResult {
  summary: { violations: Violation[]; totalCruised: number; ruleSetUsed: { forbidden: { name: string }[] } };
}

function cruise(): CruiseResult {
  const bin = join(root, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');
  const run = spawnSync(process.execPath, [bin, 'src', '--config', '.dependency-cruiser.cjs', '--output-type', 'json'], { cwd: root, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (run.error) throw run.error;
  if (!run.stdout.startsWith('{')) throw new Error(`depcruise answered no report (exit ${run.status}): ${run.stderr}`);
  return JSON.parse(run.stdout) as CruiseResult;
}

const describeViolation = (v: Violation): string => `${v.rule.name}: ${v.from} -> ${v.to}${v.cycle ? ` (circle: ${[v.from, ...v.cycle.map((c) => c.name)].join(' -> ')})` : ''}`;

describe('layers of src/', () => {
  let result: CruiseResult;

  beforeAll(() => {
    result = cruise();
  }, 120_000);

  it('every import follows the layer order and none closes a circle', () => {
    expect(result.summary.totalCruised).toBeGreaterThan(100);
    expect(result.summary.violations.map(describeViolation)).toEqual([]);
  });

  it('every folder of src/ has its place in the layer order', () => {
    const rules = new Set(result.summary.ruleSetUsed.forbidden.map((r) => r.name));
    const folders = readdirSync(join(root, 'src'), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
    expect(folders.filter((f) => !rules.has(`layer-${f}`))).toEqual([]);
    expect(rules).toContain('no-circular');
  });
});
