// JSON Schemas shared by the routes (OpenAPI comes from them).
import type { FastifySchema } from 'fastify';
import type { SwaggerTransform } from '@fastify/swagger';

export const errorSchema = {
  $id: 'Error',
  type: 'object',
  description: 'Every error: a stable code and a message naming the field.',
  properties: {
    statusCode: { type: 'integer', description: 'HTTP status code', examples: [400] },
    code: { type: 'string', description: 'Stable error code (SKY_...)', examples: ['SKY_BAD_REQUEST'] },
    error: { type: 'string', description: 'HTTP status text', examples: ['Bad Request'] },
    message: { type: 'string', description: 'What is wrong, naming the field', examples: ['dec must be in [-90, 90], got 91.2'] },
  },
  required: ['statusCode', 'code', 'error', 'message'],
} as const;

export const errorResponses = {
  400: { $ref: 'Error#' },
  401: { $ref: 'Error#' },
  403: { $ref: 'Error#' },
  404: { $ref: 'Error#' },
  409: { $ref: 'Error#' },
  406: { $ref: 'Error#' },
  413: { $ref: 'Error#' },
  415: { $ref: 'Error#' },
  429: { $ref: 'Error#' },
} as const;

export const raProp = { type: 'number', description: 'Right ascension, degrees (any finite value; folded into [0, 360))', examples: [10.6847] } as const;
export const decProp = { type: 'number', minimum: -90, maximum: 90, description: 'Declination, degrees, in [-90, 90]', examples: [41.2690] } as const;
export const radiusProp = { type: 'number', minimum: 0, description: 'Radius, arcsec (0 matches exact positions; up to the configured maximum, 648000 = 180 deg by default)', examples: [2] } as const;
export const columnsProp = { type: 'string', description: 'Comma-separated catalog columns to return with each row (see GET /v1/catalogs/{name})', examples: ['vmag,name'] } as const;
export const modeProp = { type: 'string', enum: ['all', 'best', 'nearest'], default: 'all', description: "'all': every pair within the radius; 'best': the closest catalog row per source; 'nearest': the k closest within the radius" } as const;
export const kProp = { type: 'integer', minimum: 1, maximum: 1000, default: 1, description: "For mode 'nearest': how many rows per source" } as const;

export const coverageSchema = {
  type: 'object',
  description: 'Where the catalog has rows',
  properties: {
    rows: { type: 'integer' },
    decMinDeg: { type: 'number', description: 'Smallest declination, degrees' },
    decMaxDeg: { type: 'number', description: 'Largest declination, degrees' },
    raMinDeg: { type: 'number', description: 'RA interval holding every row starts here, degrees (may wrap through 0)' },
    raMaxDeg: { type: 'number', description: 'RA interval end, degrees' },
    areaDeg2: { type: 'number', description: 'Area of the occupied 1-degree cells, square degrees' },
    skyFraction: { type: 'number', description: 'areaDeg2 over the whole sky' },
  },
} as const;

export const catalogSchema = {
  $id: 'Catalog',
  type: 'object',
  properties: {
    name: { type: 'string', description: 'Catalog name, used in URLs', examples: ['gcvs'] },
    title: { type: 'string', description: 'What the catalog is' },
    kind: { type: 'string', description: 'stars, galaxies, variable-stars, ...' },
    rows: { type: 'integer', description: 'Number of rows' },
    columns: {
      type: 'array', description: 'Columns that can be requested',
      items: { type: 'object', properties: { name: { type: 'string' }, type: { type: 'string', enum: ['float64', 'int32', 'int64', 'utf8', 'bool'] } } },
    },
    scheme: { type: 'object', additionalProperties: true, description: 'Index scheme and its parameters' },
    default_radius_arcsec: { type: 'number', description: 'Match radius used when none is given, arcsec' },
    coverage: coverageSchema,
    licence: { type: 'string', description: 'Licence of the catalog data' },
    motion: {
      type: 'object', nullable: true,
      description: 'Proper motions, when the rows carry them (then `epoch` moves them): the columns, their units and the reference epoch (Julian year) or its column',
      properties: {
        pm_ra: { type: 'string' }, pm_dec: { type: 'string' }, parallax: { type: 'string' }, rv: { type: 'string' },
        pm_unit: { type: 'string' }, parallax_unit: { type: 'string' }, ref_epoch: { type: 'number' }, epoch_column: { type: 'string' },
      },
    },
  },
} as const;

