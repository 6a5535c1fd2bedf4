/** A service handler that dispatches on the HTTP method; other methods get 405 with an Allow header. */
import type { Request, Response } from 'express';
import { SDataError } from '../protocol/diagnosis';
import type { ServiceContext, ServiceHandler } from './serviceContext';

export type MethodHandlers = Partial<Record<'GET' | 'POST' | 'PUT' | 'DELETE', ServiceHandler>>;

export function byMethod(service: string, handlers: MethodHandlers): ServiceHandler {
  return async (req: Request, res: Response, ctx: ServiceContext) => {
    const handler = handlers[req.method as keyof MethodHandlers];
    if (!handler) throw methodNotAllowed(res, req.method, service, Object.keys(handlers));
    await handler(req, res, ctx);
  };
}

/** Sets the Allow header and returns the 405 to throw. */
export function methodNotAllowed(res: Response, method: string, what: string, allowed: string[]): SDataError {
  res.setHeader('Allow', allowed.join(', '));
  return new SDataError(405, { sdataCode: 'MethodNotAllowed', message: `${method} is not allowed on ${what} (allowed: ${allowed.join(', ')})` });
}
