/** The repository's own promises: the README's commands are the ones npm has (deployment files: deploy.test.ts). */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { configSchema } from '../src/config/schema';

const root = join(__dirname, '..');

describe('repository files', () => {
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

  it('npm start (the sources) runs node with the heap limit of the bin', () => {
    const shebang = readFileSync(join(root, 'bin/sdata-sync.js'), 'utf8').split('\n', 1)[0];
    const limit = /^#!\/usr\/bin\/env -S node .*(--max-old-space-size=\d+)/.exec(shebang)![1];
    expect(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts.start).toMatch(new RegExp(`^node ${limit} --import tsx src/cli/main\\.ts demo$`));
  });

  it('every production dependency of package.json is loaded by the code it ships (src/, bin/)', () => {
    const code = ['src', 'bin']
      .flatMap((dir) => readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' }).map((f) => join(root, dir, f)))
      .filter((f) => /\.(ts|js)$/.test(f))
      .map((f) => readFileSync(f, 'utf8'))
      .join('\n');
    const loaded = (name: string) => [`from '${name}`, `require('${name}`, `import('${name}`, `require.resolve('${name}`].some((s) => code.includes(s + "'") || code.includes(s + '/'));
    const dependencies = Object.keys(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).dependencies);
    expect(dependencies.filter((name) => !loaded(name))).toEqual([]);
  });
});

describe('the protocol document', () => {
  const doc = (): string => readFileSync(join(root, 'src/protocol/PROTOCOL.md'), 'utf8');

  it('ships in the npm package, and the README and openapi.yaml (shipped too) point to it by its path', () => {
    const files = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).files;
    expect(files).toEqual(expect.arrayContaining(['src/protocol/PROTOCOL.md', 'openapi', 'README.md']));
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    expect(readme).toContain('(src/protocol/PROTOCOL.md)');
    expect(readme).not.toMatch(/shared with the project/);
    const openapi = readFileSync(join(root, 'openapi', 'openapi.yaml'), 'utf8');
    expect(openapi).toContain('`src/protocol/PROTOCOL.md`');
  });

  it('names only files that exist and functions, constants and classes those files define', () => {
    const text = doc();
    const missing: string[] = [];
    const refs = [...text.matchAll(/`(src\/[\w/.-]+\.ts)(?:#(\w+))?`/g)];
    expect(refs.filter((m) => m[2] !== undefined).length).toBeGreaterThan(50);
    for (const [, file, name] of refs) {
      if (!existsSync(join(root, file))) {
        missing.push(file);
        continue;
      }
      if (name !== undefined && !new RegExp(`\\b(function|const|class)\\s+${name}\\b`).test(readFileSync(join(root, file), 'utf8'))) missing.push(`${file}#${name}`);
    }
    expect(missing).toEqual([]);
  });

  it('names only configuration options that exist', () => {
    const options = [...doc().matchAll(/`((?:server|sync|storage|log|xml|engine|logger|security)\.[\w.]+)`/g)].map((m) => m[1]);
    expect(options.length).toBeGreaterThan(10);
    expect(options.filter((o) => !isOption(o))).toEqual([]);
  });
});

/** The object schema inside a zod schema wrapped in defaults, prefaults, optionals or pipes. */
function objectShape(schema: unknown): Record<string, unknown> | undefined {
  let s = schema as { _zod?: { def: { type: string; shape?: Record<string, unknown>; innerType?: unknown; in?: unknown } } } | undefined;
  for (let depth = 0; depth < 10 && s?._zod; depth++) {
    const def = s._zod.def;
    if (def.type === 'object') return def.shape;
    s = (def.innerType ?? def.in) as typeof s;
  }
  return undefined;
}

/** True when `a.b.c` is a key path of the configuration file's schema. */
function isOption(path: string): boolean {
  let s: unknown = configSchema;
  for (const key of path.split('.')) {
    const shape = objectShape(s);
    if (!shape || !(key in shape)) return false;
    s = shape[key];
  }
  return true;
}
