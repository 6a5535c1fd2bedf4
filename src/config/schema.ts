/**
 * The one configuration file of sdata-sync (YAML), validated with zod.
 * Every option has a default so that the built-in demo runs with nothing installed but Node.
 */
import { z } from 'zod';
import { SCALAR_TYPES } from '../protocol/propertyValues';
import { canonicalWhere } from '../protocol/partitions';
import { engineSchema, loggerSchema } from './engineSchema';
import { xmlLimitsSchema } from './xmlLimitsSchema';
import { securitySchema, tlsSchema } from './securitySchema';

const name = z.string().regex(/^[A-Za-z][A-Za-z0-9_-]*$/, 'must start with a letter and hold only letters, digits, _ or -');
const priority = z.number().int().min(1).max(9);


/** A PostgreSQL identifier as written unquoted (at most 63 characters); always quoted in SQL. */
const sqlIdentifier = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/, 'must be an SQL name: a letter or _, then letters, digits or _ (at most 63)');

const scalarProperty = z.strictObject({
  type: z.enum(SCALAR_TYPES),
  /** Table-backed kinds: the column holding the property (defaults to the property name). */
  column: sqlIdentifier.optional(),
  required: z.boolean().default(false),
  maxLength: z.number().int().positive().optional(),
  /** The value `{ep}/$template` offers a new resource (checked against the type when the server starts). */
  default: z.union([z.string(), z.number(), z.boolean()]).optional(),
});

const referenceProperty = z.strictObject({
  type: z.literal('reference'),
  kind: name,
  required: z.boolean().default(false),
  /** Table-backed kinds: the foreign-key column holding the referenced row's key (defaults to the property name). */
  column: sqlIdentifier.optional(),
});

/** A child list: `<lines><line sdata:uuid="...">...</line></lines>`; children carry scalar properties only. */
const childrenProperty = z.strictObject({
  type: z.literal('children'),
  element: name,
  properties: z.record(name, scalarProperty),
});

const property = z.discriminatedUnion('type', [
  scalarProperty.extend({ type: z.enum(SCALAR_TYPES) }),
  referenceProperty,
  childrenProperty,
]);

const keyStyleValue = z.discriminatedUnion('style', [
  z.strictObject({ style: z.literal('numeric') }),
  z.strictObject({ style: z.literal('prefixed'), prefix: z.string().min(1), width: z.number().int().min(1).max(18).default(5) }),
]);

const keyStyle = keyStyleValue.default({ style: 'numeric' });

/**
 * A kind whose resources are the rows of an application's own PostgreSQL table (store/tableBacked).
 * `connection` absent: the table is in the server's own database.
 */
const tableSchema = z.strictObject({
  connection: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// connection string').optional(),
  schema: sqlIdentifier.default('public'),
  name: sqlIdentifier,
  /** The table's primary key column (one column): the resources' local key. */
  key: sqlIdentifier,
  /** The schema of sdata-sync's own tables and trigger functions in that database. */
  adapterSchema: sqlIdentifier.default('sdata_sync'),
});

/** The most partitions a kind may have, and the longest partition expression. */
export const MAX_PARTITIONS = 64;
export const MAX_PARTITION_WHERE = 1000;

const kindSchema = z.strictObject({
  name,
  element: name,
  syncOrder: z.number().int().min(0).default(0),
  isSyncSource: z.boolean().default(true),
  isSyncTarget: z.boolean().default(true),
  conflictPriority: priority.optional(),
  // No default here: a kind without its own key style uses its application's.
  keys: keyStyleValue.optional(),
  table: tableSchema.optional(),
  /**
   * How a resource is recognised across applications before they share a UUID (PROTOCOL.md 2.8): an
   * incoming entry with an unknown UUID whose `on` properties equal (trimmed, A-Z folded) those of one local
   * resource not yet linked is linked to it instead of created.
   */
  link: z.strictObject({ on: z.array(name).min(1).max(8) }).optional(),
  /**
   * Partition endpoints (PROTOCOL.md 2.9): each `where` (the query language, over the kind's scalar
   * properties) names one endpoint `{kind URL}?where=...`; every resource of the kind is in exactly one.
   * The expressions are parsed and checked against the kind when the server starts
   * (src/query/partitionConditions.ts).
   */
  partitions: z
    .array(z.strictObject({ where: z.string().trim().min(1).max(MAX_PARTITION_WHERE) }))
    .min(1)
    .max(MAX_PARTITIONS)
    .optional(),
  properties: z.record(name, property),
});

