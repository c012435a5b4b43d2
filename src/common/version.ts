/**
 * The Elasticsearch API level this build implements: what `GET /` reports as `version.number`, what
 * clients negotiate with `compatible-with` and, later, what the transport handshake compares.
 */
export const ES_API_VERSION = '9.1.0';
export const LUCENE_VERSION_REPORTED = '10.2.2'; // what an Elasticsearch of this level reports; we have no Lucene
export const MINIMUM_WIRE_COMPATIBILITY_VERSION = '8.19.0';
export const MINIMUM_INDEX_COMPATIBILITY_VERSION = '8.0.0';
export const BUILD_FLAVOR = 'default';
export const BUILD_TYPE = 'strait';
