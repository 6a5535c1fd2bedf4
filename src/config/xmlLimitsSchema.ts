/** The `xml` section of the configuration file: the XML reader's limits (xmlLimits.ts), each a positive integer, defaults from DEFAULT_XML_LIMITS. */
import { z } from 'zod';
import { DEFAULT_XML_LIMITS as D, type XmlLimits } from './xmlLimits';

const positive = z.number().int().positive();

export const xmlLimitsSchema = z
  .strictObject({
    maxDepth: positive.default(D.maxDepth),
    maxElements: positive.default(D.maxElements),
    maxAttributes: positive.default(D.maxAttributes),
    maxNameLength: positive.default(D.maxNameLength),
    maxTextLength: positive.default(D.maxTextLength),
    maxDigestEntries: positive.default(D.maxDigestEntries),
  })
  .prefault({}) satisfies z.ZodType<XmlLimits>;
