/**
 * The intermediate URLs (SData core 2.9), all GET, all answered from the configuration's catalog:
 *
 *   /sdata                                  the applications        (feed category provider, entries application)
 *   /sdata/{app}                            its contracts           (application -> contract)
 *   /sdata/{app}/{contract}                 its datasets            (contract -> dataset)
 *   /sdata/{app}/{contract}/{dataset}       its resource kinds      (dataset -> collection), each entry saying
 *                                           whether the kind is a sync source and target, with links to its
 *                                           feed, $schema, $template and $syncDigest
 *
 * Unknown parts are 404 with the sdataCode of the first part that does not exist. URLs come from the
 * configuration (public base URLs), never from the request's Host header.
 */
import type { Request, Response } from 'express';
import { discoveryFeedDocument, type DiscoveryEntry, type DiscoveryFeed } from '../atom/discoveryXml';
import { ENTRY_TYPE } from '../atom/resourceXml';
import { NS } from '../atom/namespaces';
import { applicationBaseUrl, applicationUrl } from '../config/catalog';
import type { RegisteredEndpoint } from '../store/endpoints';
import { FEED_TYPE, sendXml, XML_TYPE } from './httpBodies';
import { checkQuery } from './query';
import type { Runtime } from './runtime';
import type { SDataPath, UpperPath } from './path';
import { answerFormat, sendJson } from './format';
import { discoveryJson } from '../json/discoveryJson';

/** SData's link relations (core 3.7) and ours for `$syncDigest`. */
const LINK_RELATIONS = {
  schema: 'http://schemas.sage.com/sdata/link-relations/schema',
  template: 'http://schemas.sage.com/sdata/link-relations/template',
  syncDigest: `${NS.x}/syncDigest`,
} as const;

/** Distinct values in first-seen order. */
const distinct = (values: string[]): string[] => [...new Set(values)];

/** `{public base URL}/sdata`: where discovery starts. */
export function providerUrl(runtime: Runtime): string {
  const { server } = runtime.cfg;
  return `${(server.publicBaseUrl ?? `http://localhost:${server.port}`).replace(/\/+$/, '')}/sdata`;
}

const appUrl = (runtime: Runtime, e: RegisteredEndpoint): string => `${applicationBaseUrl(runtime.cfg, e.def.app)}/sdata/${e.def.app.name}`;

function kindEntry(e: RegisteredEndpoint): DiscoveryEntry {
  const { kind } = e.def;
  const roles = [kind.isSyncSource && 'source', kind.isSyncTarget && 'target'].filter(Boolean).join(' and ');
  return {
    url: e.url,
    title: kind.name,
    term: 'collection',
    summary: `${kind.name}: ${roles ? `sync ${roles}` : 'not synchronised'}, sync order ${kind.syncOrder}`,
    links: [
      { rel: LINK_RELATIONS.schema, type: XML_TYPE, href: `${e.url}/$schema`, title: 'Schema' },
      { rel: LINK_RELATIONS.template, type: ENTRY_TYPE, href: `${e.url}/$template`, title: 'Template' },
      { rel: LINK_RELATIONS.syncDigest, type: ENTRY_TYPE, href: `${e.url}/$syncDigest`, title: 'Sync digest' },
    ],
    sync: { isSyncSource: kind.isSyncSource, isSyncTarget: kind.isSyncTarget, syncOrder: kind.syncOrder },
  };
}

/** The feed an intermediate URL answers (pure: the catalog and configuration only). */
function discoveryFeed(runtime: Runtime, path: UpperPath | Pick<SDataPath, 'app' | 'contract' | 'dataset'>, updated: string): DiscoveryFeed {
  const { catalog } = runtime;
  const root = providerUrl(runtime);
  if (path.app === undefined) {
    const apps = distinct(catalog.endpoints.map((e) => e.def.app.name)).map((name) => catalog.application(name)[0]);
    return {
      url: root,
      title: 'SData provider',
      term: 'provider',
      links: [],
      updated,
      entries: apps.map((e) => ({ url: appUrl(runtime, e), title: e.def.app.name, term: 'application', summary: `application ${e.def.app.name}`, links: [] })),
    };
  }
  if (path.contract === undefined) {
    const ofApp = catalog.application(path.app);
    const url = appUrl(runtime, ofApp[0]);
    return {
      url,
      title: `Contracts of ${path.app}`,
      term: 'application',
      up: root,
      links: [],
      updated,
      entries: distinct(ofApp.map((e) => e.def.app.contract)).map((contract) => ({ url: `${url}/${contract}`, title: contract, term: 'contract', summary: `contract ${path.app}/${contract}`, links: [] })),
    };
  }
  if (!('dataset' in path)) {
    const ofContract = catalog.contract({ app: path.app, contract: path.contract });
    const url = `${appUrl(runtime, ofContract[0])}/${path.contract}`;
    const datasets = distinct(ofContract.map((e) => e.def.app.dataset)).map((d) => ofContract.find((e) => e.def.app.dataset === d)!);
    return {
      url,
      title: `Datasets of ${path.app}/${path.contract}`,
      term: 'contract',
      up: appUrl(runtime, ofContract[0]),
      links: [],
      updated,
      entries: datasets.map((e) => ({ url: applicationUrl(runtime.cfg, e.def.app), title: e.def.app.dataset, term: 'dataset', summary: `dataset ${path.app}/${path.contract}/${e.def.app.dataset}`, links: [] })),
    };
  }
  const ofDataset = catalog.dataset(path);
  const url = applicationUrl(runtime.cfg, ofDataset[0].def.app);
  return {
    url,
    title: `Resource kinds of ${path.app}/${path.contract}/${path.dataset}`,
    term: 'dataset',
    up: url.slice(0, url.lastIndexOf('/')),
    links: [{ rel: LINK_RELATIONS.schema, type: XML_TYPE, href: `${url}/$schema`, title: 'Schema' }],
    updated,
    entries: ofDataset.map(kindEntry),
  };
}

/** GET on an intermediate URL: its feed in Atom, or in SData JSON when asked. */
export function getDiscovery(req: Request, res: Response, runtime: Runtime, path: UpperPath | Pick<SDataPath, 'app' | 'contract' | 'dataset'>): void {
  checkQuery(req, ['format']);
  const feed = discoveryFeed(runtime, path, new Date().toISOString());
  if (answerFormat(req) === 'json') sendJson(res, 200, discoveryJson(feed));
  else sendXml(res, 200, FEED_TYPE, discoveryFeedDocument(feed));
}
