/**
 * The request id (`X-Request-Id`) that traces one piece of work across processes: the engine sends one with
 * every request of a pass or push, the endpoint server and the event logger take it into their request logs
 * and into the diagnoses they answer (`x:requestId`), and the logger stores it with the events it receives.
 *
 * A given id is kept when it is short and of safe characters (so it can sit in a log line, a header and an
 * XML element as it is); anything else is replaced by a new UUID, never refused: the id only traces.
 */
import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

const REQUEST_ID_HEADER = 'X-Request-Id';
const SAFE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The given id when it is acceptable (1 to 128 of A-Z a-z 0-9 . _ : -), else undefined. */
export function acceptedRequestId(given: unknown): string | undefined {
  return typeof given === 'string' && SAFE_ID.test(given) ? given : undefined;
}

/** The given id when it is acceptable, else a new one. */
export function requestIdOf(given: string | string[] | undefined): string {
  return acceptedRequestId(given) ?? randomUUID();
}

/** Sets `req.id` (what pino-http and the error answers read) and echoes it in the `X-Request-Id` answer header. */
export function requestIdMiddleware() {
  return (req: Request, res: Response, next: NextFunction): void => {
    const id = requestIdOf(req.headers['x-request-id']);
    (req as Request & { id: string }).id = id;
    res.setHeader(REQUEST_ID_HEADER, id);
    next();
  };
}

/** The request id of a request that went through requestIdMiddleware. */
export function requestIdOfRequest(req: Request): string | undefined {
  const id = (req as Request & { id?: unknown }).id;
  return typeof id === 'string' ? id : undefined;
}
