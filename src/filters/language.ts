// The filter language: CEL (Common Expression Language), parsed, type-checked
// and evaluated by @marcbachmann/cel-js. CEL has no loops, no assignment, no
// I/O and no host access: an expression sees only the values it is given.
// On top of that, compileFilter refuses, with a message naming the problem,
// what could still reach outside or cost without bound:
//   - names of JavaScript internals (constructor, prototype, __proto__, ...),
//     as identifiers, fields or map keys: constructor chains, prototype access;
//   - huge literals (long strings, long numbers, long lists or maps) and
//     expressions longer than MAX_EXPRESSION_CHARS;
//   - nesting deeper than MAX_NESTING (brackets, and CEL's own AST depth);
//   - regular expressions that are not a literal, that backtrack
//     catastrophically (a quantified group that holds a quantifier or an
//     alternation, back-references) or that are too long;
//   - unknown fields and type errors (checked against fields.ts), and a result
//     that is not a bool.
// Evaluation runs on an environment whose variables are plain maps (about 4x
// faster than one with declared object types in cel-js 8); the declared
// environment is used only to check, so both see the same expression.

import { Environment } from '@marcbachmann/cel-js';
import { ANNOTATION_FIELDS, VARIABLES, type FieldDoc } from './fields.js';
import type { FilterInput } from './features.js';

export const MAX_EXPRESSION_CHARS = 4000;
export const MAX_STRING_LITERAL = 500;
export const MAX_NUMBER_LITERAL_DIGITS = 32;
export const MAX_LIST_ELEMENTS = 100;
export const MAX_NESTING = 16;
export const MAX_REGEX_CHARS = 200;
const MAX_AST_NODES = 500;

/** Names that lead to JavaScript internals: never allowed anywhere in an expression. */
const FORBIDDEN = new Set([
  'constructor', 'prototype', '__proto__', '__defineGetter__', '__defineSetter__', '__lookupGetter__', '__lookupSetter__',
  'hasOwnProperty', 'isPrototypeOf', 'propertyIsEnumerable', 'toString', 'toLocaleString', 'valueOf', 'caller', 'callee', 'arguments',
]);

/** An expression refused at creation; `problem` is a short class (tests and clients key on it). */
export class FilterLanguageError extends RangeError {
  override name = 'FilterLanguageError';
  constructor(readonly problem: 'too-long' | 'forbidden-name' | 'huge-literal' | 'too-deep' | 'regex' | 'syntax' | 'type' | 'not-bool', message: string) {
    super(message);
  }
}

export type CompiledExpression = (input: FilterInput) => unknown;

interface Token {
  kind: 'ident' | 'string' | 'number' | 'punct';
  text: string;
  /** String literals: the value (escapes left as written). */
  value?: string;
  at: number;
}

/** CEL tokens, enough to find identifiers, literals and brackets (the parser proper is cel-js's). */
function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) { i++; continue; }
    const start = i;
    // String and bytes literals: optional r/R (raw) and b/B prefixes, '...', "...", '''...''', """...""".
    const prefix = /^[rRbB]{0,2}(?=['"])/.exec(src.slice(i, i + 3));
    if (prefix && (prefix[0].length > 0 || c === '"' || c === "'")) {
      i += prefix[0].length;
      const q = src[i];
      const triple = src.startsWith(q.repeat(3), i);
      const close = triple ? q.repeat(3) : q;
      const raw = /[rR]/.test(prefix[0]);
      i += close.length;
      const from = i;
      while (i < src.length && !src.startsWith(close, i)) {
        if (!raw && src[i] === '\\') i++;
        i++;
      }
      if (i >= src.length) throw new FilterLanguageError('syntax', `unterminated string starting at character ${start + 1}`);
      const value = src.slice(from, i);
      i += close.length;
      out.push({ kind: 'string', text: src.slice(start, i), value, at: start });
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      while (i < src.length && /[A-Za-z0-9_]/.test(src[i])) i++;
      out.push({ kind: 'ident', text: src.slice(start, i), at: start });
      continue;
    }
    if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(src[i + 1] ?? ''))) {
      while (i < src.length && /[0-9A-Za-z_.]/.test(src[i])) {
        if ((src[i] === 'e' || src[i] === 'E') && (src[i + 1] === '+' || src[i + 1] === '-')) i++;
        i++;
      }
      out.push({ kind: 'number', text: src.slice(start, i), at: start });
      continue;
    }
    out.push({ kind: 'punct', text: c, at: start });
    i++;
  }
  return out;
}

/**
 * Why a regular expression can backtrack catastrophically, or null: a
 * quantified group that holds a quantifier or an alternation ((a+)+, (a|aa)*,
 * (\w+\s?)*), a back-reference, or a quantifier applied to a quantifier.
 */