const applicationSchema = z.strictObject({
  name,
  baseUrl: z.url().optional(),
  contract: name,
  namespace: z.string().min(1),
  dataset: z.string().regex(/^[A-Za-z0-9_-]+$/).default('-'),
  conflictPriority: priority.default(5),
  keys: keyStyle,
  kinds: z.array(kindSchema).min(1),
});

export const serverSchema = z
  .strictObject({
    port: z.number().int().min(0).max(65535).default(3000),
    host: z.string().default('127.0.0.1'),
    /** Public base URL of the applications that give none; defaults to http://localhost:{port}. */
    publicBaseUrl: z.url().optional(),
    bodyLimitBytes: z.number().int().positive().default(10 * 1024 * 1024),
    defaultPageSize: z.number().int().positive().default(100),
    maxPageSize: z.number().int().positive().default(1000),
    /** On SIGTERM, work in flight (requests, pages applied after their 202) gets this long to finish. */
    shutdownGraceSeconds: z.number().positive().default(30),
    /** The event logger's dashboard (e.g. http://localhost:3100/dashboard), linked from the home page `GET /`. */
    dashboardUrl: z.url({ protocol: /^https?$/ }).optional(),

    /** Serve HTTPS with these PEM files (certificate chain and private key). */
    tls: tlsSchema.optional(),
  })
  .prefault({});

const syncSchema = z
  .strictObject({
    /** Entries per page of a sync feed ($syncSource). */
    pageSize: z.number().int().positive().default(500),
    maxPageSize: z.number().int().positive().default(5000),
    /** Async contexts ($syncSource, $syncTarget, prepared batches) expire after this idle time. */
    contextIdleSeconds: z.number().int().positive().default(900),
    /** Work that finishes within this time is answered 200 at once; longer work answers 202 + tracking. */
    answerWithinMillis: z.number().int().min(0).default(2000),
    /** Heartbeat interval of $syncNotify streams. */
    heartbeatSeconds: z.number().positive().default(15),
    /** $syncNotify sends at most one change event per endpoint in this time (a burst of commits coalesces). */
    notifyCoalesceMillis: z.number().int().min(0).max(10_000).default(5),
    /** Open $syncNotify streams a server accepts at once (over all endpoints); more are answered 503. */
    maxNotifyListeners: z.number().int().positive().default(1000),
    /** A prepared two-phase batch aborts by itself after this time unless `?timeout=` asks for another. */
    preparedTimeoutSeconds: z.number().int().positive().default(60),
    /** The longest `?timeout=` a prepare may ask for. */
    maxPreparedTimeoutSeconds: z.number().int().positive().default(3600),
    /** How often expired prepared batches are aborted (a late $commit is refused whenever it comes). */
    preparedSweepMillis: z.number().int().positive().default(1000),
  })
  .prefault({});

const storageSchema = z
  .strictObject({
    /** PostgreSQL connection string; when absent, embedded PGlite in dataDir is used. DATABASE_URL overrides. */
    databaseUrl: z.string().optional(),
    /** PGlite data folder; DATA_DIR overrides; `memory://` keeps everything in memory. */
    dataDir: z.string().default('./data'),
    /**
     * A PGlite folder is held by one process at a time (a second one refuses to start); the lock of a process
     * that died without releasing it (SIGKILL) is taken over after this many seconds.
     */
    lockStaleSeconds: z.number().min(2).max(3600).default(60),
    pglite: z
      .strictObject({
        /**
         * PGlite's shared_buffers in MB (PostgreSQL's default is 128): the page cache inside the process, held
         * for as long as it runs. Beyond it PGlite reads its folder through the operating system's cache.
         */
        sharedBuffersMB: z.number().int().min(1).max(4096).default(16),
      })
      .prefault({}),
  })
  .prefault({});

