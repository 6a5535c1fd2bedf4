/**
 * Request logs of the endpoint server and the event logger (pino-http), at debug level: a line when a
 * request arrives (`request received`, with its declared body size) and one when it is answered (`request
 * answered`, with status, bytes out and time), each with the request id. Requests and their cost are counted
 * from these lines (the end-to-end tests and the benchmarks read them). Credentials never reach them: the
 * Authorization headers and cookies are redacted.
 */
import type { Request, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import { requestIdOf } from './requestId';

const REDACTED_HEADERS = ['req.headers.authorization', 'req.headers["x-authorization"]', 'req.headers.cookie', 'req.headers["proxy-authorization"]'];

const bytesIn = (req: Request) => Number(req.headers['content-length'] ?? 0);

/** The request log middleware; one that does nothing when the log does not write debug lines (no cost per request then). */
export function requestLog(log: Logger): RequestHandler {
  if (!log.isLevelEnabled('debug')) return (_req, _res, next) => next();
  const middleware = pinoHttp({
    logger: log,
    useLevel: 'debug',
    redact: { paths: REDACTED_HEADERS, censor: '[redacted]' },
    genReqId: (req) => requestIdOf(req.headers['x-request-id']),
    customReceivedMessage: () => 'request received',
    customReceivedObject: (req) => ({ bytesIn: bytesIn(req as Request) }),
    customSuccessMessage: () => 'request answered',
    customErrorMessage: () => 'request answered',
    customSuccessObject: (req, res, val: object) => ({ ...val, bytesIn: bytesIn(req as Request), bytesOut: Number(res.getHeader('content-length') ?? 0) }),
    customErrorObject: (req, res, _err, val: object) => ({ ...val, bytesIn: bytesIn(req as Request), bytesOut: Number(res.getHeader('content-length') ?? 0) }),
  });
  return middleware as unknown as RequestHandler;
}
