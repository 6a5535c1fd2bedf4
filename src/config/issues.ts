/**
 * The lines of a refused configuration: one per problem, each naming its path. Every object of the file is
 * closed (zod's strictObject): an unknown key, a typo above all (`securty:`, `server: { prot: 3390 }`), is
 * refused by its own path, `server.prot: unknown key; did you mean 'port'?`, rather than ignored.
 */
import { z } from 'zod';

/** A suggestion is given when at least half of the longer name is kept (`prot` -> `port`, not `foo` -> `log`). */
const MIN_SIMILARITY = 0.5;

/** The known key closest to `key`, when one is close enough. */
export function closestKey(key: string, known: Iterable<string>): string | undefined {
  const { distance } = require('fastest-levenshtein') as typeof import('fastest-levenshtein'); // loaded for a refused key only
  let best: { name: string; similarity: number } | undefined;
  for (const name of known) {
    const similarity = 1 - distance(key.toLowerCase(), name.toLowerCase()) / Math.max(key.length, name.length);
    if (similarity >= MIN_SIMILARITY && (!best || similarity > best.similarity)) best = { name, similarity };
  }
  return best?.name;
}

type Path = readonly PropertyKey[];
type Issue = z.core.$ZodIssue;

const pathText = (path: Path): string => (path.length ? path.map(String).join('.') : '(root)');

/**
 * Parses a configuration document with `schema`: its data, or the lines of its problems. The error map notes
 * the keys each closed object knows (by the object read; for a union, those of every alternative), so that
 * an unknown key can be given the closest of them.
 */
export function parseConfigDocument<T extends z.ZodType>(schema: T, input: unknown): { data: z.output<T> } | { problems: string[] } {
  const knownKeys = new WeakMap<object, Set<string>>();
  const noteKnownKeys: z.core.$ZodErrorMap = (issue) => {
    if (issue.code !== 'unrecognized_keys' || typeof issue.input !== 'object' || issue.input === null) return undefined;
    const shape = (issue.inst?._zod.def as { shape?: object } | undefined)?.shape;
    if (!shape) return undefined;
    const known = knownKeys.get(issue.input) ?? new Set<string>();
    for (const k of Object.keys(shape)) known.add(k);
    knownKeys.set(issue.input, known);
    return undefined;
  };
  // reportInput: each issue keeps the object it is about, the key to the keys noted above.
  const result = schema.safeParse(input, { error: noteKnownKeys, reportInput: true });
  if (result.success) return { data: result.data };
  const unknownKey = (path: Path, key: string, input: unknown): string => {
    const known = typeof input === 'object' && input !== null ? knownKeys.get(input) : undefined;
    const suggestion = known ? closestKey(key, known) : undefined;
    return `${pathText([...path, key])}: unknown key${suggestion ? `; did you mean '${suggestion}'?` : ''}`;
  };
  const lines = (issue: Issue, at: Path): string[] => {
    const path = [...at, ...issue.path];
    if (issue.code === 'unrecognized_keys') return issue.keys.map((k) => unknownKey(path, k, issue.input));
    if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      // A key that no alternative knows is unknown whichever was meant (e.g. the alert rules' `tciks`).
      const unknownIn = issue.errors.map((branch) => branch.filter((i) => i.code === 'unrecognized_keys' && i.path.length === 0) as z.core.$ZodIssueUnrecognizedKeys[]);
      const everywhere = (unknownIn[0] ?? []).flatMap((i) => i.keys).filter((k) => unknownIn.every((b) => b.some((i) => i.keys.includes(k))));
      if (everywhere.length > 0) return everywhere.map((k) => unknownKey(path, k, unknownIn[0][0].input));
    }
    return [`${pathText(path)}: ${issue.message}`];
  };
  return { problems: result.error.issues.flatMap((i) => lines(i, [])) };
}
