// The service's error catalog: stable SKY_ codes, a message that names the
// field, never a stack. Error body: { statusCode, code, error, message }.

import createError from '@fastify/error';

export const BadRequest = createError<[string]>('SKY_BAD_REQUEST', '%s', 400);
export const BadJson = createError<[string]>('SKY_BAD_JSON', 'body is not valid JSON: %s', 400);
export const BadCsv = createError<[string]>('SKY_BAD_CSV', '%s', 400);
export const BadTable = createError<[string, string]>('SKY_BAD_TABLE', 'body is not a readable %s: %s', 400);
export const BadArrow = createError<[string]>('SKY_BAD_ARROW', 'body is not a readable Arrow IPC stream: %s', 400);
export const UnsupportedMediaType = createError<[string, string]>('SKY_UNSUPPORTED_MEDIA_TYPE', "Content-Type '%s' is not accepted here; use %s", 415);
export const NotAcceptable = createError<[string]>('SKY_NOT_ACCEPTABLE', 'cannot answer in %s; accepted: application/json, text/csv, application/vnd.apache.arrow.stream, application/x-votable+xml, application/fits', 406);
export const BodyTooLarge = createError<[number]>('SKY_BODY_TOO_LARGE', 'request body is larger than %d bytes (the service\'s limits.maxBodyBytes)', 413);
export const TooManySources = createError<[number, number]>('SKY_TOO_MANY_SOURCES', 'at most %d sources per request, got %d', 413);
export const TooManyTargets = createError<[number, number]>('SKY_TOO_MANY_TARGETS', 'at most %d targets per request, got %d', 413);
export const RadiusTooLarge = createError<[string, number, number]>('SKY_RADIUS_TOO_LARGE', '%s must be <= %d arcsec, got %d', 400);
export const CatalogNotFound = createError<[string]>('SKY_CATALOG_NOT_FOUND', "catalog '%s' is not served here (GET /v1/catalogs lists them)", 404);
export const ColumnNotFound = createError<[string, string]>('SKY_COLUMN_NOT_FOUND', "catalog '%s' has no column '%s'", 400);
export const UploadNotFound = createError<[string]>('SKY_UPLOAD_NOT_FOUND', "source upload '%s' does not exist or has expired", 404);
export const WatchlistNotFound = createError<[string]>('SKY_WATCHLIST_NOT_FOUND', "watch list '%s' does not exist", 404);
export const TargetNotFound = createError<[string, string]>('SKY_TARGET_NOT_FOUND', "watch list '%s' has no target '%s'", 404);
export const FilterNotFound = createError<[string]>('SKY_FILTER_NOT_FOUND', "filter '%s' does not exist", 404);
export const BadExpression = createError<[string, string]>('SKY_BAD_EXPRESSION', 'expression refused (%s): %s', 400);
export const StreamNotFound = createError<[string]>('SKY_STREAM_NOT_FOUND', "stream '%s' does not exist (GET /v1/streams lists them)", 404);
export const Forbidden = createError<[string]>('SKY_FORBIDDEN', '%s', 403);
export const NotPullable = createError<[string]>('SKY_NOT_PULLABLE', '%s', 409);
export const Unauthorized = createError<[string]>('SKY_UNAUTHORIZED', '%s', 401);
export const BadCursor = createError('SKY_BAD_CURSOR', 'cursor is not one this service issued', 400);
export const RouteNotFound = createError<[string, string]>('SKY_NOT_FOUND', 'no route %s %s', 404);
export const ObjectNotFound = createError<[string]>('SKY_OBJECT_NOT_FOUND', "object '%s' does not exist (GET /v1/objects?alias= or ?ra=&dec=&radius_arcsec= finds objects)", 404);
export const AlertNotFound = createError<[string]>('SKY_ALERT_NOT_FOUND', "alert '%s' is not archived here", 404);
export const CutoutNotFound = createError<[string, string]>('SKY_CUTOUT_NOT_FOUND', "alert '%s' has no %s cutout stored", 404);
export const SubscriptionNotFound = createError<[string]>('SKY_SUBSCRIPTION_NOT_FOUND', "subscription '%s' does not exist", 404);
