/**
 * How knex's statements reach PGlite: each statement is one exchange with the embedded database (Parse,
 * Bind, Describe, Execute and Sync sent together), where PGlite's own `query` makes six (it describes the
 * statement first to encode the values by their types). Values are encoded as `pg` encodes them for
 * PostgreSQL (text, the server infers the types), so the same SQL sees the same values on both databases;
 * rows are decoded by PGlite's own type parsers, as before.
 *
 * A short statement (DML or transaction control, few values) is prepared once under a name and then only
 * bound and executed: its parse and analysis are not paid again (PostgreSQL replans it by itself when a
 * table it uses changes). At most MAX_NAMED statements stay prepared; the least recently used one is
 * closed when another takes its place. Prepared statements outlive transactions, rolled back or not.
 */
import { parse as pgliteParse, protocol, type PGlite } from '@electric-sql/pglite';
import pg from 'pg';

/** pg's encoding of a value as text for PostgreSQL (dates, arrays, JSON, buffers), which its typings leave out. */
const prepareValue = (pg as unknown as { utils: { prepareValue(v: unknown): unknown } }).utils.prepareValue;

type Serialize = typeof protocol.serialize;
type BackendMessage = Awaited<ReturnType<PGlite['execProtocolStream']>>[number];
type Results = ReturnType<typeof pgliteParse.parseResults>[number];

/** PGlite's methods that its own `query` uses (the ready check, its two locks, its exchange, its parsers). */
interface PgliteInternals {
  _checkReady(): Promise<void>;
  _runExclusiveTransaction<T>(fn: () => Promise<T>): Promise<T>;
  _runExclusiveQuery<T>(fn: () => Promise<T>): Promise<T>;
  execProtocolStream(message: Uint8Array, opts: { syncToFs?: boolean; throwOnError?: boolean }): Promise<BackendMessage[]>;
  syncToFs(): Promise<void>;
  parsers: Parameters<typeof pgliteParse.parseResults>[1];
}

/** Statements kept prepared at once. */
export const MAX_NAMED = 200;
/** A statement with more values than this is parsed each time (its text is seldom the same twice). */
const MAX_NAMED_VALUES = 32;
const NAMED_KINDS = /^\s*(select|insert|update|delete|with|begin|commit|rollback|savepoint|release)\b/i;

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** The statements one PGlite instance holds prepared, by SQL text, least recently used first. */
export class PgliteStatements {
  private readonly named = new Map<string, string>();
  private nextName = 0;
  private readonly serialize: Serialize = protocol.serialize;

  constructor(private readonly pglite: PgliteInternals) {}

  /** How many statements are prepared (for tests). */
  get preparedCount(): number {
    return this.named.size;
  }

  /** Runs one statement with its values; answers what PGlite's `query` answers, and throws its errors. */
  async query(sql: string, bindings: readonly unknown[] = []): Promise<Results> {
    const db = this.pglite;
    await db._checkReady();
    return db._runExclusiveTransaction(() => db._runExclusiveQuery(() => this.exchange(sql, bindings)));
  }

  private async exchange(sql: string, bindings: readonly unknown[]): Promise<Results> {
    const s = this.serialize;
    const values = bindings.map((v) => (v === null || v === undefined ? null : (prepareValue(v) as string | null)));
    const nameable = bindings.length <= MAX_NAMED_VALUES && NAMED_KINDS.test(sql);
    let name = nameable ? this.named.get(sql) : undefined;
    const fresh = nameable && name === undefined;
    if (name !== undefined) {
      // most recently used last
      this.named.delete(sql);
      this.named.set(sql, name);
    } else if (fresh) {
      name = `sdata_${this.nextName++}`;
    }
    const parts = [
      ...(name === undefined || fresh ? [s.parse({ text: sql, name, types: [] })] : []),
      s.bind({ statement: name, values }),
      s.describe({ type: 'P' }),
      s.execute({}),
      s.sync(),
    ];
    const messages = await this.pglite.execProtocolStream(concat(parts), { syncToFs: false, throwOnError: false });
    // Parsed (even when a later step failed): the name is taken, and known from now on.
    if (fresh && messages.some((m) => m.name === 'parseComplete')) await this.remember(sql, name!);
    await this.pglite.syncToFs();
    const failure = messages.find((m) => m.name === 'error');
    if (failure) throw Object.assign(failure, { query: sql, params: bindings });
    return pgliteParse.parseResults(messages, this.pglite.parsers)[0];
  }

  private async remember(sql: string, name: string): Promise<void> {
    this.named.set(sql, name);
    if (this.named.size <= MAX_NAMED) return;
    const [oldestSql, oldest] = this.named.entries().next().value as [string, string];
    this.named.delete(oldestSql);
    await this.pglite.execProtocolStream(concat([this.serialize.close({ type: 'S', name: oldest }), this.serialize.sync()]), { syncToFs: false, throwOnError: false });
  }
}

/** A knex query object, as knex-pglite's client receives it. */
interface KnexQuery {
  sql: string;
  bindings?: unknown[];
  options?: object;
  response?: unknown;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type PgliteClientClass = new (...args: any[]) => { _query(connection: unknown, obj: KnexQuery): Promise<KnexQuery> };

/** The statements of each PGlite instance (their names are the instance's, whichever client uses it). */
const statements = new WeakMap<object, PgliteStatements>();

/** knex-pglite's client, its statements sent through PgliteStatements. */
export function withOneExchangeStatements<C extends PgliteClientClass>(Base: C): C {
  return class extends Base {
    override async _query(connection: unknown, obj: KnexQuery): Promise<KnexQuery> {
      // Options (a row mode, custom parsers) are PGlite's own query's to honour.
      if (!obj.sql || (obj.options && Object.keys(obj.options).length > 0)) return super._query(connection, obj);
      const pglite = connection as PgliteInternals & object;
      let own = statements.get(pglite);
      if (!own) {
        own = new PgliteStatements(pglite);
        statements.set(pglite, own);
      }
      obj.response = await own.query(obj.sql, obj.bindings ?? []);
      return obj;
    }
  };
}
