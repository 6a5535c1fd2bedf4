/**
 * The processes most end-to-end tests need: endpoint server A (application crm) and B (erp), each with its
 * own database, and an event logger (optionally with a webhook), all on loopback.
 */
import { canonicalUrl } from '../../../src/protocol/endpointUrl';
import { rmSync } from 'node:fs';
import { demoConfig } from '../../../src/config/demo';
import { databaseEnv, startLoggerProcess, startServe, tempDir, writeYaml, type CliProcess, type DatabaseKind, type ServerProcess } from './processes';

export const APPS = {
  crm: demoConfig.applications!.find((a) => a.name === 'crm')!,
  erp: demoConfig.applications!.find((a) => a.name === 'erp')!,
};

interface Application {
  server: ServerProcess;
  name: 'crm' | 'erp';
  configFile: string;
  dbEnv: Record<string, string>;
  /** {url}/sdata/{name}/test/- */
  appUrl: string;
  endpoint(kind: 'accounts' | 'contacts'): string;
  /** Starts the server again on the same port with the same database (after a crash). */
  restart(): Promise<void>;
}

export interface Topology {
  dir: string;
  crm: Application;
  erp: Application;
  logger: { proc: CliProcess; url: string; ingestUrl: string };
  stop(): Promise<void>;
}

type ApplicationInput = (typeof APPS)['crm'];

async function startApplication(dir: string, name: 'crm' | 'erp', db: DatabaseKind, config: ApplicationInput = APPS[name], startMillis?: number): Promise<Application> {
  const configFile = writeYaml(dir, `${name}.yaml`, { log: { level: 'warn' }, sync: { answerWithinMillis: 200 }, applications: [config] });
  // Only erp is restarted by a test: its PGlite data must be on disk.
  const dbEnv = await databaseEnv(db, dir, name, { persistent: name === 'erp' });
  const app: Application = {
    server: await startServe(configFile, dbEnv, undefined, startMillis),
    name,
    configFile,
    dbEnv,
    appUrl: '',
    endpoint: (kind) => `${app.appUrl}/${kind}`,
    async restart() {
      app.server = await startServe(configFile, dbEnv, app.server.port);
    },
  };
  // Written as the logger and the digests write it (one spelling of an endpoint URL: 127.0.0.1 is localhost).
  app.appUrl = canonicalUrl(`${app.server.url}/sdata/${name}/test/-`);
  return app;
}

/**
 * Starts crm, erp and a logger; `erpConfig` replaces erp's application configuration (e.g. stricter types);
 * `startMillis` is how long a server or the logger may take to listen (the defaults of startServe and
 * startLoggerProcess otherwise).
 */
export async function startTopology(db: DatabaseKind, loggerConfig: Record<string, unknown> = {}, erpConfig?: ApplicationInput, startMillis?: number): Promise<Topology> {
  const dir = tempDir();
  const startLogger = async () => startLoggerProcess(await databaseEnv(db, dir, 'logger', { persistent: false }), writeYaml(dir, 'logger.yaml', { log: { level: 'warn' }, logger: loggerConfig }), undefined, startMillis);
  const [crm, erp, logger] = await Promise.all([startApplication(dir, 'crm', db, undefined, startMillis), startApplication(dir, 'erp', db, erpConfig, startMillis), startLogger()]);
  return {
    dir,
    crm,
    erp,
    logger,
    async stop() {
      await Promise.all([crm.server.proc.stop(), erp.server.proc.stop(), logger.proc.stop()]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
