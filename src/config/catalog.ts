/**
 * The endpoints a configuration declares: one per (application, kind), named by its absolute URL
 * `{baseUrl}/sdata/{app}/{contract}/{dataset}/{kind}`. The URL comes from configuration, never from a request,
 * in its one spelling (protocol/endpointUrl.ts): a digest naming it by another (127.0.0.1 for localhost) names it too.
 * A partitioned kind (PROTOCOL.md 2.9) declares its kind endpoint (which allocates the keys of all its
 * partitions) followed by one endpoint per partition, `{kind URL}?where={expression}` (protocol/partitions.ts).
 */
import { canonicalUrl } from '../protocol/endpointUrl';
import { canonicalWhere, partitionUrl } from '../protocol/partitions';
import { schemeOf } from './securitySchema';
import type { ApplicationConfig, Config, KeyStyle, KindConfig } from './schema';

export interface EndpointDef {
  url: string;
  app: ApplicationConfig;
  kind: KindConfig;
  /** Conflict priority of this endpoint (1..9, lower wins). */
  priority: number;
  keys: KeyStyle;
  /** A partition endpoint: which of its kind's partitions (configuration order), its expression and its kind's URL. */
  partition?: PartitionDef;
}

export interface PartitionDef {
  index: number;
  /** The expression in its one spelling (protocol/partitions.ts#canonicalWhere). */
  where: string;
  kindUrl: string;
}

/** The base of an application's endpoint URLs, in the one spelling of URLs (protocol/endpointUrl.ts). */
export function applicationBaseUrl(cfg: Config, app: ApplicationConfig): string {
  return canonicalUrl(app.baseUrl ?? cfg.server.publicBaseUrl ?? `${schemeOf(cfg.server.tls)}://localhost:${cfg.server.port}`);
}

export function applicationUrl(cfg: Config, app: ApplicationConfig): string {
  return `${applicationBaseUrl(cfg, app)}/sdata/${app.name}/${app.contract}/${app.dataset}`;
}

export function endpointDefs(cfg: Config): EndpointDef[] {
  return cfg.applications.flatMap((app) =>
    [...app.kinds]
      .sort((a, b) => a.syncOrder - b.syncOrder)
      .flatMap((kind) => {
        const def: EndpointDef = {
          url: `${applicationUrl(cfg, app)}/${kind.name}`,
          app,
          kind,
          priority: kind.conflictPriority ?? app.conflictPriority,
          keys: kind.keys ?? app.keys,
        };
        const partitions = (kind.partitions ?? []).map((p, index): EndpointDef => {
          const where = canonicalWhere(p.where);
          return { ...def, url: partitionUrl(def.url, where), partition: { index, where, kindUrl: def.url } };
        });
        return [def, ...partitions];
      }),
  );
}
