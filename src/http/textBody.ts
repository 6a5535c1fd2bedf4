/**
 * Reads a request body as text, whatever its content type (clients send `application/atom+xml;type=entry`,
 * `text/xml`, or nothing), after checking its bytes: the body must be valid UTF-8, the charset XML over
 * SData speaks (PROTOCOL.md 3). A charset other than UTF-8 (or its subset US-ASCII) is a 415; bytes that
 * are not what the declared charset allows are a 400 InvalidEncoding. Nothing is ever decoded with
 * replacement characters, so what is stored is what was sent.
 */
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { SDataError } from '../protocol/diagnosis';

const CHARSET = /;\s*charset\s*=\s*"?([^";\s]+)"?/i;

/** The charset a Content-Type header declares, lower-cased; undefined when it declares none. */
function declaredCharset(contentType: string | undefined): string | undefined {
  return contentType ? CHARSET.exec(contentType)?.[1].toLowerCase() : undefined;
}

function invalidEncoding(charset: string): SDataError {
  return new SDataError(400, {
    sdataCode: 'BadRequest',
    applicationCode: 'InvalidEncoding',
    message: `the request body is not valid ${charset}: send XML encoded in UTF-8`,
  });
}

/** The body's text; throws a 415 or 400 diagnosis as described above. */
function decodeBody(bytes: Uint8Array, contentType: string | undefined): string {
  const charset = declaredCharset(contentType) ?? 'utf-8';
  if (charset === 'us-ascii' || charset === 'ascii') {
    if (bytes.some((b) => b > 0x7f)) throw invalidEncoding('US-ASCII');
  } else if (charset !== 'utf-8' && charset !== 'utf8') {
    throw new SDataError(415, { sdataCode: 'UnsupportedMediaType', applicationCode: 'UnsupportedCharset', message: `charset ${charset} is not accepted: send XML encoded in UTF-8` });
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw invalidEncoding('UTF-8');
  }
}

/**
 * Middleware: reads the body (whatever its content type) into `req.body` as bytes. A body over `limitBytes`
 * is read to its end and discarded, then answered 413 (express's body limit; the error reaches the app's
 * error handler as a body reader failure): the client, still sending, can read that answer.
 */
export function rawBody(limitBytes: number): RequestHandler {
  return express.raw({ type: () => true, limit: limitBytes });
}

/** Middleware: `req.body` becomes the checked text of the body (unset when the request has none). */
export function textBody(limitBytes: number): RequestHandler[] {
  const decode = (req: Request, _res: Response, next: NextFunction) => {
    if (Buffer.isBuffer(req.body)) {
      try {
        req.body = decodeBody(req.body, req.headers['content-type']);
      } catch (err) {
        next(err);
        return;
      }
    }
    next();
  };
  return [rawBody(limitBytes), decode];
}
