/**
 * What every request handler of an endpoint server gets: configuration, database, logger, security policy,
 * the work in flight, and the catalog of registered endpoints, which resolves a parsed URL to its endpoint (404 with the sdataCode of the first
 * part that does not exist: application, contract, dataset, resource kind).
 */
import type { Logger } from 'pino';
import type { Config } from '../config/schema';
import type { Db } from '../store/db';
import type { RegisteredEndpoint } from '../store/endpoints';
import { SDataError } from '../protocol/diagnosis';
import type { SecurityPolicy } from '../security/policy';
import type { SDataPath } from './path';
import type { DigestHub } from './notify/hub';
import type { WorkInFlight } from '../http/workInFlight';
import type { ServerMetrics } from '../metrics/server';

export interface Runtime {
  cfg: Config;
  /** The server's own store (sdata-sync's tables); each endpoint names its own store (RegisteredEndpoint.db). */
  db: Db;
  /** Every distinct store of the server's endpoints, the server's own first (readiness, sweeps). */
  stores: Db[];
  /** Closes the stores the server opened besides its own (table-backed kinds of another database). */
  closeStores(): Promise<void>;
  log: Logger;
  catalog: EndpointCatalog;
  /** Fans digest changes out to `$syncNotify` listeners. */
  digestHub: DigestHub;
  /** Handlers and page applications still running (a graceful stop waits for them). */
  work: WorkInFlight;
  /** Users and anonymous roles (security section), checked by the access control of every request. */
  security: SecurityPolicy;
  /** The server's Prometheus registry and the counters handlers move. */
  metrics: ServerMetrics;
}

type Dataset = Pick<SDataPath, 'app' | 'contract' | 'dataset'>;

export class EndpointCatalog {
  readonly endpoints: readonly RegisteredEndpoint[];

  constructor(endpoints: RegisteredEndpoint[]) {
    this.endpoints = endpoints;
  }

  /** The kind endpoints of one application (partitions left out), in configuration order; 404 when there is none. */
  application(app: string): RegisteredEndpoint[] {
    const ofApp = this.endpoints.filter((e) => e.def.app.name === app && !e.def.partition);
    if (ofApp.length === 0) throw notFound('ApplicationNotFound', `no application '${app}'`);
    return ofApp;
  }

  /** The endpoints of one contract of an application; 404 when either does not exist. */
  contract(path: Pick<SDataPath, 'app' | 'contract'>): RegisteredEndpoint[] {
    const ofContract = this.application(path.app).filter((e) => e.def.app.contract === path.contract);
    if (ofContract.length === 0) throw notFound('ContractNotFound', `application '${path.app}' has no contract '${path.contract}'`);
    return ofContract;
  }

  /** The endpoints of one application dataset, in sync order; 404 when it does not exist. */
  dataset(path: Dataset): RegisteredEndpoint[] {
    const ofDataset = this.contract(path).filter((e) => e.def.app.dataset === path.dataset);
    if (ofDataset.length === 0) throw notFound('DatasetNotFound', `contract '${path.app}/${path.contract}' has no dataset '${path.dataset}'`);
    return ofDataset;
  }

  /** The endpoint a URL names; 404 when any part of it does not exist. */
  endpoint(path: Dataset & { kind: string }): RegisteredEndpoint {
    const found = this.dataset(path).find((e) => e.def.kind.name === path.kind);
    if (!found) throw notFound('ResourceKindNotFound', `'${path.app}/${path.contract}/${path.dataset}' has no resource kind '${path.kind}'`);
    return found;
  }
}

function notFound(sdataCode: 'ApplicationNotFound' | 'ContractNotFound' | 'DatasetNotFound' | 'ResourceKindNotFound', message: string): SDataError {
  return new SDataError(404, { sdataCode, message });
}
