/**
 * Readers of the protocol's scalar values in their XML Schema text forms (xs:integer, xs:decimal, xs:boolean,
 * xs:date, xs:dateTime) and of UUIDs: pure, each returns the canonical form or undefined (propertyValues.ts,
 * the query language).
 */

const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** True for the canonical 8-4-4-4-12 hexadecimal UUID form (any case). */
export function isUuid(text: string): boolean {
  return UUID.test(text);
}

const INTEGER = /^[+-]?\d+$/;
const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})(?:Z|[+-]\d{2}:\d{2})?$/;
const DATETIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?$/;

function isCalendarDate(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1) return false;
  const days = [31, y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  return d <= days[m - 1];
}

/** The number an xs:integer text stands for, when it is a safe integer; else undefined. */
export function readInteger(text: string): number | undefined {
  return INTEGER.test(text) && Number.isSafeInteger(Number(text)) ? Number(text) : undefined;
}

/** The value of an xs:boolean text (true, false, 1, 0), or undefined. */
export function readBoolean(text: string): boolean | undefined {
  return text === 'true' || text === '1' ? true : text === 'false' || text === '0' ? false : undefined;
}

/** The canonical xs:decimal form of a text (scale kept, no exponent), or undefined. */
export function readDecimal(text: string): string | undefined {
  const m = DECIMAL.exec(text);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) return undefined;
  const whole = m[2].replace(/^0+(?=\d)/, '') || '0';
  const fraction = m[3] ? `.${m[3]}` : '';
  const zero = /^0$/.test(whole) && /^\.?0*$/.test(fraction);
  return `${m[1] === '-' && !zero ? '-' : ''}${whole}${fraction}`;
}

/** The canonical `YYYY-MM-DD` form of an xs:date text, or undefined. */
export function readDate(text: string): string | undefined {
  const m = DATE.exec(text);
  return m && isCalendarDate(+m[1], +m[2], +m[3]) ? `${m[1]}-${m[2]}-${m[3]}` : undefined;
}

/** The canonical UTC form (`toISOString`) of an xs:dateTime text (no offset: UTC), or undefined. */
export function readDatetime(text: string): string | undefined {
  const m = DATETIME.exec(text);
  if (!m || !isCalendarDate(+m[1], +m[2], +m[3]) || +m[4] > 23 || +m[5] > 59 || +(m[6] ?? 0) > 59) return undefined;
  const t = new Date(m[8] ? text : `${text}Z`);
  return Number.isNaN(t.getTime()) ? undefined : t.toISOString();
}
