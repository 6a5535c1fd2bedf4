/** Quoting for SQL text generated from configuration (identifiers always quoted; literals escaped). Pure. */

/** A quoted SQL identifier: `"name"`, inner quotes doubled. */
export function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** A schema-qualified name: `"schema"."name"`. */
export function qualified(schema: string, name: string): string {
  return `${ident(schema)}.${ident(name)}`;
}

/** A quoted SQL string literal (standard_conforming_strings: only the quote is special). */
export function literal(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}
