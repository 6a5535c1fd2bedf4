/**
 * A tiny in-memory network of sync endpoints that runs only the pure rules of src/protocol (PROTOCOL.md
 * section 2), for the property test: a scenario of local changes (with or without an immediate push,
 * which may be lost), paged catch-up passes that may stop after any page while other changes happen
 * between pages, and engine-driven immediate passes; then quiet catch-up passes until nothing moves.
 * The report says whether every endpoint ended with the same data and digest ticks, and lists every
 * conflict raised between a version and one of its own ancestors and every digest tick that moved down.
 *
 * A page at a target:
 *   immediate and gapped? ──yes──> refused whole (the engine then runs a catch-up pass)
 *   each entry: decide ─> apply | ignore | conflict: restamp the winner at the target (new tick)
 *               then the per-entry digest rule
 *   last page (an immediate push here is one page) ─> end-of-feed merge; then stored knowledge is compacted
 *
 * `rules` turns single rules off, to show that the property test catches their absence.
 */
import { decide, MISSING_PRIORITY, restampedState, sourceKnowledgeDigest, targetKnowledgeDigest } from '../../src/protocol/conflict';
import { priorityOf, sameTicks, tickOf, withOwnEntry } from '../../src/protocol/digest';
import { advanceForEntry, mergeAtEndOfFeed } from '../../src/protocol/digestUpdate';
import { claimsOf, gapsIn } from '../../src/protocol/floorCeiling';
import { compactKnowledge, knowledgeOnApply, knowledgeOnRestamp, knowledgeToSend } from '../../src/protocol/knowledge';
import { isSuperseded, selectionRanges } from '../../src/protocol/selection';
import type { Digest, SyncMode, SyncState } from '../../src/protocol/types';
import { stampAt } from './protocolFixtures';

/** A local create, update or delete at endpoint `at`; `push` sends it at once to a neighbour (unless lost). */
export interface ChangeStep {
  kind: 'change';
  at: number;
  /** Which known resource to change (modulo their number), unless `fresh`. */
  resource: number;
  fresh: boolean;
  remove: boolean;
  value: number;
  /** Whether the wall clock moved since the previous change (equal stamps exercise the endpoint tie-break). */
  laterSecond: boolean;
  push?: { to: number; delivered: boolean };
}

/** A catch-up pass over route `route`; `stopAfterPage` interrupts it; `between[i]` happens before reading (even i) or applying (odd i) page i/2. */
export interface PassStep {
  kind: 'pass';
  route: number;
  pageSize: number;
  stopAfterPage?: number;
  between: (ChangeStep | null)[];
}

/** An immediate pass driven by the engine: from the floor its last pass over the route left, one page. */
export interface ImmediateStep {
  kind: 'immediate';
  route: number;
}

export type SimStep = ChangeStep | PassStep | ImmediateStep;

export interface SimScenario {
  /** One conflict priority per endpoint; their number is the number of endpoints. */
  priorities: number[];
  topology: 'chain' | 'mesh';
  steps: SimStep[];
}

export interface SimRules {
  supersededRule: boolean;
  restamp: boolean;
  knowledge: boolean;
}

export interface SimReport {
  converged: boolean;
  differences: string[];
  ancestorConflicts: string[];
  digestRegressions: string[];
  counts: { conflicts: number; pushes: number; refusedPages: number; multiPagePasses: number; interruptedPasses: number; immediatePasses: number; quietRounds: number };
  trace: string[];
}

interface Version {
  id: number;
  /** null: deleted (a tombstone). */
  value: number | null;
  state: SyncState;
  knowledge?: Digest;
}

interface Endpoint {
  url: string;
  priority: number;
  clock: number;
  /** The endpoint's digest, its own entry (its clock) included. */
  digest: Digest;
  versions: Map<string, Version>;
}

interface FeedEntry {
  uuid: string;
  version: Version;
  knowledge?: Digest;
}

type Route = [source: Endpoint, target: Endpoint];

const ALL_RULES: SimRules = { supersededRule: true, restamp: true, knowledge: true };

