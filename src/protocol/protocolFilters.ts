/** The protocol variables a query may name on every kind (core 2.12), advertised in `$schema` as sme:protocolFilters. */
export const PROTOCOL_FILTERS = ['$key', '$uuid'] as const;
