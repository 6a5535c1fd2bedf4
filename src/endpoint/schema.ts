/**
 * `$schema`: the XSD of one kind (`GET {ep}/$schema`) or of every kind of an application dataset
 * (`GET /sdata/{app}/{contract}/{dataset}/$schema`), with `sme:isSyncSource`, `sme:isSyncTarget`,
 * `sme:syncConflictPriority` and `sme:syncOrder` on each kind element. The conflict priority shown is the
 * endpoint's current one (PUT $syncDigest may have changed it since the configuration gave it).
 */
import type { Request, Response } from 'express';
import { schemaDocument } from '../atom/schemaXsd';
import { withCurrentPriorities, type RegisteredEndpoint } from '../store/endpoints';
import { XML_TYPE, sendXml } from './httpBodies';
import { checkQuery } from './query';
import type { ServiceContext } from './serviceContext';

async function sendSchema(req: Request, res: Response, endpoints: RegisteredEndpoint[]): Promise<void> {
  checkQuery(req, []);
  const defs = await withCurrentPriorities(endpoints);
  sendXml(res, 200, XML_TYPE, schemaDocument(defs[0].app, defs));
}

export async function getKindSchema(req: Request, res: Response, ctx: ServiceContext): Promise<void> {
  await sendSchema(req, res, [ctx.endpoint]);
}

export async function getDatasetSchema(req: Request, res: Response, endpoints: RegisteredEndpoint[]): Promise<void> {
  await sendSchema(req, res, endpoints);
}
