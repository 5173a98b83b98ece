// Flag parsing shared by the commands (node:util parseArgs, strict). Every
// command answers --help / -h with its usage; a mistake is one line naming
// the flag, with a pointer to the command's --help.

import { parseArgs, type ParseArgsConfig } from 'node:util';
import { HelpRequest, UsageError } from './errors.js';

export type Options = NonNullable<ParseArgsConfig['options']>;
export type Values = Record<string, string | boolean | string[] | undefined>;

/** "see 'skyjoin catalog build --help'", from the usage text's first line. */
export function helpHint(usage: string): string {
  const m = /^usage: (skyjoin(?: [a-z][a-z-]*)*)/.exec(usage);
  return m ? ` (see '${m[1]} --help')` : '';
}

/** The closest known flag to a mistyped one, when it is close enough to be a typo. */
function closest(name: string, known: string[]): string | undefined {
  let best: string | undefined, bestD = Math.max(2, Math.floor(name.length / 3)) + 1;
  for (const k of known) {
    const d = editDistance(name, k);
    if (d < bestD) { best = k; bestD = d; }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}

/** parseArgs' message, as one line of ours. */
function usageMessage(err: NodeJS.ErrnoException, options: Options): string {
  const msg = err.message;
  let m: RegExpExecArray | null;
  if (err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && (m = /Unknown option '([^']+)'/.exec(msg))) {
    const guess = m[1].startsWith('--') ? closest(m[1].slice(2), Object.keys(options)) : undefined;
    return `unknown option '${m[1]}'${guess ? `; did you mean --${guess}?` : ''}`;
  }
  if ((m = /^Option '(-[^' ]+)(?: <value>)?' argument missing/.exec(msg))) return `${m[1]} needs a value`;
  if ((m = /^Option '(-[^' ]+)' does not take an argument/.exec(msg))) return `${m[1]} takes no value`;
  if ((m = /^Option '(-[^' ]+)' argument is ambiguous/.exec(msg))) return `${m[1]} needs a value (for a value starting with '-', write ${m[1]}=VALUE)`;
  if ((m = /^Unexpected argument '([^']*)'/.exec(msg))) return `unexpected argument '${m[1]}'`;
  return msg.split('\n')[0];
}

export function parse(
  argv: string[], options: Options, usage: string, allowPositionals = false,
): { values: Values; positionals: string[] } {
  const all: Options = { help: { type: 'boolean', short: 'h' }, ...options };
  // A negative number is a value, not a flag: `--dec -20` means `--dec=-20`.
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const name = a.startsWith('--') ? a.slice(2) : '';
    if (name && all[name]?.type === 'string' && i + 1 < argv.length && /^-(\d|\.\d)/.test(argv[i + 1])) {
      args.push(`${a}=${argv[++i]}`);
    } else {
      args.push(a);
    }
  }
  let parsed;
  try {
    parsed = parseArgs({ args, options: all, allowPositionals, strict: true });
  } catch (err) {
    if (argv.includes('--help') || argv.includes('-h')) throw new HelpRequest(usage);
    throw new UsageError(`${usageMessage(err as NodeJS.ErrnoException, all)}${helpHint(usage)}`);
  }
  if (parsed.values.help) throw new HelpRequest(usage);
  return { values: parsed.values as Values, positionals: parsed.positionals };
}

export function requireString(values: Record<string, unknown>, name: string, usage: string): string {
  const v = values[name];
  if (typeof v !== 'string' || v === '') throw new UsageError(`--${name} is required${helpHint(usage)}`);
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
    if (opts.required) throw new UsageError(`--${name} is required${helpHint(usage)}`);
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