// Bodies of positions (sources, watch-list targets, positions to check) are
// read by our own parsers, by Content-Type: JSON, CSV or Arrow IPC. Ajv cannot
// validate CSV or Arrow bytes, and the parsers' messages name the row and the
// field, so these bodies are described in OpenAPI only (docsOnly below).

const ARROW = 'application/vnd.apache.arrow.stream';
const binary = (description: string) => ({ schema: { type: 'string', format: 'binary', description } });

/** OpenAPI request body of a list of positions; `example` is what /docs "Try it out" sends. */
export function positionsBody(field: 'sources' | 'targets' | 'positions', idField: 'id' | 'name', example: Array<Record<string, unknown>>) {
  const row = {
    type: 'object', required: [idField, 'ra', 'dec'],
    properties: {
      [idField]: { type: 'string', description: idField === 'name' ? 'Target name (unique in the list)' : 'Id, as a string or an integer' },
      ra: { type: 'number', description: raProp.description },
      dec: { type: 'number', minimum: -90, maximum: 90, description: decProp.description },
      radius_arcsec: { type: 'number', minimum: 0, description: 'Radius of this row, arcsec (optional)' },
    },
  };
  const columns = `${idField},ra,dec[,radius_arcsec]`;
  return {
    description: `A list of ${field}, by Content-Type: a JSON array (or {"${field}": [...]}), CSV with a header holding ${columns}, or an Arrow IPC stream, a VOTable (TABLEDATA, BINARY2) or a FITS binary table with those columns`,
    content: {
      'application/json': {
        schema: {
          oneOf: [{ type: 'array', items: row }, { type: 'object', required: [field], properties: { [field]: { type: 'array', items: row } } }],
          examples: [example],
        },
      },
      'text/csv': {
        schema: {
          type: 'string', description: `CSV, header ${columns}`,
          examples: [`${idField},ra,dec\n${example.map((r) => `${r[idField]},${r.ra},${r.dec}`).join('\n')}\n`],
        },
      },
      [ARROW]: binary(`Arrow IPC stream with columns ${columns}`),
      'application/x-votable+xml': { schema: { type: 'string', description: `VOTable 1.x (first TABLE; TABLEDATA, BINARY2 or BINARY) with FIELDs ${columns}` } },
      'application/fits': binary(`FITS file whose first binary table (BINTABLE) has columns ${columns}`),
    },
  };
}

/** A 200 answered as JSON, CSV or Arrow by the Accept header (streamed: described in OpenAPI only). */
export function matchesResponse(json: Record<string, unknown>) {
  return {
    description: 'Pairs sorted by source then separation: JSON, CSV (source_id,catalog_id,sep_arcsec[,columns]), an Arrow IPC stream, a VOTable 1.4 (TABLEDATA; BINARY2 with `;serialization=BINARY2`) or a FITS binary table, by Accept',
    content: {
      'application/json': { schema: json },
      'text/csv': { schema: { type: 'string', description: 'source_id,catalog_id,sep_arcsec[,requested columns], one line per pair' } },
      [ARROW]: binary('Arrow IPC stream: source_id, catalog_id, sep_arcsec and the requested columns'),
      'application/x-votable+xml': { schema: { type: 'string', description: 'VOTable 1.4, one TABLE: FIELDs source_id, catalog_id, sep_arcsec (unit arcsec, ucd pos.angDistance) and the requested columns' } },
      'application/fits': binary('FITS binary table MATCHES: source_id, catalog_id (64-bit integers when every id is one), sep_arcsec (TUNIT arcsec) and the requested columns'),
    },
  };
}

export const matchRowSchema = {
  type: 'object', additionalProperties: true,
  properties: {
    source_id: { type: 'string', description: 'Source id, as sent' },
    catalog_id: { type: 'string', description: 'Catalog id' },
    sep_arcsec: { type: 'number', description: 'Separation, arcsec' },
  },
  description: 'One pair, with the requested catalog columns',
} as const;

/**
 * Route config adding to the OpenAPI document what the route's own schema
 * cannot carry (bodies and responses handled outside Ajv and the serializer).
 */
export function docsOnly(extra: { body?: unknown; responses?: Record<string, unknown> }): { swaggerTransform: SwaggerTransform<FastifySchema> } {
  return {
    swaggerTransform: ({ schema, url }) => ({
      url,
      schema: {
        ...schema,
        ...(extra.body ? { body: extra.body } : {}),
        response: { ...(extra.responses ?? {}), ...(schema.response as Record<string, unknown> | undefined) },
      },
    }),
  };
}
