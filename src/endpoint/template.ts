/** `GET {ep}/$template` (SData core 2.6): a new resource's default values (atom/templateXml.ts), in Atom or SData JSON. */
import type { Request, Response } from 'express';
import { templateEntryDocument, templateUrl, templateValues } from '../atom/templateXml';
import { valuesJson } from '../json/resourceJson';
import { ENTRY_TYPE, sendXml } from './httpBodies';
import { answerFormat, sendJson } from './format';
import { checkQuery } from './query';
import type { ServiceContext } from './serviceContext';

export async function getTemplate(req: Request, res: Response, ctx: ServiceContext): Promise<void> {
  checkQuery(req, ['format']);
  const { url, def } = ctx.endpoint;
  if (answerFormat(req) === 'json') {
    sendJson(res, 200, { $url: templateUrl(url), $descriptor: `Template of ${def.kind.name}`, $name: def.kind.element, ...valuesJson(templateValues(def.kind, def.app), def.kind) });
  } else {
    sendXml(res, 200, ENTRY_TYPE, templateEntryDocument(url, def.kind, def.app, new Date().toISOString()));
  }
}
