export * from './segment.js';
export { buildSegment, buildSegmentStepwise, buildSliceDocs, toNumericValue, positionIncrementGap, namedAnalyzer, resolveAnalyzer, type SegmentDocumentInput, type SegmentDocuments, type BuildSegmentOptions } from './segment-builder.js';
export { serializeSegment, serializeSegmentPieces, deserializeSegment, type DeserializeOptions, SEGMENT_CRC_OFFSET, SEGMENT_FORMAT_VERSION, SegmentFormatError } from './segment-codec.js';
export { mergeSegments, mergeSegmentsStepwise, mergeSliceLimits, type MergedSegment } from './segment-merge.js';
export { computeShardStats, type ShardStats, type FieldStats } from './shard-stats.js';
export { intToByte4, byte4ToInt, normLengthTable } from './small-float.js';
export { docGeoPoints, decodeLatitude, decodeLongitude, encodeGeoPoint, type GeoPointValue } from './geo-encoding.js';
export { allSourceTexts, copyRange, memorySourceSink, memorySourceTexts, OffsetsColumn, sourceCopyBytesMax, sourceTextsOf, type SourceTexts, type SourceTextsSink } from './source-texts.js';
