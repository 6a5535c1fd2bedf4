/**
 * Every object of the configuration file is closed: an unknown key anywhere (server, storage, security,
 * engine, logger, applications, kinds, properties, ...) is refused by its path, with the closest known key
 * when one is close, instead of being ignored (`securty:` would start a server without authentication).
 */
import { ConfigError, parseConfig } from '../../src/config/load';
import { demoConfig } from '../../src/config/demo';
import { closestKey } from '../../src/config/issues';

const crm = (demoConfig.applications ?? [])[0] as Record<string, unknown> & { kinds: Record<string, unknown>[] };
const withAccounts = (change: Record<string, unknown>) => ({ applications: [{ ...crm, kinds: [{ ...crm.kinds[0], ...change }] }] });
const route = { source: 'http://127.0.0.1:9/sdata/crm/test/-', target: 'http://127.0.0.1:9/sdata/erp/test/-' };

function refusal(doc: unknown): string {
  try {
    parseConfig(doc, {});
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('the configuration was accepted');
}

describe('unknown keys of the configuration', () => {
  it.each([
    [{ securty: { users: [] } }, "securty: unknown key; did you mean 'security'?"],
    [{ server: { prot: 3390 } }, "server.prot: unknown key; did you mean 'port'?"],
    [{ server: { tls: { cert: 'a.pem', keys: 'b.pem' } } }, "server.tls.keys: unknown key; did you mean 'key'?"],
    [{ storage: { dataDri: './x' } }, "storage.dataDri: unknown key; did you mean 'dataDir'?"],
    [{ sync: { pagesize: 10 } }, "sync.pagesize: unknown key; did you mean 'pageSize'?"],
    [{ xml: { maxDepht: 10 } }, "xml.maxDepht: unknown key; did you mean 'maxDepth'?"],
    [{ log: { levle: 'warn' } }, "log.levle: unknown key; did you mean 'level'?"],
    [{ security: { anonymus: ['read'] } }, "security.anonymus: unknown key; did you mean 'anonymous'?"],
    [{ engine: { http: { prot: 1 } } }, "engine.http.prot: unknown key; did you mean 'port'?"],
    [{ engine: { routes: [{ ...route, mdoe: 'watch' }] } }, "engine.routes.0.mdoe: unknown key; did you mean 'mode'?"],
    [{ engine: { loggers: [{ url: 'http://127.0.0.1:9/logs', auht: { user: 'u', passwordEnv: 'P' } }] } }, "engine.loggers.0.auht: unknown key; did you mean 'auth'?"],
    [{ engine: { retry: { attempt: 2 } } }, "engine.retry.attempt: unknown key; did you mean 'attempts'?"],
    [{ logger: { prot: 3100 } }, "logger.prot: unknown key; did you mean 'port'?"],
    [{ logger: { webhookUrl: 'http://127.0.0.1:9/hook', alerts: [{ name: 'a', when: 'routeBehind', tciks: 3 }] } }, "logger.alerts.0.tciks: unknown key; did you mean 'ticks'?"],
    [{ logger: { observe: { intervalSecond: 5 } } }, "logger.observe.intervalSecond: unknown key; did you mean 'intervalSeconds'?"],
    [{ applications: [{ ...crm, dataSet: 'x' }] }, "applications.0.dataSet: unknown key; did you mean 'dataset'?"],
    [{ applications: [{ ...crm, keys: { style: 'prefixed', prefix: 'A', widht: 3 } }] }, "applications.0.keys.widht: unknown key; did you mean 'width'?"],
    [withAccounts({ syncorder: 1 }), "applications.0.kinds.0.syncorder: unknown key; did you mean 'syncOrder'?"],
    [withAccounts({ properties: { name: { type: 'string', requred: true } } }), "applications.0.kinds.0.properties.name.requred: unknown key; did you mean 'required'?"],
    [withAccounts({ table: { name: 't', key: 'id', shema: 'app' } }), "applications.0.kinds.0.table.shema: unknown key; did you mean 'schema'?"],
  ])('%j is refused: %s', (doc, line) => {
    expect(refusal(doc)).toContain(`\n  ${line}`);
  });

  it('names every unknown key, and suggests nothing when no known key is close', () => {
    const message = refusal({ server: { hots: 'x', colour: 'blue' } });
    expect(message).toContain("server.hots: unknown key; did you mean 'host'?");
    expect(message).toMatch(/server\.colour: unknown key$/m);
  });

  it('accepts every known key (the demo, and a file giving each section)', () => {
    expect(parseConfig(demoConfig, {}).applications).toHaveLength(2);
    const cfg = parseConfig({ server: { port: 3390, host: '127.0.0.1' }, storage: { dataDir: './x', lockStaleSeconds: 5 }, logger: { port: 3101, dataDir: './y' }, engine: { routes: [route] }, security: { anonymous: ['read'] }, xml: { maxDepth: 10 }, log: { level: 'warn' } }, {});
    expect([cfg.server.port, cfg.storage.lockStaleSeconds, cfg.logger.dataDir]).toEqual([3390, 5, './y']);
  });
});

describe('closestKey', () => {
  it.each([
    ['prot', ['port', 'host'], 'port'],
    ['Port', ['port', 'host'], 'port'],
    ['securty', ['server', 'security', 'sync'], 'security'],
    ['foo', ['log', 'xml'], undefined],
    ['x', ['port'], undefined],
  ])('%s among %j: %s', (key, known, expected) => {
    expect(closestKey(key, known)).toBe(expected);
  });
});
