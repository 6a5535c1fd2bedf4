/**
 * What a `where`, `orderBy`, `select` or `include` may name on a resource kind: its scalar properties
 * (integer and decimal are both numbers), its references (compared with a UUID, or followed with
 * `account.name` to the referenced kind's properties), and the protocol variables `$key` and `$uuid`
 * (core 2.12, advertised in `$schema` as sme:protocolFilters). Child lists are not queryable.
 */
import type { ApplicationConfig, KindConfig } from '../config/schema';
import { PROTOCOL_FILTERS } from '../protocol/protocolFilters';
import type { QueryField, QuerySchema, ScalarFieldType } from './typed';

const SCALAR: Record<string, ScalarFieldType> = { string: 'string', integer: 'number', decimal: 'number', boolean: 'boolean', date: 'date', datetime: 'datetime' };

const schemas = new WeakMap<KindConfig, QuerySchema>();

export function kindQuerySchema(app: ApplicationConfig, kind: KindConfig): QuerySchema {
  const known = schemas.get(kind);
  if (known) return known;
  const fields: Record<string, QueryField> = {};
  for (const [name, def] of Object.entries(kind.properties)) {
    if (def.type === 'reference') fields[name] = { type: 'reference', kind: def.kind };
    else if (def.type !== 'children') fields[name] = { type: SCALAR[def.type] };
  }
  for (const name of PROTOCOL_FILTERS) fields[name] = { type: 'string' };
  const schema: QuerySchema = {
    kind: kind.name,
    fields,
    referenced: (name) => {
      const target = app.kinds.find((k) => k.name === name);
      return target ? kindQuerySchema(app, target) : undefined;
    },
  };
  schemas.set(kind, schema);
  return schema;
}
