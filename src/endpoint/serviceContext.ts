/**
 * What a service of an endpoint (`{ep}/$name[('ARG')][/$action]`) is handed: the runtime, the endpoint the URL
 * names and the parsed URL; a resource handler (`{ep}`, `{ep}('KEY')`) is handed the first two. A handler
 * answers the request itself or throws an SDataError.
 */
import type { Request, Response } from 'express';
import type { RegisteredEndpoint } from '../store/endpoints';
import type { Runtime } from './runtime';
import type { SDataPath } from './path';

export interface ServiceContext {
  runtime: Runtime;
  /** The endpoint the URL names, with its store. */
  endpoint: RegisteredEndpoint;
  /** The parsed URL: service, serviceArg (inside `('...')`, decoded) and action included. */
  path: SDataPath & { kind: string; service: string };
  /**
   * Another endpoint of the server as this request reaches it (the scope of its principal, scoped.ts):
   * what a request reads of another kind (`include`, a `where` through a reference) goes through it.
   */
  reach(endpoint: RegisteredEndpoint): RegisteredEndpoint;
}

export type ServiceHandler = (req: Request, res: Response, ctx: ServiceContext) => Promise<void>;

/** The endpoint a resource request is for. */
export type ResourceTarget = Pick<ServiceContext, 'runtime' | 'endpoint' | 'reach'>;
