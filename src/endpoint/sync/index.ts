/** Sync services of an endpoint ($syncSource, $syncTarget, $syncResults, $conflicts, $failures), by HTTP method. */
import type { Request, Response } from 'express';
import { SDataError } from '../../protocol/diagnosis';
import type { ServiceContext, ServiceHandler } from '../services';
import { deleteSyncSource, getSyncSource, postSyncSource } from './syncSource';
import { deleteSyncTarget, getSyncTarget, postSyncTarget } from './syncTarget';
import { getSyncResults, postSyncResults } from './syncResults';
import { getConflicts, resolveConflict } from './conflicts';
import { getFailures, retryFailure } from './failures';

type Handlers = Partial<Record<'GET' | 'POST' | 'PUT' | 'DELETE', ServiceHandler>>;

function byMethod(service: string, handlers: Handlers): ServiceHandler {
  return async (req: Request, res: Response, ctx: ServiceContext) => {
    const h = handlers[req.method as keyof Handlers];
    if (!h) {
      res.setHeader('Allow', Object.keys(handlers).join(', '));
      throw new SDataError(405, { sdataCode: 'MethodNotAllowed', message: `${req.method} is not allowed on ${service}` });
    }
    await h(req, res, ctx);
  };
}

export const syncServices: Record<string, ServiceHandler> = {
  $syncSource: byMethod('$syncSource', { POST: postSyncSource, GET: getSyncSource, DELETE: deleteSyncSource }),
  $syncTarget: byMethod('$syncTarget', { POST: postSyncTarget, GET: getSyncTarget, DELETE: deleteSyncTarget }),
  $syncResults: byMethod('$syncResults', { POST: postSyncResults, GET: getSyncResults }),
  $conflicts: byMethod('$conflicts', { GET: getConflicts, POST: resolveConflict }),
  $failures: byMethod('$failures', { GET: getFailures, POST: retryFailure }),
};
