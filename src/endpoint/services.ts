/**
 * Services of an endpoint (`{ep}/$name[('ARG')][/$action]`): the resource services of this layer
 * ($batch, $schema, $template, $linked, $syncDigest, $syncNotify) merged with the sync services of ./sync. What a
 * handler is handed: ./serviceContext.
 */
import type { ServiceHandler } from './serviceContext';
import { byMethod } from './byMethod';
import { postBatch } from './batch';
import { getKindSchema } from './schema';
import { getTemplate } from './template';
import { getSyncDigest, putSyncDigest } from './syncDigest';
import { syncServices } from './sync';
import { getSyncNotify } from './syncNotify';
import { linkedHandlers } from './linked';

const resourceServices: Record<string, ServiceHandler> = {
  $batch: byMethod('$batch', { POST: postBatch }),
  $schema: byMethod('$schema', { GET: getKindSchema }),
  $template: byMethod('$template', { GET: getTemplate }),
  $syncDigest: byMethod('$syncDigest', { GET: getSyncDigest, PUT: putSyncDigest }),
  $syncNotify: byMethod('$syncNotify', { GET: getSyncNotify }),
  $linked: byMethod('$linked', linkedHandlers),
};

const services = new Map<string, ServiceHandler>(Object.entries({ ...resourceServices, ...syncServices }));

/** Every service name an endpoint answers ($batch, $syncDigest, ...). */
export function serviceNames(): string[] {
  return [...services.keys()];
}

/** The service of this name, or undefined for an unknown one. */
export function serviceNamed(name: string): ServiceHandler | undefined {
  return services.get(name);
}
