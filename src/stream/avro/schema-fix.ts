// Writer schemas as the surveys publish them, made acceptable to avsc.
//
// ZTF's schemas (3.x files and the schemas embedded in 3.x packets) give
// `"default": null` to unions whose first branch is not "null", and a few give
// ["null", "int"] a non-null default. The Avro spec (and avsc) only allow a
// default that matches the FIRST branch. We drop such defaults: a writer
// schema's defaults play no part in decoding (they only fill fields missing
// from a writer during schema resolution), so the bytes decode the same. We
// never reorder union branches: the branch index is what is on the wire.

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const NUMERIC = new Set(['int', 'long', 'float', 'double']);

/** Whether `value` is a plausible default for the (first union branch) type. */
function defaultFits(branch: Json, value: Json): boolean {
  const t = typeof branch === 'string' ? branch : branch !== null && !Array.isArray(branch) && typeof branch === 'object' ? branch.type : undefined;
  if (typeof t !== 'string') return true; // nested union or odd schema: let avsc judge
  if (t === 'null') return value === null;
  if (t === 'boolean') return typeof value === 'boolean';
  if (NUMERIC.has(t)) return typeof value === 'number';
  if (t === 'string' || t === 'bytes' || t === 'enum' || t === 'fixed') return typeof value === 'string';
  if (t === 'array') return Array.isArray(value);
  if (t === 'record' || t === 'map' || t === 'error') return value !== null && typeof value === 'object' && !Array.isArray(value);
  // A named reference: we cannot see its kind from here; null never fits a named type.
  return value !== null;
}

/**
 * Drops, in place, every field default that does not fit the first branch of
 * its union. Returns how many were dropped.
 */
export function dropBadUnionDefaults(schema: Json): number {
  let dropped = 0;
  const visit = (node: Json): void => {
    if (Array.isArray(node)) {
      for (const branch of node) visit(branch);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    if (Array.isArray(node.fields)) {
      for (const field of node.fields) {
        if (field === null || typeof field !== 'object' || Array.isArray(field)) continue;
        const type = field.type;
        if (Array.isArray(type) && 'default' in field && type.length > 0 && !defaultFits(type[0], field.default)) {
          delete field.default;
          dropped++;
        }
        visit(type);
      }
    }
    if (node.items !== undefined) visit(node.items);
    if (node.values !== undefined) visit(node.values);
    if (typeof node.type === 'object') visit(node.type);
  };
  visit(schema);
  return dropped;
}

export type { Json };
