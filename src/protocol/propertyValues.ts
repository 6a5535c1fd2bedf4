/**
 * A resource's property values (PROTOCOL.md 3.1 and 8): the scalar types a property may have, the JSON form
 * of the values kept in the database (which the XML and JSON payload codecs read and write), and the reader
 * of each scalar type's text. Pure.
 *
 * JSON form of each property type:
 *   string   -> string (text kept exactly, whitespace included)
 *   integer  -> number (a safe integer)
 *   decimal  -> string in canonical xs:decimal form with its scale kept: "12.50" stays "12.50",
 *               "+007.5" becomes "7.5", ".5" becomes "0.5", "-0.00" becomes "0.00"; no exponent
 *   boolean  -> boolean (xs:boolean: true, false, 1, 0)
 *   date     -> "YYYY-MM-DD" (a time-zone suffix is accepted and dropped)
 *   datetime -> ISO-8601 UTC with milliseconds ("2026-11-22T12:00:00.000Z"); a value without an offset is UTC
 *   reference-> { uuid } (lower case), children -> [{ uuid, values }]
 * A property absent from a payload is absent from the values; null is a property given as nil.
 */
import { readBoolean, readDate, readDatetime, readDecimal, readInteger } from './values';

export const SCALAR_TYPES = ['string', 'integer', 'decimal', 'boolean', 'date', 'datetime'] as const;
export type ScalarType = (typeof SCALAR_TYPES)[number];

export type ScalarValue = string | number | boolean | null;

/** A reference to another resource, by its UUID. */
export interface Reference {
  uuid: string;
}

/** One row of a child list. */
export interface ChildRow {
  uuid: string;
  values: Record<string, ScalarValue>;
}

export type ResourceValues = Record<string, ScalarValue | Reference | ChildRow[]>;

/** How the text of one scalar type is read. */
interface ScalarReader {
  /** The value of a (trimmed, except for strings) non-empty text, or undefined when it is not valid. */
  read(text: string): ScalarValue | undefined;
  /** What a reader is told the value should look like. */
  expected: string;
}

export const SCALAR_READERS: Record<ScalarType, ScalarReader> = {
  string: { read: (t) => t, expected: 'text' },
  integer: { read: readInteger, expected: 'an integer' },
  decimal: { read: readDecimal, expected: 'a decimal number such as 12.50' },
  boolean: { read: readBoolean, expected: 'true or false' },
  date: { read: readDate, expected: 'a date YYYY-MM-DD' },
  datetime: { read: readDatetime, expected: 'a date-time such as 2026-11-22T12:00:00Z' },
};