const logSchema = z
  .strictObject({ level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info') })
  .prefault({});

export const configSchema = z
  .strictObject({
    server: serverSchema,
    sync: syncSchema,
    storage: storageSchema,
    log: logSchema,
    xml: xmlLimitsSchema,
    engine: engineSchema,
    logger: loggerSchema,
    security: securitySchema,
    applications: z.array(applicationSchema).default([]),
  })
  .superRefine((cfg, ctx) => {
    cfg.applications.forEach((app, ai) => {
      const kinds = new Set(app.kinds.map((k) => k.name));
      app.kinds.forEach((kind, ki) => {
        for (const [prop, def] of Object.entries(kind.properties)) {
          if (def.type === 'reference' && !kinds.has(def.kind)) {
            ctx.addIssue({
              code: 'custom',
              path: ['applications', ai, 'kinds', ki, 'properties', prop, 'kind'],
              message: `references kind '${def.kind}', which application '${app.name}' does not declare`,
            });
          }
        }
      });
      app.kinds.forEach((kind, ki) => {
        (kind.link?.on ?? []).forEach((prop, pi) => {
          const def = kind.properties[prop];
          const at = ['applications', ai, 'kinds', ki, 'link', 'on', pi];
          if (!def) ctx.addIssue({ code: 'custom', path: at, message: `links on '${prop}', which kind '${kind.name}' does not declare` });
          else if (def.type === 'reference' || def.type === 'children') ctx.addIssue({ code: 'custom', path: at, message: `links on '${prop}', a ${def.type}: a link property must be a scalar (string, number, date, ...)` });
          if (kind.link!.on.indexOf(prop) !== pi) ctx.addIssue({ code: 'custom', path: at, message: `names '${prop}' twice` });
        });
      });
      app.kinds.forEach((kind, ki) => {
        if (!kind.table) return;
        for (const [prop, def] of Object.entries(kind.properties)) {
          const at = ['applications', ai, 'kinds', ki, 'properties', prop];
          if (def.type === 'children') {
            ctx.addIssue({ code: 'custom', path: at, message: `a table-backed kind cannot hold child lists: map '${prop}' to its own table-backed kind` });
          } else if (def.type === 'reference') {
            const target = app.kinds.find((k) => k.name === def.kind);
            if (target && (!target.table || target.table.connection !== kind.table.connection || target.table.adapterSchema !== kind.table.adapterSchema)) {
              ctx.addIssue({ code: 'custom', path: [...at, 'kind'], message: `references kind '${def.kind}', which must be table-backed in the same database (same connection and adapterSchema) as '${kind.name}'` });
            }
          }
        }
      });
      app.kinds.forEach((kind, ki) => {
        if (!kind.partitions) return;
        const at = ['applications', ai, 'kinds', ki, 'partitions'];
        if (kind.table) ctx.addIssue({ code: 'custom', path: at, message: `kind '${kind.name}' is table-backed: a table-backed kind cannot be partitioned` });
        const spelled = kind.partitions.map((p) => canonicalWhere(p.where));
        spelled.forEach((where, pi) => {
          const first = spelled.indexOf(where);
          if (first !== pi) ctx.addIssue({ code: 'custom', path: [...at, pi, 'where'], message: `the same partition as partitions.${first} ("${where}")` });
        });
      });
      if (kinds.size !== app.kinds.length) {
        ctx.addIssue({ code: 'custom', path: ['applications', ai, 'kinds'], message: 'kind names must be unique' });
      }
    });
    const apps = cfg.applications.map((a) => `${a.name}/${a.contract}/${a.dataset}`);
    if (new Set(apps).size !== apps.length) {
      ctx.addIssue({ code: 'custom', path: ['applications'], message: 'application/contract/dataset must be unique' });
    }
    cfg.security.users.forEach((user, ui) => {
      for (const [kind, expressions] of Object.entries(user.partitions ?? {})) {
        const configured = partitionsNamed(cfg, kind, user.applications);
        expressions.forEach((expression, ei) => {
          if (configured.has(canonicalWhere(expression))) return;
          const offered = configured.size === 0 ? `no application${user.applications ? ' of the user' : ''} partitions a kind '${kind}'` : `its partitions are ${[...configured].map((w) => `"${w}"`).join(', ')}`;
          ctx.addIssue({ code: 'custom', path: ['security', 'users', ui, 'partitions', kind, ei], message: `user '${user.name}': "${expression}" is not a partition of kind '${kind}' (${offered})` });
        });
      }
    });
  });

/** The partitions' expressions (one spelling) of the kinds of this name, in the applications given (all when undefined). */
function partitionsNamed(cfg: { applications: ApplicationConfig[] }, kind: string, applications: readonly string[] | undefined): Set<string> {
  const apps = cfg.applications.filter((a) => applications === undefined || applications.includes(a.name));
  return new Set(apps.flatMap((a) => a.kinds.filter((k) => k.name === kind).flatMap((k) => (k.partitions ?? []).map((p) => canonicalWhere(p.where)))));
}

export type ConfigInput = z.input<typeof configSchema>;
export type Config = z.output<typeof configSchema>;
export type ApplicationConfig = z.output<typeof applicationSchema>;
export type KindConfig = z.output<typeof kindSchema>;
export type PropertyConfig = z.output<typeof property>;
export type ScalarPropertyConfig = z.output<typeof scalarProperty>;
export type KeyStyle = z.output<typeof keyStyle>;
export type TableConfig = z.output<typeof tableSchema>;
