// Alert decoding: ZTF and Rubin/LSST Avro packets -> the internal Alert.

export type { Alert, Band, Cutouts, Detection, ForcedPoint, NonDetection, Survey, SurveyRecord } from '../alert.js';
export { BANDS } from '../alert.js';
export { DecodeError, type DecodeReason } from '../avro/errors.js';
export { readContainer, isContainer, type Container, type ContainerCodec, type ContainerOptions } from '../avro/container.js';
export { SchemaCache, parseSchemaText, type ParsedSchema } from '../avro/schema-cache.js';
export { BIGINT_LONG } from '../avro/long.js';
export { AlertDecoder, type AlertDecoderOptions } from './alert-decoder.js';
export { ZtfDecoder, normalizeZtf, type ZtfDecoderOptions } from './ztf.js';
export { LsstDecoder, normalizeLsst, type LsstDecoderOptions } from './lsst.js';
export { FolderSchemaSource, RegistrySchemaSource, type SchemaSource, type RegistrySourceOptions } from './lsst-schemas.js';
export { isConfluentWire, wireSchemaId } from './wire.js';
export { surveyOfSchema, lsstSchemaId, lsstVersionOf } from './sniff.js';
export { validateAlert, type InvalidReason } from './validate.js';
export { utcNight, mjdTaiToUtc, jdToMjd } from './time.js';
