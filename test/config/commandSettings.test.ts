/**
 * The settings of the client commands (pass, distribute, export, import, digest): without a file, the
 * defaults the configuration schema gives an empty file, read without parsing anything; with a file, the
 * file's engine section and log level, validated as any configuration is.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_COMMAND_SETTINGS, loadCommandSettings } from '../../src/config/commandSettings';
import { ConfigError, parseConfig } from '../../src/config/load';
import { DEFAULT_XML_LIMITS } from '../../src/config/xmlLimits';

const dir = mkdtempSync(join(tmpdir(), 'sdata-settings-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('command settings', () => {
  it('without a file: the defaults of the configuration schema for an empty file', () => {
    const parsed = parseConfig({}, {});
    expect(DEFAULT_COMMAND_SETTINGS).toEqual({ engine: parsed.engine, log: parsed.log });
    expect(loadCommandSettings(undefined, {})).toEqual({ engine: parsed.engine, log: parsed.log });
    // The XML reader's limits, read by the same commands without a configuration, are those of the xml section.
    expect(DEFAULT_XML_LIMITS).toEqual(parsed.xml);
  });

  it('without a file: LOG_LEVEL sets the level, and the defaults are never changed by a caller', () => {
    const settings = loadCommandSettings(undefined, { LOG_LEVEL: 'debug' });
    expect(settings.log.level).toBe('debug');
    settings.engine.retry.attempts = 1;
    expect(DEFAULT_COMMAND_SETTINGS.engine.retry.attempts).toBe(6);
    expect(DEFAULT_COMMAND_SETTINGS.log.level).toBe('info');
  });

  it('with a file: its engine section and level, the whole file validated', () => {
    const good = join(dir, 'good.yaml');
    writeFileSync(good, 'log:\n  level: warn\nengine:\n  retry: { attempts: 2 }\n  pageSize: 50\n');
    const settings = loadCommandSettings(good, {});
    expect(settings.log.level).toBe('warn');
    expect(settings.engine.retry).toEqual({ attempts: 2, startingDelayMillis: 200, maxDelayMillis: 10_000 });
    expect(settings.engine.pageSize).toBe(50);
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'server: { prot: 3390 }\n');
    expect(() => loadCommandSettings(bad, {})).toThrow(ConfigError);
    expect(() => loadCommandSettings(bad, {})).toThrow(/server\.prot: unknown key/);
  });
});
