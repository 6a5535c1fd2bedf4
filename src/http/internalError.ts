/**
 * What a 500 tells the client: that something failed, and a correlation id (in the diagnosis and in the
 * `X-Correlation-Id` header) under which the details (message, SQL, stack) are in the server's log. The
 * details never reach the client.
 */
import { randomUUID } from 'node:crypto';
import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import type { Diagnosis } from '../protocol/diagnosis';
import { requestIdOfRequest } from './requestId';

const CORRELATION_HEADER = 'X-Correlation-Id';

/** Logs the error under a new correlation id, sets the header, and answers the diagnosis to send. */
export function internalErrorDiagnosis(err: unknown, req: Request, res: Response, log: Logger | undefined): Diagnosis {
  const correlationId = randomUUID();
  log?.error({ err, correlationId, requestId: requestIdOfRequest(req), method: req.method, url: req.originalUrl }, 'request failed');
  if (!res.headersSent) res.setHeader(CORRELATION_HEADER, correlationId);
  return {
    severity: 'Error',
    sdataCode: 'InternalServerError',
    applicationCode: 'InternalError',
    message: `the server failed to handle the request; the details are in its log under correlation id ${correlationId}`,
  };
}
