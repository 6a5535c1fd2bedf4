/**
 * The engine's clients as the configuration describes them: retry, polling and timeout settings, the
 * extra certificate authorities of `engine.caFile`, and credentials read from the environment at start
 * (a missing password variable stops the start, before any pass runs).
 */
import type { Logger } from 'pino';
import type { Dispatcher } from 'undici';
import type { EngineConfig, LoggerTarget, RouteConfig } from '../config/engineSchema';
import { credentialOf, type Credential } from '../security/credentials';
import { SDataClient, trustingCaFile, type RunTag } from './sdataClient';
import type { LoggerDestination } from './report';
import type { ResultOutbox } from './resultOutbox';

export interface EngineConnections {
  /** Connection pool trusting engine.caFile (undefined: Node's default). */
  dispatcher?: Dispatcher;
  /** The delivery queue of result feeds that the engine's passes share (a daemon's; a pass makes its own when absent). */
  outbox?: ResultOutbox;
}

export function engineConnections(engine: EngineConfig): EngineConnections {
  return { dispatcher: engine.caFile ? trustingCaFile(engine.caFile) : undefined };
}

/** A client for one run, with the engine's settings. */
export function engineClient(engine: EngineConfig, connections: EngineConnections, run: RunTag, log?: Logger, auth?: Credential): SDataClient {
  return new SDataClient({
    run,
    retry: engine.retry,
    poll: engine.poll,
    requestTimeoutMillis: engine.requestTimeoutSeconds * 1000,
    log,
    auth,
    dispatcher: connections.dispatcher,
  });
}

/** The client of one command-line run named `runName`, starting now, with its own connection pool. */
export function commandClient(engine: EngineConfig, runName: string, log?: Logger, auth?: Credential): SDataClient {
  return engineClient(engine, engineConnections(engine), { runName, runStamp: new Date().toISOString() }, log, auth);
}

/** Logger targets of the configuration with their credentials read from the environment. */
export function loggerDestinations(targets: LoggerTarget[], env: NodeJS.ProcessEnv = process.env, fallback?: Credential): LoggerDestination[] {
  return targets.map((t) => (typeof t === 'string' ? (fallback ? { url: t, auth: fallback } : t) : { url: t.url, auth: credentialOf(t.auth, env) ?? fallback }));
}

/** What a route sends its requests with: its credential, and its loggers (the route's own, else the engine's) with theirs. */
export interface RouteParties {
  auth: Credential | undefined;
  loggers: LoggerDestination[];
}

/** Read once, when a route is set up: a missing password variable stops the engine before anything runs. */
export function routeParties(route: Pick<RouteConfig, 'auth' | 'loggers'>, engine: Pick<EngineConfig, 'loggers'>): RouteParties {
  return { auth: credentialOf(route.auth), loggers: loggerDestinations(route.loggers ?? engine.loggers) };
}