export function regexHazard(pattern: string): string | null {
  if (pattern.length > MAX_REGEX_CHARS) return `is longer than ${MAX_REGEX_CHARS} characters`;
  // Per open group: does it hold a quantifier or an alternation?
  const stack: Array<{ risky: boolean }> = [];
  let lastWasGroup: { risky: boolean } | null = null;
  let lastQuantified = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    let group: { risky: boolean } | null = null;
    let quantifier = false;
    if (c === '\\') {
      const n = pattern[i + 1] ?? '';
      if (/[1-9]/.test(n) || n === 'k') return 'uses a back-reference';
      i++;
    } else if (c === '[') {
      // A character class: skip to its end.
      i++;
      if (pattern[i] === '^') i++;
      if (pattern[i] === ']') i++;
      while (i < pattern.length && pattern[i] !== ']') { if (pattern[i] === '\\') i++; i++; }
    } else if (c === '(') {
      stack.push({ risky: false });
      if (pattern[i + 1] === '?') {
        const look = pattern.slice(i + 2, i + 4);
        if (/^(=|!|<=|<!)/.test(look)) return 'uses a lookaround';
        i += pattern[i + 2] === ':' ? 2 : 1;
      }
    } else if (c === ')') {
      group = stack.pop() ?? null;
      if (!group) return 'has an unbalanced )';
    } else if (c === '|') {
      if (stack.length) stack[stack.length - 1].risky = true;
    } else if (c === '*' || c === '+' || c === '?' || c === '{') {
      if (c === '{') {
        const m = /^\{(\d*)(,?)(\d*)\}/.exec(pattern.slice(i));
        if (!m) continue;
        if (Number(m[1] || 0) > 1000 || Number(m[3] || 0) > 1000) return 'has a repetition count above 1000';
        i += m[0].length - 1;
      }
      if (pattern[i + 1] === '?' || pattern[i + 1] === '+') i++; // lazy / possessive marker
      quantifier = true;
      if (lastQuantified) return 'applies a quantifier to a quantifier';
      if (lastWasGroup?.risky && c !== '?') return 'repeats a group that holds a quantifier or an alternation (catastrophic backtracking)';
      for (const g of stack) g.risky = true;
    }
    lastWasGroup = group;
    lastQuantified = quantifier;
  }
  if (stack.length) return 'has an unbalanced (';
  try {
    new RegExp(pattern);
  } catch (err) {
    return `does not compile: ${(err as Error).message}`;
  }
  return null;
}

/** The refusals that do not need the parser (module comment). */
function screen(expression: string): void {
  if (expression.length > MAX_EXPRESSION_CHARS) throw new FilterLanguageError('too-long', `expression is ${expression.length} characters; at most ${MAX_EXPRESSION_CHARS}`);
  const toks = tokenize(expression);
  let depth = 0;
  const listCounts: number[] = [];
  for (let k = 0; k < toks.length; k++) {
    const t = toks[k];
    if ((t.kind === 'ident' && FORBIDDEN.has(t.text)) || (t.kind === 'string' && FORBIDDEN.has(t.value!))) {
      throw new FilterLanguageError('forbidden-name', `'${t.kind === 'ident' ? t.text : t.value}' is not allowed in an expression (no access to constructors or prototypes), at character ${t.at + 1}`);
    }
    if (t.kind === 'ident' && t.text.startsWith('__')) {
      throw new FilterLanguageError('forbidden-name', `names starting with __ are not allowed in an expression ('${t.text}' at character ${t.at + 1})`);
    }
    if (t.kind === 'string' && t.value!.length > MAX_STRING_LITERAL) {
      throw new FilterLanguageError('huge-literal', `string literal at character ${t.at + 1} is ${t.value!.length} characters; at most ${MAX_STRING_LITERAL}`);
    }
    if (t.kind === 'number' && t.text.replace(/[^0-9]/g, '').length > MAX_NUMBER_LITERAL_DIGITS) {
      throw new FilterLanguageError('huge-literal', `number literal at character ${t.at + 1} has more than ${MAX_NUMBER_LITERAL_DIGITS} digits`);
    }
    if (t.kind === 'punct') {
      if (t.text === '(' || t.text === '[' || t.text === '{') {
        if (++depth > MAX_NESTING) throw new FilterLanguageError('too-deep', `brackets nest deeper than ${MAX_NESTING} levels at character ${t.at + 1}`);
        listCounts.push(1);
      } else if (t.text === ')' || t.text === ']' || t.text === '}') {
        depth--;
        listCounts.pop();
      } else if (t.text === ',' && listCounts.length) {
        if (++listCounts[listCounts.length - 1] > MAX_LIST_ELEMENTS) {
          throw new FilterLanguageError('huge-literal', `a list, map or call at character ${t.at + 1} has more than ${MAX_LIST_ELEMENTS} elements`);
        }
      }
    }
    // Regular expressions: only `x.matches("literal")`, and only safe patterns.
    if (t.kind === 'ident' && t.text === 'matches' && toks[k + 1]?.text === '(') {
      if (toks[k - 1]?.text !== '.') throw new FilterLanguageError('regex', "write a regular expression match as text.matches(\"pattern\") (the function form is not accepted)");
      const arg = toks[k + 2], close = toks[k + 3];
      if (arg?.kind !== 'string' || close?.text !== ')') throw new FilterLanguageError('regex', `the pattern of matches() at character ${t.at + 1} must be a string literal`);
      if (/^[rR]?[bB]|^[bB]/.test(arg.text)) throw new FilterLanguageError('regex', 'the pattern of matches() must be a string, not bytes');
      const raw = /^[rR]/.test(arg.text);
      const pattern = raw ? arg.value! : unescapeCel(arg.value!);
      const hazard = regexHazard(pattern);
      if (hazard) throw new FilterLanguageError('regex', `regular expression ${JSON.stringify(pattern.length > 60 ? `${pattern.slice(0, 60)}...` : pattern)} ${hazard}`);
    }
  }
}

