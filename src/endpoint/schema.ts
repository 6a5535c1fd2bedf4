/**
 * `$schema`: the XSD of one kind (`GET {ep}/$schema`) or of every kind of an application dataset
 * (`GET /sdata/{app}/{contract}/{dataset}/$schema`), with `sme:isSyncSource`, `sme:isSyncTarget`,
 * `sme:syncConflictPriority` and `sme:syncOrder` on each kind element. The conflict priority shown is the
 * endpoint's current one (PUT $syncDigest may have changed it since the configuration gave it).
 */
import type { Request, Response } from 'express';
import { schemaDocument } from '../atom/schemaXsd';
import type { EndpointDef } from '../config/catalog';
import type { RegisteredEndpoint } from '../store/endpoints';
import { XML_TYPE, sendXml } from './http';
import { checkQuery } from './query';
import type { ServiceContext } from './services';

/** The endpoints' definitions with their current conflict priority. */
async function withCurrentPriorities(endpoints: RegisteredEndpoint[]): Promise<EndpointDef[]> {
  const priority = new Map<RegisteredEndpoint, number>();
  // Endpoint ids are unique within one store: one query per store.
  for (const db of new Set(endpoints.map((e) => e.db))) {
    const ofStore = endpoints.filter((e) => e.db === db);
    const rows: { id: number; priority: number }[] = await db('endpoints').select('id', 'priority').whereIn('id', ofStore.map((e) => e.id));
    const byId = new Map(rows.map((r) => [r.id, r.priority]));
    for (const e of ofStore) if (byId.has(e.id)) priority.set(e, byId.get(e.id)!);
  }
  return endpoints.map((e) => ({ ...e.def, priority: priority.get(e) ?? e.def.priority }));
}

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
