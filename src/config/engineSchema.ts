/**
 * The `engine` and `logger` sections of the configuration file (both optional; defaults make the demo run).
 *
 *   engine:
 *     http: { host: 127.0.0.1, port: 3200 }  # /healthz, /readyz, /metrics, /routes (security: the security section)
 *     databaseUrl: postgres://...        # route locks shared by several engine processes (PostgreSQL only)
 *     loggers: [http://127.0.0.1:3100/logs/$syncResults]  # or { url: ..., auth: { user: NAME, passwordEnv: VAR } | { tokenEnv: VAR } }
 *     caFile: ./ca.pem                     # extra certificate authorities for https URLs
 *     routes:
 *       - name: crm-erp
 *         source: http://localhost:3000/sdata/crm/test/-      # an application (all kinds) or one kind
 *         target: http://localhost:3000/sdata/erp/test/-
 *         direction: bothWays
 *         mode: immediate                                       # scheduled (default) | immediate | watch
 *         schedule: "0 * * * * *"                               # safety net every minute (croner; seconds optional)
 *         auth: { user: engine, passwordEnv: ENGINE_PASSWORD }  # Basic credentials for source and target ({ tokenEnv: VAR }: a Bearer token)
 *     distributions:                                       # one source to many targets (PROTOCOL.md 7)
 *       - name: prices
 *         source: http://hub:3000/sdata/hub/test/-/accounts  # endpoint URLs (one kind)
 *         targets: [http://a:3000/sdata/a/test/-/accounts]
 *         clusters:                                          # a master is itself the source for its members
 *           - master: http://m1:3000/sdata/m1/test/-/accounts
 *             members: [http://m1a:3000/sdata/m1a/test/-/accounts]
 *         phases: 2                                          # 1: ordinary passes; 2: all or nothing
 *         timeoutSeconds: 30
 *         schedule: "0 * * * * *"                          # optional: `engine` runs it (else `distribute --name`)
 *   logger:
 *     port: 3100
 *     webhookUrl: http://127.0.0.1:9000/hook                # called for Error and Fatal diagnoses
 *     retentionDays: 30
 *     observe:                                              # reads $syncDigest, $conflicts, $failures of endpoints seen in runs
 *       intervalSeconds: 10
 *       auth: { user: observer, passwordEnv: OBSERVER_PASSWORD }  # a user with the role read
 *     engines: [http://127.0.0.1:3200]                      # engine listeners: the dashboard's routes, Run now, Pause, Resume
 *     alerts:                                               # posted to webhookUrl once per episode
 *       - { name: behind, when: routeBehind, ticks: 100 }
 *       - { name: stale, when: routeBehind, seconds: 600 }
 *       - { name: failed, when: passFailed }
 *       - { name: conflicts, when: newConflict }
 */
import { z } from 'zod';
import { clientAuthSchema, tlsSchema } from './securitySchema';

/** An http(s) URL without credentials in it (they go in `auth`, the password in the environment). */
const httpUrl = z.url({ protocol: /^https?$/ }).refine((u) => !URL.canParse(u) || (new URL(u).username === '' && new URL(u).password === ''), 'must not hold credentials: give them as auth: { user, passwordEnv } or auth: { tokenEnv }');

/** An event logger: its URL, or its URL and the credentials to post with. */
const loggerTarget = z.union([httpUrl, z.strictObject({ url: httpUrl, auth: clientAuthSchema.optional() })]);

/** croner is loaded when a pattern is checked (a configuration without schedules does not load it). */
const cronPattern = z.string().refine(
  (pattern) => {
    try {
      const { Cron } = require('croner') as typeof import('croner');
      new Cron(pattern, { paused: true }).stop();
      return true;
    } catch {
      return false;
    }
  },
  { message: 'is not a valid cron pattern' },
);

const retrySchema = z
  .strictObject({
    /** Attempts of one exchange (a request and its polling) before the error is given up on. */
    attempts: z.number().int().min(1).default(6),
    startingDelayMillis: z.number().int().min(0).default(200),
    maxDelayMillis: z.number().int().min(0).default(10_000),
  })
  .prefault({});

const pollSchema = z
  .strictObject({
    /** Bounds applied to an endpoint's `pollingMillis`. */
    minMillis: z.number().int().min(0).default(5),
    maxMillis: z.number().int().min(1).default(5_000),
    /** Give up polling one tracking URL after this long (the exchange is then retried). */
    timeoutSeconds: z.number().positive().default(600),
  })
  .prefault({});

/** Safety-net catch-up pass of an immediate route, when it gives no schedule: every 5 minutes. */
const IMMEDIATE_SAFETY_NET = '0 */5 * * * *';
const SCHEDULED_DEFAULT = '*/30 * * * * *';

