/**
 * Partition configuration (PROTOCOL.md 2.9): the shape (1..64 partitions, a non-empty expression), one
 * expression per partition in its one spelling, no table-backed kind partitioned, and every expression
 * parsed and checked against the kind's scalar properties (src/query/partitionConditions.ts), each
 * refusal naming the partition at fault.
 */
import { ConfigError, parseConfig } from '../../src/config/load';
import { endpointDefs } from '../../src/config/catalog';
import { partitionConditions, partitionProblems } from '../../src/query/partitionConditions';

const app = (partitions: unknown, extra: Record<string, unknown> = {}) => ({
  server: { publicBaseUrl: 'http://hq.example' },
  applications: [
    {
      name: 'hq',
      contract: 'test',
      namespace: 'urn:hq',
      kinds: [
        { name: 'owners', element: 'owner', properties: { name: { type: 'string' } } },
        {
          name: 'accounts',
          element: 'account',
          properties: {
            name: { type: 'string', required: true },
            country: { type: 'string', required: true },
            balance: { type: 'decimal' },
            owner: { type: 'reference', kind: 'owners' },
            lines: { type: 'children', element: 'line', properties: { qty: { type: 'integer' } } },
          },
          partitions,
          ...extra,
        },
      ],
    },
  ],
});

function refusal(doc: unknown): string {
  try {
    parseConfig(doc, {});
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('the configuration was accepted');
}

describe('partitions in the configuration', () => {
  it('declares the kind endpoint and then one endpoint per partition, in the canonical spelling', () => {
    const cfg = parseConfig(app([{ where: "country eq 'FR'" }, { where: "  country   eq 'DE' " }]), {});
    const defs = endpointDefs(cfg).filter((d) => d.kind.name === 'accounts');
    expect(defs.map((d) => d.url)).toEqual([
      'http://hq.example/sdata/hq/test/-/accounts',
      "http://hq.example/sdata/hq/test/-/accounts?where=country%20eq%20'FR'",
      "http://hq.example/sdata/hq/test/-/accounts?where=country%20eq%20'DE'",
    ]);
    expect(defs.map((d) => d.partition?.index)).toEqual([undefined, 0, 1]);
    expect(defs[2].partition).toEqual({ index: 1, where: "country eq 'DE'", kindUrl: 'http://hq.example/sdata/hq/test/-/accounts' });
    expect(partitionProblems(cfg)).toEqual([]);
    expect(partitionConditions(cfg.applications[0], cfg.applications[0].kinds[1])).toHaveLength(2);
  });

  it.each([
    [[], 'applications.0.kinds.1.partitions: Too small'],
    [Array.from({ length: 65 }, (_, i) => ({ where: `country eq '${i}'` })), 'applications.0.kinds.1.partitions: Too big'],
    [[{ where: '   ' }], 'applications.0.kinds.1.partitions.0.where: Too small'],
    [[{ where: "country eq 'FR'", by: 'x' }], 'applications.0.kinds.1.partitions.0.by: unknown key'],
    [[{ where: "country eq 'FR'" }, { where: " country  eq\n'FR'" }], `applications.0.kinds.1.partitions.1.where: the same partition as partitions.0 ("country eq 'FR'")`],
  ])('refuses %j', (partitions, message) => {
    expect(refusal(app(partitions))).toContain(message);
  });

  it('refuses partitions on a table-backed kind', () => {
    const doc = app([{ where: "country eq 'FR'" }], { table: { name: 'accounts', key: 'id' } });
    // table-backed references must be table-backed too: only the partition problem is looked for
    expect(refusal(doc)).toContain("applications.0.kinds.1.partitions: kind 'accounts' is table-backed: a table-backed kind cannot be partitioned");
  });

  it.each([
    ["country eq 'FR' and", 'the end of the text'],
    ["region eq 'EU'", "unknown property 'region'"],
    ["owner eq '0d6f1b5e-3a8e-4c1e-9a57-2f4c5b6e7d80'", "unknown property 'owner'"],
    ["owner.name eq 'x'", "unknown property 'owner'"],
    ["lines eq 'x'", "unknown property 'lines'"],
    ["$key eq '1'", "unknown property '$key'"],
    ["$uuid eq '0d6f1b5e-3a8e-4c1e-9a57-2f4c5b6e7d80'", "unknown property '$uuid'"],
    ['balance mul 2 gt 10', 'no arithmetic'],
    ['balance + 1 gt 10', 'no arithmetic'],
    ['country eq 1', 'a string cannot be compared with a number'],
  ])('refuses the expression %s when the server starts, naming it', (where, problem) => {
    const cfg = parseConfig(app([{ where: "country eq 'FR'" }, { where }]), {});
    const problems = partitionProblems(cfg);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(`applications.0.kinds.1.partitions.1.where: "${where}": `);
    expect(problems[0]).toContain(problem);
  });
});
