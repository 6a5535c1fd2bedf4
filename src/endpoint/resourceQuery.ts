/**
 * The query parameters of a resource feed (core 2.12, 6.3, 6.5): `where`, `orderBy`, `select`, `include`
 * and the keyset cursor `after` of a sorted feed's next link, read and checked against the kind. A
 * problem is a 400 whose message gives its position: BadWhereSyntax for `where`, BadQueryParameter for
 * the others.
 */
import type { Request } from 'express';
import type { EndpointDef } from '../config/catalog';
import { SDataError } from '../protocol/diagnosis';
import { checkWhere } from '../query/check';
import { decodeCursor } from '../query/cursor';
import { QueryError } from '../query/errors';
import { kindQuerySchema } from '../query/kindSchema';
import { parseNames, parseOrderBy } from '../query/lists';
import { parseWhere } from '../query/parser';
import type { Condition, QuerySchema } from '../query/typed';
import type { ResourceQuery } from '../store/resourceQuery';
import { ownParam, singleParam } from './query';

export const RESOURCE_QUERY_PARAMS = ['where', 'orderBy', 'after'] as const;

export interface ResourceFeedQuery extends ResourceQuery {
  /** Properties to write (undefined: all). */
  select?: string[];
  /** References whose resource is written inside the payload. */
  include: string[];
  /** The query parameters as given, which every paging link keeps. */
  given: Record<string, string>;
}

/** A QueryError as the 400 a client gets. */
function queryErrorAnswer(err: unknown): unknown {
  if (!(err instanceof QueryError)) return err;
  const sdataCode = err.parameter === 'where' ? 'BadWhereSyntax' : 'BadQueryParameter';
  return new SDataError(400, { sdataCode, applicationCode: 'QueryPosition', message: err.message, payloadPath: `${err.parameter}[${err.position}]` });
}

/** A `where` parameter as a typed condition over this schema, or undefined when absent or taken by the route (a partition's). */
export function whereOf(req: Request, schema: QuerySchema): Condition | undefined {
  const text = ownParam(req, 'where');
  try {
    return text === undefined ? undefined : checkWhere(parseWhere(text), schema);
  } catch (err) {
    throw queryErrorAnswer(err);
  }
}

/** The query parameters of a single resource GET: `select` and `include`. */
export function resourceShapeOf(req: Request, def: Pick<EndpointDef, 'app' | 'kind'>): Pick<ResourceFeedQuery, 'select' | 'include'> {
  const schema = kindQuerySchema(def.app, def.kind);
  const names = (parameter: 'select' | 'include') => {
    const text = singleParam(req, parameter);
    return text === undefined ? undefined : parseNames(parameter, text, def.kind.properties, schema);
  };
  try {
    return { select: names('select'), include: names('include') ?? [] };
  } catch (err) {
    throw queryErrorAnswer(err);
  }
}

const KEPT_BY_LINKS = ['where', 'orderBy', 'select', 'include'] as const;

export function resourceFeedQueryOf(req: Request, def: Pick<EndpointDef, 'app' | 'kind'>): ResourceFeedQuery {
  const schema = kindQuerySchema(def.app, def.kind);
  const given: Record<string, string> = {};
  for (const name of KEPT_BY_LINKS) {
    const v = singleParam(req, name);
    if (v !== undefined) given[name] = v;
  }
  const where = whereOf(req, schema);
  const shape = resourceShapeOf(req, def);
  try {
    const orderBy = given.orderBy === undefined ? [] : parseOrderBy(given.orderBy, schema);
    const afterText = singleParam(req, 'after');
    if (afterText !== undefined && orderBy.length === 0) throw new SDataError(400, { sdataCode: 'BadQueryParameter', message: 'after is the cursor of a feed with orderBy' });
    return { where, orderBy, after: afterText === undefined ? undefined : decodeCursor(afterText, orderBy), ...shape, given };
  } catch (err) {
    throw queryErrorAnswer(err);
  }
}
