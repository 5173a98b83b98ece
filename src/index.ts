// skyjoin's public library API: re-exports only.

export * from './sky/index.js';
export { SkyIndex, type BuildOptions, type ConeHit } from './match/sky-index.js';
export type { CrossmatchOptions } from './match/crossmatch.js';
export type { Matches } from './match/matches.js';
export { RowMotion, type MotionColumns } from './match/motion.js';
export { coneAtEpoch } from './match/motion-cone.js';
export { crossmatchUncertain, type BayesOptions, type ScoredMatches, type UncertainMatchOptions } from './match/uncertain-match.js';
export { ErrorCovariance, sigmaDistance, type PositionErrors } from './match/position-errors.js';
export { bayesFactorCircular, logBayesFactor, posterior } from './match/bayes.js';
export { DensityMap } from './match/density.js';
export { SCHEME_KINDS, schemeLabel, type IndexScheme, type SchemeKind, type SchemeRequest } from './match/scheme.js';
export { resolveScheme } from './match/schemes.js';
export type { IndexParts } from './match/layout.js';
export { planCellSize, planZoneHeight, type PlanInput } from './zones/planner.js';
export * as healpix from './healpix/index.js';
export * as htm from './htm/index.js';
export { ArrowCatalog, writeArrowCatalog, type CatalogInfo, type CatalogInput } from './catalog/arrow-catalog.js';
export { buildCatalogFile, type BuildCatalogOptions } from './catalog/build.js';
export { CatalogInputError, readCatalogCsv, type BadRow, type PositionTable, type ReadOptions } from './catalog/csv.js';
export { LiveCatalog, type LiveMatches, type LiveRow, type LiveRowInput } from './catalog/live.js';
export { readParquetTable, writeParquetTable } from './catalog/parquet.js';
export { loadPositions } from './catalog/positions.js';
export { TextColumn } from './catalog/text.js';
export type { Column, ColumnTable } from './catalog/table.js';
export { signBody, verifySignature, SIGNATURE_HEADER, IDEMPOTENCY_HEADER } from './notify/signature.js';
