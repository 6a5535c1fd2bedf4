/**
 * The engines the dashboard shows (logger.engines): each engine listener's `GET /routes` read every
 * observe.intervalSeconds with the observer's credentials, its answer checked and bounded (a listener is
 * outside input), and the lag of each route kept for the last hour, a sample per read, for the dashboard's
 * charts. A listener that does not answer keeps its last routes, with the error and when it came.
 */
import type { Logger } from 'pino';
import { z } from 'zod';
import type { LoggerConfig } from '../config/engineSchema';
import { canonicalUrl } from '../protocol/endpointUrl';

/** Routes read of one engine at most; lag samples kept per route (an hour at a read every 5 s). */
const MAX_ROUTES = 200;
const MAX_SAMPLES = 720;
export const HISTORY_MILLIS = 3_600_000;

const text = z.string().max(2000);
const stamp = z.string().max(40);
const count = z.number().int().min(0);
/** A route as the engine's listener lists it (engine/routesView.ts); what the dashboard reads of it. */
const engineRoute = z.object({
  name: z.string().max(200),
  source: text,
  target: text,
  mode: z.enum(['scheduled', 'immediate', 'watch']),
  state: z.enum(['running', 'paused', 'idle', 'listening']),
  pausedAt: stamp.nullable(),
  lagTicks: count.nullable(),
  lastSuccessAt: stamp.nullable(),
  secondsSinceSuccess: z.number().min(0).nullable(),
  lastFailure: z.object({ at: stamp, source: text.optional(), target: text.optional(), reason: z.string().max(4000) }).nullable(),
  progress: z.object({ runId: stamp, startedAt: stamp, source: text, target: text, kind: text, entriesDone: count, totalResults: count.nullable() }).nullable(),
  lastRun: z.object({ id: stamp, startedAt: stamp, finishedAt: stamp.nullable(), state: z.enum(['running', 'done', 'failed']), counts: z.record(z.string().max(40), count) }).nullable(),
});
const routesAnswer = z.object({ routes: z.array(engineRoute).max(MAX_ROUTES) });

export type EngineRouteView = z.output<typeof engineRoute>;

export interface LagSample {
  at: string;
  ticks: number | null;
}

export interface EngineView {
  url: string;
  readAt?: string;
  error?: { message: string; at: string };
  routes: (EngineRouteView & { lagHistory: LagSample[] })[];
}

export class EngineWatch {
  private readonly engines = new Map<string, { readAt?: string; error?: EngineView['error']; routes: EngineRouteView[] }>();
  private readonly history = new Map<string, LagSample[]>();
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly cfg: Pick<LoggerConfig, 'engines' | 'observe'>,
    private readonly authorization?: string,
    private readonly log?: Logger,
  ) {
    for (const url of cfg.engines) this.engines.set(canonicalUrl(url), { routes: [] });
  }

  start(): void {
    if (this.engines.size === 0) return;
    this.timer = setInterval(() => void this.refresh(), this.cfg.observe.intervalSeconds * 1000);
    this.timer.unref();
    void this.refresh();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** True for an engine listener of the configuration (the only ones the dashboard forwards actions to). */
  watches(url: string): boolean {
    return this.engines.has(canonicalUrl(url));
  }

  /** Reads every engine once (a read under way is joined, not doubled). */
  refresh(): Promise<void> {
    this.running ??= Promise.all([...this.engines.keys()].map((url) => this.read(url))).then(
      () => undefined,
      () => undefined,
    );
    return this.running.finally(() => (this.running = undefined));
  }

  private async read(url: string): Promise<void> {
    const known = this.engines.get(url)!;
    const at = new Date().toISOString();
    try {
      const headers: Record<string, string> = { accept: 'application/json' };
      if (this.authorization) headers.authorization = this.authorization;
      const res = await fetch(`${url}/routes`, { headers, signal: AbortSignal.timeout(this.cfg.observe.timeoutMillis) });
      const body = await res.text();
      if (!res.ok) throw new Error(`GET /routes answered HTTP ${res.status}`);
      const parsed = routesAnswer.safeParse(JSON.parse(body));
      if (!parsed.success) throw new Error(`GET /routes answered what is not a routes list: ${parsed.error.issues[0]?.message ?? ''}`.slice(0, 300));
      this.engines.set(url, { readAt: at, routes: parsed.data.routes });
      for (const r of parsed.data.routes) this.sample(url, r.name, { at, ticks: r.lagTicks });
    } catch (err) {
      const message = (err as Error).message;
      if (known.error?.message !== message) this.log?.warn({ engine: url, err: message }, 'engine listener not read');
      this.engines.set(url, { ...known, error: { message, at } });
    }
  }

  private sample(url: string, name: string, s: LagSample): void {
    const key = `${url} ${name}`;
    const since = Date.parse(s.at) - HISTORY_MILLIS;
    const kept = (this.history.get(key) ?? []).filter((x) => Date.parse(x.at) >= since);
    kept.push(s);
    this.history.set(key, kept.slice(-MAX_SAMPLES));
  }

  snapshot(): EngineView[] {
    return [...this.engines].map(([url, e]) => ({
      url,
      readAt: e.readAt,
      error: e.error,
      routes: e.routes.map((r) => ({ ...r, lagHistory: this.history.get(`${url} ${r.name}`) ?? [] })),
    }));
  }
}
