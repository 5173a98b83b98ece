// Compile a set of schema files that refer to each other by name (Rubin ships
// one .avsc per record: alert refers to lsst.vX_Y.diaSource, ...). avsc needs
// every referenced name registered before the schema that uses it, so order
// the files by their references first.

import { compileSchema, newRegistry, type Registry } from './compile.js';
import type { Json } from './schema-fix.js';

const PRIMITIVES = new Set(['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string']);
const NAMED = new Set(['record', 'error', 'enum', 'fixed']);

type Obj = { [k: string]: Json };

function isObj(v: Json | undefined): v is Obj {
  return v !== null && v !== undefined && typeof v === 'object' && !Array.isArray(v);
}

function qualify(name: string, ns: string | undefined): string {
  return name.includes('.') || ns === undefined || ns === '' ? name : `${ns}.${name}`;
}

/** Names a schema defines and names it refers to (fully qualified). */
export function namesOf(schema: Json): { defines: Set<string>; refers: Set<string> } {
  const defines = new Set<string>();
  const refers = new Set<string>();
  const visit = (node: Json | undefined, ns: string | undefined): void => {
    if (typeof node === 'string') {
      if (!PRIMITIVES.has(node)) refers.add(qualify(node, ns));
      return;
    }
    if (Array.isArray(node)) {
      for (const b of node) visit(b, ns);
      return;
    }
    if (!isObj(node)) return;
    const type = node.type;
    if (typeof type === 'string' && NAMED.has(type) && typeof node.name === 'string') {
      const explicitNs = typeof node.namespace === 'string' ? node.namespace : undefined;
      const full = qualify(node.name, explicitNs ?? ns);
      defines.add(full);
      const inner = full.includes('.') ? full.slice(0, full.lastIndexOf('.')) : undefined;
      if (Array.isArray(node.fields)) for (const f of node.fields) if (isObj(f)) visit(f.type, inner);
      return;
    }
    if (type === 'array') return visit(node.items, ns);
    if (type === 'map') return visit(node.values, ns);
    visit(type, ns); // {"type": "some.Name"} or {"type": {...}}
  };
  visit(schema, undefined);
  for (const d of defines) refers.delete(d);
  return { defines, refers };
}

/**
 * Compiles all schemas into one registry, dependencies first. Throws if a
 * referenced name is defined by none of them (or the references form a cycle).
 */
export function compileNamedSchemas(schemas: Json[], registry: Registry = newRegistry()): Registry {
  const info = schemas.map((s) => ({ schema: s, ...namesOf(s) }));
  const pending = new Set(info.map((_, i) => i));
  while (pending.size > 0) {
    let progressed = false;
    for (const i of pending) {
      const { schema, refers } = info[i];
      if ([...refers].every((r) => r in registry)) {
        compileSchema(schema, registry);
        pending.delete(i);
        progressed = true;
      }
    }
    if (!progressed) {
      const missing = new Set<string>();
      for (const i of pending) for (const r of info[i].refers) if (!(r in registry)) missing.add(r);
      throw new Error(`unresolved schema names: ${[...missing].join(', ')}`);
    }
  }
  return registry;
}
