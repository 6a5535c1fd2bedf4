/**
 * Routes every `/sdata/...` request: parses the URL (path.ts), resolves its endpoint (404 for an unknown
 * application, contract, dataset or kind), then hands it to a resource handler or a service.
 *
 *   /sdata, /sdata/{app}, /sdata/{app}/{contract}        GET   intermediate URLs (discovery.ts)
 *   /sdata/{app}/{contract}/{dataset}                    GET   its resource kinds (discovery.ts)
 *   /sdata/{app}/{contract}/{dataset}/$schema            GET   XSD of every kind, with sme:syncOrder
 *   {ep}                                                 GET feed, POST create
 *   {ep}('KEY')                                          GET, PUT, DELETE
 *   {ep}/$service[('ARG')][/$action]                     services.ts ($batch, $schema, $syncDigest, sync services)
 *
 * A partitioned kind's requests go to the kind or one of its partitions (partitionRoute.ts).
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { SDataError } from '../protocol/diagnosis';
import { methodNotAllowed } from './byMethod';
import { isDatasetPath, parseSDataPath, type SDataPath, type UpperPath } from './path';
import { getDiscovery } from './discovery';
import { createResourceHandler, deleteResourceHandler, getFeed, getResourceHandler, putResourceHandler } from './resourceHandlers';
import type { Runtime } from './runtime';
import { getDatasetSchema } from './schema';
import { refuseOutOfScope, scopedEndpoint } from './scoped';
import { serviceNamed } from './services';
import { routedEndpoint } from './partitionRoute';
import type { ServiceContext } from './serviceContext';
import type { RegisteredEndpoint } from '../store/endpoints';
import { foldCapturedChanges } from '../store/tableBacked/fold';

const unknownService = (name: string, where: string): SDataError =>
  new SDataError(404, { sdataCode: 'BadUrlSyntax', applicationCode: 'ServiceNotFound', message: `no service ${name} on ${where}` });

/** GET (or HEAD) only, else 405. */
function onlyGet(req: Request, res: Response, what: string): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') throw methodNotAllowed(res, req.method, what, ['GET']);
}

async function route(runtime: Runtime, path: SDataPath | UpperPath, req: Request, res: Response): Promise<void> {
  if (!isDatasetPath(path)) {
    onlyGet(req, res, 'an intermediate URL');
    return getDiscovery(req, res, runtime, path);
  }
  if (path.kind === undefined) {
    const endpoints = runtime.catalog.dataset(path);
    if (path.service === undefined) {
      onlyGet(req, res, 'a dataset URL');
      return getDiscovery(req, res, runtime, path);
    }
    if (path.service !== '$schema' || path.serviceArg !== undefined || path.action !== undefined) throw unknownService(path.service, 'a dataset');
    if (req.method !== 'GET') throw methodNotAllowed(res, req.method, '$schema', ['GET']);
    return getDatasetSchema(req, res, endpoints);
  }
  const routed = routedEndpoint(runtime.catalog, runtime.catalog.endpoint({ ...path, kind: path.kind }), req, path.service, path.service === undefined && path.key === undefined && req.method !== 'POST');
  // The principal's partitions, checked once for every route below: an endpoint out of its scope is refused,
  // a partitioned kind is read and written over the partitions it reaches (scoped.ts).
  refuseOutOfScope(res, routed, path.service);
  const endpoint = scopedEndpoint(res, routed);
  const reach = (other: RegisteredEndpoint) => scopedEndpoint(res, other);
  // A table-backed endpoint is read with what its application's own statements changed until now.
  await foldCapturedChanges(endpoint.db, endpoint.table);
  const { url } = endpoint;
  if (path.service !== undefined) {
    if (path.key !== undefined) throw unknownService(path.service, 'a single resource');
    const handler = serviceNamed(path.service);
    if (!handler) throw unknownService(path.service, url);
    const ctx: ServiceContext = { runtime, endpoint, path: { ...path, kind: path.kind, service: path.service }, reach };
    return handler(req, res, ctx);
  }
  const target = { runtime, endpoint, reach };
  // HEAD is answered as GET (node leaves the body out).
  const method = req.method === 'HEAD' ? 'GET' : req.method;
  if (path.key === undefined) {
    if (method === 'GET') return getFeed(req, res, target);
    if (method === 'POST') return createResourceHandler(req, res, target);
    throw methodNotAllowed(res, req.method, 'a resource collection', ['GET', 'POST']);
  }
  if (method === 'GET') return getResourceHandler(req, res, target, path.key);
  if (method === 'PUT') return putResourceHandler(req, res, target, path.key);
  if (method === 'DELETE') return deleteResourceHandler(req, res, target, path.key);
  throw methodNotAllowed(res, req.method, 'a resource', ['GET', 'PUT', 'DELETE']);
}

/** Middleware answering every `/sdata/...` URL; other URLs go on to the next handler. */
export function sdataRouter(runtime: Runtime): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    let path: SDataPath | UpperPath | undefined;
    try {
      path = parseSDataPath(req.path);
    } catch (err) {
      next(err);
      return;
    }
    if (!path) {
      next();
      return;
    }
    // In flight until the handler has ended, even when the client has gone before.
    void runtime.work.track(route(runtime, path, req, res).catch(next));
  };
}
