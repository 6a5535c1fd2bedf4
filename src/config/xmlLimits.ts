/**
 * Limits of the XML reader (src/atom/xml.ts), the `xml` section of the configuration (validated by
 * xmlLimitsSchema.ts). Every document a server or the logger reads is checked against them as it is read;
 * going over one is a 400 diagnosis naming the limit (applicationCode `XmlLimitExceeded`). Plain values: the
 * XML reader of a command that reads no configuration file does not load the validation code.
 */
export interface XmlLimits {
  /** Elements open at once (the root is depth 1). */
  maxDepth: number;
  /** Elements in one document (a 1,000-entry sync page of a rich kind holds about 50,000). */
  maxElements: number;
  /** Attributes of one element, namespace declarations included. */
  maxAttributes: number;
  /** Characters of one element or attribute name (prefix included). */
  maxNameLength: number;
  /** Characters of one value: the text of one element, or one attribute value. */
  maxTextLength: number;
  /** Entries of one digest (`sync:digest`, `x:floorDigest`, `x:knowledge`): one per endpoint of a network. */
  maxDigestEntries: number;
}

/** The limits when the configuration sets none (the defaults of the `xml` section). */
export const DEFAULT_XML_LIMITS: XmlLimits = {
  maxDepth: 64,
  maxElements: 1_000_000,
  maxAttributes: 256,
  maxNameLength: 256,
  maxTextLength: 1024 * 1024,
  maxDigestEntries: 500,
};
