/** One page of a listing query plus the total it pages through (the `$conflicts`, `$failures`, `$syncResults` feeds). */
import type { Knex } from 'knex';

export interface Paged<T> {
  total: number;
  items: T[];
}

export async function pagedList<Row, T>(
  query: Knex.QueryBuilder,
  order: { column: string; direction?: 'asc' | 'desc' },
  page: { offset: number; limit: number },
  map: (row: Row) => T,
): Promise<Paged<T>> {
  const [{ n }] = await query.clone().count<{ n: string | number }[]>({ n: '*' });
  const rows = (await query.clone().orderBy(order.column, order.direction ?? 'asc').offset(page.offset).limit(page.limit)) as Row[];
  return { total: Number(n), items: rows.map(map) };
}
