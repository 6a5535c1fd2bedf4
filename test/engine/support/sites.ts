/**
 * Several applications ("sites") with the demo's kinds in one in-process endpoint server on loopback, for
 * the engine's distribution tests: each site is its own set of endpoints with its own digest.
 */
import { parseConfig } from '../../../src/config/load';
import { demoConfig } from '../../../src/config/demo';
import type { ConfigInput } from '../../../src/config/schema';

/** A site that refuses what the others accept: its `accounts.balance` is an integer. */
export type SiteSpec = string | { name: string; integerBalance?: boolean };

export function sitesConfig(sites: SiteSpec[], over: Partial<ConfigInput> = {}) {
  const template = demoConfig.applications![1];
  const applications = sites.map((spec, i) => {
    const s = typeof spec === 'string' ? { name: spec } : spec;
    const kinds = structuredClone(template.kinds) as { name: string; properties: Record<string, unknown> }[];
    if (s.integerBalance) kinds[0].properties.balance = { type: 'integer' };
    return { ...structuredClone(template), name: s.name, conflictPriority: 1 + (i % 9), keys: { style: 'numeric' as const }, kinds: kinds as never };
  });
  return parseConfig({ server: { port: 0 }, log: { level: 'silent' }, sync: { answerWithinMillis: 5 }, ...over, applications }, {});
}