const routeModes = ['scheduled', 'immediate', 'watch'] as const;

const routeSchema = z.strictObject({
  /** Used as the runName of the route's passes; defaults to `source -> target`. */
  name: z.string().min(1).optional(),
  source: httpUrl,
  target: httpUrl,
  /** With application URLs: the kinds to synchronise (default: every kind, in syncOrder). */
  kinds: z.array(z.string().min(1)).optional(),
  direction: z.enum(['oneWay', 'bothWays']).default('oneWay'),
  /**
   * scheduled: catch-up passes on `schedule`. immediate: each change notified by a source is pushed at once
   * (a catch-up pass at start, after any failure and on `schedule` as a safety net, default every 5 min).
   * watch: the endpoints' notification streams are watched and a pass runs only where a source is ahead.
   */
  mode: z.enum(routeModes).default('scheduled'),
  /** Cron pattern: default every 30 s for a scheduled route, every 5 min for an immediate one; unused by watch. */
  schedule: cronPattern.optional(),
  /** Overrides engine.loggers for this route. */
  loggers: z.array(loggerTarget).optional(),
  /** Credentials sent to the route's source and target. */
  auth: clientAuthSchema.optional(),
  /** Overrides engine.postResults for this route. */
  postResults: z.boolean().optional(),
}).transform((r) => ({ ...r, schedule: r.schedule ?? (r.mode === 'immediate' ? IMMEDIATE_SAFETY_NET : SCHEDULED_DEFAULT) }));

const watchSchema = z
  .strictObject({
    /** Interval of GET $syncDigest for an endpoint whose $syncNotify stream is unavailable (watch and immediate routes). */
    pollSeconds: z.number().positive().default(15),
    /** First wait before a failed catch-up pass of an immediate or watch route is run again (doubling up to maxDelayMillis of retry). */
    retryMillis: z.number().int().positive().default(500),
  })
  .prefault({});

const clusterSchema = z.strictObject({
  /** The cluster master endpoint: a target of the distribution and the source of its members' one. */
  master: httpUrl,
  members: z.array(httpUrl).min(1),
});

/**
 * A distribution route (a scope): one source endpoint to targets and clusters. Two phases commit on every
 * target, every master and every member, or on none; one phase runs ordinary passes, source to targets and
 * masters, then each master to its members.
 */
export const distributionSchema = z
  .strictObject({
    name: z.string().min(1),
    source: httpUrl,
    targets: z.array(httpUrl).default([]),
    clusters: z.array(clusterSchema).default([]),
    phases: z.union([z.literal(1), z.literal(2)]).default(1),
    /** Two-phase: every target must Ack within this time. */
    timeoutSeconds: z.number().positive().max(3600).default(30),
    /** Overrides engine.loggers for this distribution. */
    loggers: z.array(loggerTarget).optional(),
    /** Credentials sent to the source, the targets, the masters and the members. */
    auth: clientAuthSchema.optional(),
    /** When set, `sdata-sync engine` runs the distribution on this schedule (one run at a time, as a route). */
    schedule: cronPattern.optional(),
  })
  .refine((d) => d.targets.length + d.clusters.length > 0, { message: 'a distribution needs targets or clusters' });

/** The engine's HTTP listener (health probes, /metrics, the routes for outside schedulers). */
const engineHttpSchema = z
  .strictObject({
    host: z.string().default('127.0.0.1'),
    /** 0: any free port (tests). */
    port: z.number().int().min(0).max(65535).default(3200),
    /** Serve HTTPS with these PEM files. */
    tls: tlsSchema.optional(),
  })
  .prefault({});

export const engineSchema = z
  .strictObject({
    http: engineHttpSchema,
    /**
     * PostgreSQL used for route locks (pg_try_advisory_lock), so that engine processes sharing it never run
     * one route twice at once. Without it, locks are held inside the process only (enough for one engine).
     */
    databaseUrl: z.string().optional(),
    /** Event logger URLs (a logger's `/logs/$syncResults` or any source's `$syncResults`) given every result feed. */
    loggers: z.array(loggerTarget).default([]),
    /**
     * Result posts the engine keeps per logger (and per source `$syncResults`) while it is down, delivered once
     * it is back; beyond it the oldest is dropped (a warning and `sdata_engine_result_posts_dropped_total`).
     */
    loggerQueueSize: z.number().int().min(1).max(1_000_000).default(1000),
    /** A PEM file of extra certificate authorities trusted for https URLs (beside the system's). */
    caFile: z.string().min(1).optional(),
    /** Also post result feeds to the source's `$syncResults`. */
    postResults: z.boolean().default(false),
    /** Entries per sync-feed page asked of sources (`count`); the source's own default when absent. */
    pageSize: z.number().int().positive().optional(),
    /** Attempts of a whole pass that failed on a transient error, before waiting for the next schedule. */
    passAttempts: z.number().int().min(1).default(3),
    requestTimeoutSeconds: z.number().positive().default(300),
    retry: retrySchema,
    poll: pollSchema,
    watch: watchSchema,
    routes: z.array(routeSchema).default([]),
    distributions: z.array(distributionSchema).default([]),
  })
  .prefault({});