/** The escapes a pattern needs undone to be read as the regex engine will (\\ -> \, \" -> "). */
function unescapeCel(s: string): string {
  return s.replace(/\\(.)/g, (_m, c: string) => (c === '\\' || c === '"' || c === "'" ? c : `\\${c}`));
}

function declare(fields: FieldDoc[]): Record<string, string> {
  return Object.fromEntries(fields.map((f) => [f.name, f.type]));
}

const LIMITS = { maxAstNodes: MAX_AST_NODES, maxDepth: MAX_NESTING * 2, maxListElements: MAX_LIST_ELEMENTS, maxMapEntries: MAX_LIST_ELEMENTS, maxCallArguments: 8 };

let checker: Environment | null = null;
let runner: Environment | null = null;

/** The declared environment: every field of fields.ts with its type. */
function checkEnv(): Environment {
  if (checker) return checker;
  class Declared {}
  const env = new Environment({ limits: LIMITS, homogeneousAggregateLiterals: false });
  for (const [name, fields] of Object.entries(VARIABLES)) {
    const type = `${name[0].toUpperCase()}${name.slice(1)}Fields`;
    env.registerType(type, { ctor: class extends Declared {}, fields: declare(fields as FieldDoc[]) });
    env.registerVariable(name, type);
  }
  env.registerType('Annotation', { ctor: class extends Declared {}, fields: declare(ANNOTATION_FIELDS) });
  env.registerVariable('annotations', 'map<string, Annotation>');
  return (checker = env);
}

/** The evaluating environment: the same variables as plain maps. */
function runEnv(): Environment {
  if (runner) return runner;
  const env = new Environment({ limits: LIMITS, homogeneousAggregateLiterals: false });
  for (const name of [...Object.keys(VARIABLES), 'annotations']) env.registerVariable(name, 'map');
  return (runner = env);
}

/** First line of a cel-js message (the rest is a caret drawing), with a hint for the common int/double slip. */
function celMessage(err: unknown): string {
  const m = String((err as Error)?.message ?? err).split('\n')[0].trim().replace(/^No such key: (\S+)/, "unknown field '$1' (the fields are listed in the README and by GET /v1/filters/fields)");
  return /overload: .*double.*int|overload: .*int.*double/.test(m) ? `${m} (numbers are doubles: write 1.0, not 1, in arithmetic)` : m;
}

/**
 * Compiles an expression, or throws FilterLanguageError naming the problem.
 * The returned function evaluates it on one alert's input (and may throw:
 * the caller counts failures).
 */
export function compileFilter(expression: string): CompiledExpression {
  if (typeof expression !== 'string' || expression.trim() === '') throw new FilterLanguageError('syntax', 'expression is empty');
  screen(expression);
  let checked: ReturnType<Environment['check']>;
  try {
    checked = checkEnv().check(expression);
  } catch (err) {
    const m = celMessage(err);
    throw new FilterLanguageError(/depth|maxDepth/i.test(m) ? 'too-deep' : /maxList|maxMap|maxAst/i.test(m) ? 'huge-literal' : 'syntax', `expression does not parse: ${m}`);
  }
  if (!checked.valid) {
    const e = checked.error as Error | undefined;
    if (e?.name === 'ParseError') throw new FilterLanguageError(/maxDepth/i.test(e.message) ? 'too-deep' : /maxList|maxMap|maxAst/i.test(e.message) ? 'huge-literal' : 'syntax', `expression does not parse: ${celMessage(e)}`);
    throw new FilterLanguageError('type', `expression does not type-check: ${celMessage(e)}`);
  }
  if (checked.type !== 'bool') throw new FilterLanguageError('not-bool', `expression gives a ${checked.type}, not a bool (a filter says yes or no)`);
  const fn = runEnv().parse(expression);
  return fn as unknown as CompiledExpression;
}
