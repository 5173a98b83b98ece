// Flag parsing shared by the commands (node:util parseArgs, strict).

import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './errors.js';

export type Options = NonNullable<ParseArgsConfig['options']>;

export function parse(
  argv: string[], options: Options, usage: string, allowPositionals = false,
): { values: Record<string, string | boolean | string[] | undefined>; positionals: string[] } {
  // A negative number is a value, not a flag: `--dec -20` means `--dec=-20`.
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const name = a.startsWith('--') ? a.slice(2) : '';
    if (name && options[name]?.type === 'string' && i + 1 < argv.length && /^-(\d|\.\d)/.test(argv[i + 1])) {
      args.push(`${a}=${argv[++i]}`);
    } else {
      args.push(a);
    }
  }
  try {
    const { values, positionals } = parseArgs({ args, options, allowPositionals, strict: true });
    return { values: values as Record<string, string | boolean | string[] | undefined>, positionals };
  } catch (err) {
    throw new UsageError(`${(err as Error).message}\n${usage}`);
  }
}

export function requireString(values: Record<string, unknown>, name: string, usage: string): string {
  const v = values[name];
  if (typeof v !== 'string' || v === '') throw new UsageError(`--${name} is required\n${usage}`);
  return v;
}

export function optionalString(values: Record<string, unknown>, name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
}

/** A number flag: finite, within [min, max]; the message names the flag and the value. */
export function numberFlag(
  values: Record<string, unknown>, name: string, opts: { min?: number; max?: number; integer?: boolean; required?: boolean; def?: number },
  usage: string,
): number {
  const raw = values[name];
  if (raw === undefined) {
    if (opts.def !== undefined) return opts.def;
    if (opts.required) throw new UsageError(`--${name} is required\n${usage}`);
    return NaN;
  }
  const v = Number(raw);
  const min = opts.min ?? -Infinity, max = opts.max ?? Infinity;
  if (typeof raw !== 'string' || raw.trim() === '' || !Number.isFinite(v) || v < min || v > max || (opts.integer && !Number.isInteger(v))) {
    const range = `${opts.integer ? 'an integer' : 'a number'}${Number.isFinite(min) ? ` >= ${min}` : ''}${Number.isFinite(max) ? ` and <= ${max}` : ''}`;
    throw new UsageError(`--${name} must be ${range}, got '${String(raw)}'`);
  }
  return v;
}

export function choiceFlag<T extends string>(
  values: Record<string, unknown>, name: string, choices: readonly T[], def: T,
): T {
  const raw = values[name];
  if (raw === undefined) return def;
  if (typeof raw === 'string' && (choices as readonly string[]).includes(raw)) return raw as T;
  throw new UsageError(`--${name} must be one of ${choices.join('|')}, got '${String(raw)}'`);
}
