/**
 * What a table-backed kind maps (config `table` + `column`): which application table holds the kind's
 * resources, which column is the local key, and which column holds each property. Pure: the live table is
 * checked against it elsewhere, at start and at install.
 */
import type { KindConfig, TableConfig } from '../../config/schema';
import type { ScalarType } from '../../protocol/propertyValues';

export interface ColumnMapping {
  property: string;
  column: string;
  type: ScalarType | 'reference';
  /** For a reference: the kind it points at (table-backed in the same database). */
  referencedKind?: string;
  required: boolean;
}

export interface TableMapping {
  kind: string;
  /** Connection string of the application's database; undefined: the server's own database. */
  connection?: string;
  adapterSchema: string;
  schema: string;
  table: string;
  key: string;
  columns: ColumnMapping[];
}

/** The mapping of a table-backed kind, or undefined for a kind stored in sdata-sync's own tables. */
export function tableMappingOf(kind: KindConfig): TableMapping | undefined {
  const t: TableConfig | undefined = kind.table;
  if (!t) return undefined;
  const columns: ColumnMapping[] = [];
  for (const [property, def] of Object.entries(kind.properties)) {
    if (def.type === 'children') continue; // refused by the configuration schema
    columns.push({
      property,
      column: def.column ?? property,
      type: def.type,
      referencedKind: def.type === 'reference' ? def.kind : undefined,
      required: def.required,
    });
  }
  return { kind: kind.name, connection: t.connection, adapterSchema: t.adapterSchema, schema: t.schema, table: t.name, key: t.key, columns };
}
