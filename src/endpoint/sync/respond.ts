/** Writing XML answers. */
import type { Response } from 'express';

export function sendXml(res: Response, status: number, contentType: string, xml: string): void {
  res.status(status).type(contentType).send(xml);
}