/** How the logger watches the endpoints named by the run records it holds (the dashboard and alerts read it). */
const observeSchema = z
  .strictObject({
    intervalSeconds: z.number().positive().max(86_400).default(10),
    /** Each request to an endpoint gives up after this long; the error is kept with the endpoint. */
    timeoutMillis: z.number().int().positive().max(120_000).default(5_000),
    /** Endpoints observed at most; those beyond are listed as not observed, never dropped silently. */
    maxEndpoints: z.number().int().positive().max(10_000).default(100),
    /** Open conflicts and quarantined entries read per endpoint. */
    listCount: z.number().int().positive().max(1000).default(50),
    /** Only endpoints under these URLs are read (and given the observer's credentials); all when absent. */
    origins: z.array(httpUrl).min(1).optional(),
    /** Credentials of a user with the role read at the endpoints. */
    auth: clientAuthSchema.optional(),
  })
  .strict()
  .prefault({});

const alertName = z.string().regex(/^[\w.-]{1,64}$/, 'must be 1 to 64 letters, digits, _ . or -');
/** An alert rule of the logger: which condition of a route, each firing once per episode (logger/alertEpisode.ts). */
export const alertRuleSchema = z.union([
  z.strictObject({ name: alertName, when: z.literal('routeBehind'), ticks: z.number().int().min(0) }).strict(),
  z.strictObject({ name: alertName, when: z.literal('routeBehind'), seconds: z.number().positive() }).strict(),
  z.strictObject({ name: alertName, when: z.literal('passFailed') }).strict(),
  z.strictObject({ name: alertName, when: z.literal('newConflict') }).strict(),
]);

export const loggerSchema = z
  .strictObject({
    port: z.number().int().min(0).max(65535).default(3100),
    host: z.string().default('127.0.0.1'),
    /** Base URL written in the logger's feeds; defaults to http(s)://localhost:{port}. */
    publicBaseUrl: httpUrl.optional(),
    /** Serve HTTPS with these PEM files. */
    tls: tlsSchema.optional(),
    /**
     * The logger's own database: PostgreSQL (defaults to storage.databaseUrl), else a PGlite folder of its
     * own (DATA_DIR overrides), not the server's: one process per PGlite folder.
     */
    databaseUrl: z.string().optional(),
    dataDir: z.string().default('./data-logger'),
    /** Called (POST, JSON) with every Error and Fatal diagnosis received. */
    webhookUrl: httpUrl.optional(),
    webhookTimeoutMillis: z.number().int().positive().default(5_000),
    /** Events and run records older than this are deleted. */
    retentionDays: z.number().positive().default(30),
    pruneIntervalSeconds: z.number().positive().default(3_600),
    defaultPageSize: z.number().int().positive().default(100),
    maxPageSize: z.number().int().positive().default(1000),
    bodyLimitBytes: z.number().int().positive().default(50 * 1024 * 1024),
    observe: observeSchema,
    /**
     * Engine listeners (engine.http) whose routes the dashboard shows by name (GET /routes, read every
     * observe.intervalSeconds with observe.auth) and whose Run now, Pause and Resume it forwards.
     */
    engines: z.array(httpUrl).max(20).default([]),
    alerts: z.array(alertRuleSchema).max(100).default([]),
    /** How often the dashboard page asks for fresh data. */
    dashboardRefreshSeconds: z.number().positive().max(3600).default(2),
  })
  .superRefine((l, ctx) => {
    if (l.alerts.length > 0 && !l.webhookUrl) ctx.addIssue({ code: 'custom', path: ['alerts'], message: 'alerts are posted to webhookUrl: give one' });
    const names = l.alerts.map((a) => a.name);
    names.forEach((n, i) => {
      if (names.indexOf(n) !== i) ctx.addIssue({ code: 'custom', path: ['alerts', i, 'name'], message: `alert '${n}' is declared twice` });
    });
  })
  .prefault({});

export type EngineConfig = z.output<typeof engineSchema>;
export type RouteConfig = z.output<typeof routeSchema>;
export type DistributionConfig = z.output<typeof distributionSchema>;
export type LoggerConfig = z.output<typeof loggerSchema>;
export type LoggerTarget = z.output<typeof loggerTarget>;
export type ObserveConfig = z.output<typeof observeSchema>;
export type AlertRule = z.output<typeof alertRuleSchema>;
