/**
 * How far behind a route's targets are, read when asked (a scrape of /metrics, GET /routes): for every leg
 * of the route (kind and direction), the source's digest read now and the target's read now, or, when the
 * target does not answer, the last one read of it, so that a target that is down shows the changes piling
 * up at its source. The lag of a leg is protocol/lag.ts's; the route's is the sum over its legs. A route
 * whose legs or digests were never read answers undefined.
 *
 * The legs of application URLs come from their $schema (engine/pass.ts passLegs), read once.
 */
import { parseDigestDocument } from '../atom/digestXml';
import { parseXml } from '../atom/xml';
import type { EngineConfig, RouteConfig } from '../config/engineSchema';
import { lagInTicks } from '../protocol/lag';
import type { Digest } from '../protocol/types';
import { engineClient, type EngineConnections } from './configured';
import type { Credential } from '../security/credentials';
import type { SDataClient } from './sdataClient';
import { passLegs } from './pass';
import { routeName } from './route';
import { serviceUrl } from '../protocol/serviceUrl';

/** A digest read must answer within this time: a scrape does not wait for an endpoint that hangs. */
const READ_TIMEOUT_SECONDS = 3;

interface Leg {
  source: string;
  target: string;
}

export class RouteLag {
  private legs: Leg[] | undefined;
  private readonly lastTargetDigest = new Map<string, Digest>();

  constructor(
    private readonly route: RouteConfig,
    private readonly engine: EngineConfig,
    private readonly connections: EngineConnections,
    private readonly auth: Credential | undefined,
  ) {}

  private client(): SDataClient {
    const e = this.engine;
    const quick = { ...e, retry: { ...e.retry, attempts: 1 }, requestTimeoutSeconds: Math.min(e.requestTimeoutSeconds, READ_TIMEOUT_SECONDS) };
    return engineClient(quick, this.connections, { runName: `${routeName(this.route)} lag`, runStamp: new Date().toISOString() }, undefined, this.auth);
  }

  private async legsOf(client: SDataClient): Promise<Leg[]> {
    if (!this.legs) {
      const forward = await passLegs({ source: this.route.source, target: this.route.target, client, kinds: this.route.kinds });
      const legs = forward.map(({ source, target }) => ({ source, target }));
      if (this.route.direction === 'bothWays') legs.push(...forward.map(({ source, target }) => ({ source: target, target: source })));
      this.legs = legs;
    }
    return this.legs;
  }

  private async digest(client: SDataClient, endpoint: string): Promise<Digest> {
    return parseDigestDocument(parseXml((await client.exchange('GET', serviceUrl(endpoint, '$syncDigest'))).body));
  }

  /** The target's digest now, else the last one read; undefined when it was never read. */
  private async targetDigest(client: SDataClient, target: string): Promise<Digest | undefined> {
    try {
      const d = await this.digest(client, target);
      this.lastTargetDigest.set(target, d);
      return d;
    } catch {
      return this.lastTargetDigest.get(target);
    }
  }

  /** Ticks of the sources not at their targets yet, over every leg; undefined when it cannot be told now. */
  async ticks(): Promise<number | undefined> {
    const client = this.client();
    let legs: Leg[];
    try {
      legs = await this.legsOf(client);
    } catch {
      return undefined;
    }
    const lags = await Promise.all(
      legs.map(async ({ source, target }) => {
        const [sourceDigest, targetDigest] = await Promise.all([this.digest(client, source).catch(() => undefined), this.targetDigest(client, target)]);
        // The source's own name in digests (its origin) may differ from the URL the route reaches it by.
        return sourceDigest && targetDigest ? lagInTicks(sourceDigest.origin ?? source, sourceDigest, targetDigest) : undefined;
      }),
    );
    return lags.some((l) => l === undefined) ? undefined : lags.reduce<number>((n, l) => n + l!, 0);
  }
}
