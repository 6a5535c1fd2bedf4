/** Media types of the answers, and small helpers to read request bodies and write XML answers. */
import type { Request, Response } from 'express';

export { FEED_TYPE } from '../atom/feed';
export { ENTRY_TYPE } from '../atom/resourceXml';
export const XML_TYPE = 'application/xml';

/** The request body as text ('' when there is none); bodies are read as raw text whatever their type. */
export function bodyText(req: Request): string {
  return typeof req.body === 'string' ? req.body : '';
}

export function sendXml(res: Response, status: number, contentType: string, xml: string): void {
  res.status(status).type(contentType).send(xml);
}
