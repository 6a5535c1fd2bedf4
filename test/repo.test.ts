/** The repository's own promises: the README's commands are the ones npm has (deployment files: deploy.test.ts). */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

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
