/**
 * Every committed change of an endpoint's digest is announced with PostgreSQL's NOTIFY on the channel
 * `sdata_digest`, payload `{schema}:{endpoint id}`: a local change or a restamp moves `endpoints.clock`, an
 * applied sync page or PUT $syncDigest changes `digest_entries`. NOTIFY is delivered at commit only (and
 * not at all on rollback), to every listening connection, so servers of several processes over one
 * PostgreSQL hear each other's changes; PGlite delivers the same notifications in-process. The schema in
 * the payload keeps databases that share a PostgreSQL in separate schemas apart.
 */
import type { Knex } from 'knex';

export const name = '004_digest_notify';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE FUNCTION sdata_notify_digest() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM pg_notify('sdata_digest', current_schema() || ':' || COALESCE(NEW.endpoint_id, OLD.endpoint_id));
      RETURN NULL;
    END $$`);
  await knex.raw(`
    CREATE FUNCTION sdata_notify_clock() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM pg_notify('sdata_digest', current_schema() || ':' || NEW.id);
      RETURN NULL;
    END $$`);
  await knex.raw(`CREATE TRIGGER digest_entries_notify AFTER INSERT OR UPDATE OR DELETE ON digest_entries FOR EACH ROW EXECUTE FUNCTION sdata_notify_digest()`);
  await knex.raw(`CREATE TRIGGER endpoints_clock_notify AFTER UPDATE OF clock, priority ON endpoints FOR EACH ROW WHEN (OLD.clock IS DISTINCT FROM NEW.clock OR OLD.priority IS DISTINCT FROM NEW.priority) EXECUTE FUNCTION sdata_notify_clock()`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TRIGGER IF EXISTS endpoints_clock_notify ON endpoints');
  await knex.raw('DROP TRIGGER IF EXISTS digest_entries_notify ON digest_entries');
  await knex.raw('DROP FUNCTION IF EXISTS sdata_notify_clock()');
  await knex.raw('DROP FUNCTION IF EXISTS sdata_notify_digest()');
}
