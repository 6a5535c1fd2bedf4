/**
 * Values read from a URL that the database must be able to hold: integers (ids, positions, counts) within
 * JavaScript's safe integers (2^53 - 1, inside PostgreSQL's bigint), and text without U+0000 (which
 * PostgreSQL text cannot hold). A value outside these bounds names nothing that can exist.
 */

const DIGITS = /^\d+$/;

/** The largest value of a PostgreSQL integer (int4) column. */
export const MAX_INT4 = 2_147_483_647;

/**
 * `text` as an integer from `min` to `max` written in decimal digits only, or undefined (signs, spaces,
 * exponents, fractions, anything beyond `max`, which is at most 2^53 - 1).
 */
export function boundedIntegerOf(text: string, min = 0, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (!DIGITS.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) && n >= min && n <= max ? n : undefined;
}

/** True when PostgreSQL text can hold `text` (it holds no U+0000). */
export function isStorableText(text: string): boolean {
  return !text.includes('\u0000');
}
