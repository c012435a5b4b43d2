/** Time values for the search layer: the one parser in common/time-value.ts (kept here so importers need not move). */
export { formatTimeValue, parseTimeValueMs } from '../common/time-value.js';