class Network {
  readonly endpoints: Endpoint[];
  readonly routes: Route[] = [];
  private readonly uuids: string[] = [];
  private readonly ancestors = new Map<number, Set<number>>();
  private readonly engineFloors = new Map<Route, Digest>();
  private versionCount = 0;
  private seconds = 0;
  readonly report: SimReport = {
    converged: false,
    differences: [],
    ancestorConflicts: [],
    digestRegressions: [],
    counts: { conflicts: 0, pushes: 0, refusedPages: 0, multiPagePasses: 0, interruptedPasses: 0, immediatePasses: 0, quietRounds: 0 },
    trace: [],
  };

  constructor(
    scenario: SimScenario,
    private readonly rules: SimRules,
    private readonly tracing: boolean,
  ) {
    this.endpoints = scenario.priorities.map((priority, i) => {
      const url = `http://h${i}.example/sdata/app/test/-/accounts`;
      return { url, priority, clock: 1, digest: { origin: url, entries: [{ endpoint: url, tick: 1, stamp: stampAt(0), conflictPriority: priority }] }, versions: new Map() };
    });
    const n = this.endpoints.length;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) if (i !== j && (scenario.topology === 'mesh' || Math.abs(i - j) === 1)) this.routes.push([this.endpoints[i], this.endpoints[j]]);
    }
  }

  private log(line: () => string): void {
    if (this.tracing) this.report.trace.push(line().replace(/http:\/\/(h\d+)\.example\/sdata\/app\/test\/-\/accounts/g, '$1'));
  }

  private name(e: Endpoint | string): string {
    const url = typeof e === 'string' ? e : e.url;
    return url.replace(/^http:\/\/(h\d+)\..*$/, '$1');
  }

  private now(): string {
    return stampAt(this.seconds);
  }

  private newVersionId(parents: number[]): number {
    const id = ++this.versionCount;
    const anc = new Set<number>();
    for (const p of parents) {
      anc.add(p);
      for (const a of this.ancestors.get(p)!) anc.add(a);
    }
    this.ancestors.set(id, anc);
    return id;
  }

  /** Gives out the endpoint's next tick. */
  private takeTick(e: Endpoint): number {
    const tick = e.clock;
    e.clock += 1;
    e.digest = withOwnEntry(e.digest, { endpoint: e.url, tick: e.clock, stamp: this.now(), conflictPriority: e.priority });
    return tick;
  }

  change(step: ChangeStep): void {
    const e = this.endpoints[step.at % this.endpoints.length];
    if (step.laterSecond) this.seconds += 1;
    if (step.fresh || this.uuids.length === 0) this.uuids.push(`u${this.uuids.length}`);
    const uuid = step.fresh ? this.uuids[this.uuids.length - 1] : this.uuids[step.resource % this.uuids.length];
    const prev = e.versions.get(uuid);
    const before = e.digest;
    const version: Version = {
      id: this.newVersionId(prev ? [prev.id] : []),
      value: step.remove ? null : step.value,
      state: { endpoint: e.url, tick: this.takeTick(e), stamp: this.now() },
      knowledge: prev?.knowledge,
    };
    e.versions.set(uuid, version);
    this.log(() => `change ${this.name(e)} ${uuid} v${version.id} = ${version.value ?? 'deleted'} @${version.state.tick}`);
    if (!step.push) return;
    const outgoing = this.routes.filter(([s]) => s === e);
    const route = outgoing[step.push.to % outgoing.length];
    if (!step.push.delivered) return;
    this.report.counts.pushes += 1;
    this.log(() => `push ${this.name(e)} -> ${this.name(route[1])} ${uuid}`);
    this.applyPage(route[1], [this.feedEntry(uuid, version, e.digest)], before, e.digest, 'immediate', true);
  }

  private feedEntry(uuid: string, version: Version, ceiling: Digest): FeedEntry {
    return { uuid, version, knowledge: this.rules.knowledge ? knowledgeToSend(version.knowledge, ceiling) : undefined };
  }

  /** The source's selection for a feed, in (endpoint, tick) order, as UUIDs read again page by page. */
  private select(source: Endpoint, ceiling: Digest, floor: Digest): string[] {
    const ranges = selectionRanges(ceiling, floor);
    return [...source.versions]
      .filter(([, v]) => ranges.some((r) => r.endpoint === v.state.endpoint && v.state.tick >= r.fromTick && v.state.tick < r.toTick))
      .sort(([, a], [, b]) => (a.state.endpoint < b.state.endpoint ? -1 : a.state.endpoint > b.state.endpoint ? 1 : a.state.tick - b.state.tick))
      .map(([uuid]) => uuid);
  }

  /** Reads a page at the source: current versions, superseded ones left out. */
  private readPage(source: Endpoint, uuids: string[], ceiling: Digest): FeedEntry[] {
    return uuids
      .map((uuid) => [uuid, source.versions.get(uuid)!] as const)
      .filter(([, v]) => !this.rules.supersededRule || !isSuperseded(v.state, ceiling))
      .map(([uuid, v]) => this.feedEntry(uuid, v, ceiling));
  }

  pass(step: PassStep): void {
    const route = this.routes[step.route % this.routes.length];
    const [source, target] = route;
    const floor = target.digest;
    const ceiling = source.digest;
    const selected = this.select(source, ceiling, floor);
    const size = Math.max(1, step.pageSize);
    const pages = Math.max(1, Math.ceil(selected.length / size));
    this.log(() => `pass ${this.name(source)} -> ${this.name(target)}: ${selected.length} selected, ${pages} page(s)`);
    if (pages > 1) this.report.counts.multiPagePasses += 1;
    for (let p = 0; p < pages; p++) {
      this.noise(step.between[2 * p]);
      const page = this.readPage(source, selected.slice(p * size, (p + 1) * size), ceiling);
      this.noise(step.between[2 * p + 1]);
      const last = p === pages - 1;
      this.applyPage(target, page, floor, ceiling, 'catchUp', last);
      if (!last && step.stopAfterPage === p) {
        this.report.counts.interruptedPasses += 1;
        this.log(() => '  (pass interrupted)');
        return;
      }
    }
    this.engineFloors.set(route, ceiling);
  }

  private noise(step: ChangeStep | null | undefined): void {
    if (step) this.change(step);
  }

  immediate(step: ImmediateStep): void {
    const route = this.routes[step.route % this.routes.length];
    const floor = this.engineFloors.get(route);
    if (!floor) return;
    const [source, target] = route;
    const ceiling = source.digest;
    this.report.counts.immediatePasses += 1;
    this.log(() => `immediate ${this.name(source)} -> ${this.name(target)}`);
    const page = this.readPage(source, this.select(source, ceiling, floor), ceiling);
    if (this.applyPage(target, page, floor, ceiling, 'immediate', true)) this.engineFloors.set(route, ceiling);
    else this.pass({ kind: 'pass', route: this.routes.indexOf(route), pageSize: 2, between: [] });
  }

  /** Applies one page at the target; false when an immediate page is refused for a gap. */
  private applyPage(target: Endpoint, page: FeedEntry[], floor: Digest, ceiling: Digest, mode: SyncMode, isLastPage: boolean): boolean {
    const before = target.digest;
    if (mode === 'immediate' && gapsIn(claimsOf(floor, ceiling), before).length > 0) {
      this.report.counts.refusedPages += 1;
      this.log(() => `  refused at ${this.name(target)}: gap`);
      return false;
    }
    for (const entry of page) {
      this.applyEntry(target, entry, ceiling);
      const x = entry.version.state.endpoint;
      target.digest = advanceForEntry(target.digest, entry.version.state, target.url, floor, this.now(), priorityOf(ceiling, x) ?? MISSING_PRIORITY);
    }
    if (isLastPage) target.digest = mergeAtEndOfFeed(target.digest, ceiling, floor, mode, target.url, this.now()).digest;
    for (const v of target.versions.values()) v.knowledge = compactKnowledge(v.knowledge, target.digest);
    for (const e of before.entries) {
      const after = tickOf(target.digest, e.endpoint, -1);
      if (after < e.tick) this.report.digestRegressions.push(`${this.name(target)}: ${this.name(e.endpoint)} ${e.tick} -> ${after}`);
    }
    return true;
  }

  private applyEntry(target: Endpoint, entry: FeedEntry, ceiling: Digest): void {
    const cur = target.versions.get(entry.uuid);
    const incoming = entry.version;
    const sourceDigest = sourceKnowledgeDigest(ceiling, entry.knowledge);
    const d = decide({
      sourceDigest,
      targetDigest: targetKnowledgeDigest(target.digest, this.rules.knowledge ? cur?.knowledge : undefined),
      sourceState: incoming.state,
      targetState: cur?.state,
    });
    this.log(() => `  at ${this.name(target)}: ${entry.uuid} v${incoming.id} (${this.name(incoming.state.endpoint)} ${incoming.state.tick}) against ${cur ? `v${cur.id} (${this.name(cur.state.endpoint)} ${cur.state.tick})` : 'nothing'}: ${d.outcome} ${d.reason}`);
    if (d.outcome === 'apply') {
      target.versions.set(entry.uuid, { ...incoming, knowledge: this.rules.knowledge ? knowledgeOnApply(ceiling, entry.knowledge) : undefined });
    } else if (d.outcome === 'conflict') {
      const stored = cur!;
      this.report.counts.conflicts += 1;
      if (incoming.id === stored.id || this.ancestors.get(incoming.id)!.has(stored.id) || this.ancestors.get(stored.id)!.has(incoming.id)) {
        this.report.ancestorConflicts.push(`at ${this.name(target)}: ${entry.uuid} v${incoming.id} against v${stored.id}, ${d.reason}`);
      }
      const winner = d.winner === 'source' ? incoming : stored;
      if (this.rules.restamp) {
        target.versions.set(entry.uuid, {
          id: this.newVersionId([incoming.id, stored.id]),
          value: winner.value,
          state: restampedState(winner.state, target.url, this.takeTick(target)),
          knowledge: this.rules.knowledge ? knowledgeOnRestamp(sourceDigest, stored.knowledge) : undefined,
        });
      } else if (d.winner === 'source') {
        target.versions.set(entry.uuid, { ...incoming, knowledge: this.rules.knowledge ? knowledgeOnApply(ceiling, entry.knowledge) : undefined });
      }
    }
  }

  /** Catch-up passes over every route, without interruptions or changes, until nothing moves. */
  settle(): void {
    for (let round = 0; round < 20; round++) {
      const before = this.fingerprint();
      for (let r = 0; r < this.routes.length; r++) this.pass({ kind: 'pass', route: r, pageSize: 3, between: [] });
      this.report.counts.quietRounds = round + 1;
      if (this.fingerprint() === before) return;
    }
  }

  private fingerprint(): string {
    return JSON.stringify(
      this.endpoints.map((e) => [e.clock, e.digest.entries.map((d) => [d.endpoint, d.tick]), [...e.versions].map(([u, v]) => [u, v.id])]),
    );
  }

  /** Compares every endpoint with the first: data by UUID, and digest ticks. */
  compare(): void {
    const data = (e: Endpoint): string =>
      JSON.stringify(
        [...e.versions]
          .map(([u, v]) => `${u}=${v.value ?? 'deleted'}`)
          .sort(),
      );
    const [first, ...others] = this.endpoints;
    for (const e of others) {
      if (data(e) !== data(first)) this.report.differences.push(`data of ${this.name(e)} ${data(e)} differs from ${this.name(first)} ${data(first)}`);
      if (!sameTicks(e.digest, first.digest)) {
        const ticks = (x: Endpoint) => JSON.stringify(x.digest.entries.map((d) => `${this.name(d.endpoint)} ${d.tick}`));
        this.report.differences.push(`digest of ${this.name(e)} ${ticks(e)} differs from ${this.name(first)} ${ticks(first)}`);
      }
    }
    this.report.converged = this.report.differences.length === 0;
  }
}

/** Runs a scenario, then quiet passes, and reports. */
export function runScenario(scenario: SimScenario, options: { rules?: Partial<SimRules>; trace?: boolean } = {}): SimReport {
  const net = new Network(scenario, { ...ALL_RULES, ...options.rules }, options.trace ?? false);
  for (const step of scenario.steps) {
    if (step.kind === 'change') net.change(step);
    else if (step.kind === 'pass') net.pass(step);
    else net.immediate(step);
  }
  net.settle();
  net.compare();
  return net.report;
}
