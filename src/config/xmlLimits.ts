/**
 * Limits of the XML reader (src/atom/xml.ts), the `xml` section of the configuration. Every document a
 * server or the logger reads is checked against them as it is read; going over one is a 400 diagnosis
 * naming the limit (applicationCode `XmlLimitExceeded`).
 */
import { z } from 'zod';

const positive = z.number().int().positive();

export const xmlLimitsSchema = z
  .strictObject({
    /** Elements open at once (the root is depth 1). */
    maxDepth: positive.default(64),
    /** Elements in one document (a 1,000-entry sync page of a rich kind holds about 50,000). */
    maxElements: positive.default(1_000_000),
    /** Attributes of one element, namespace declarations included. */
    maxAttributes: positive.default(256),
    /** Characters of one element or attribute name (prefix included). */
    maxNameLength: positive.default(256),
    /** Characters of one value: the text of one element, or one attribute value. */
    maxTextLength: positive.default(1024 * 1024),
    /** Entries of one digest (`sync:digest`, `x:floorDigest`, `x:knowledge`): one per endpoint of a network. */
    maxDigestEntries: positive.default(500),
  })
  .prefault({});

export type XmlLimits = z.output<typeof xmlLimitsSchema>;

export const DEFAULT_XML_LIMITS: XmlLimits = xmlLimitsSchema.parse(undefined);
