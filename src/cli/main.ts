// skyjoin <command> [flags]: one file per command, loaded when that command
// runs. Nothing heavy is imported here (no Arrow, LMDB, Fastify, kafkajs):
// `skyjoin --version` and the usage cost a Node start and little more.
//
// Every failure is one line on stderr and an exit code: 0 success, 1 bad
// input or a failure while running, 2 bad usage. An unexpected error is one
// line too; SKYJOIN_DEBUG=1 adds its stack.

import { readFileSync } from 'node:fs';
import { fsReason, isSystemError } from '../catalog/fs-errors.js';
import { CliError, HelpRequest } from './errors.js';

type Command = (argv: string[]) => Promise<number>;

const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  xmatch: { summary: 'crossmatch sources against a catalog (CSV, CSV.gz, Parquet or built .arrow)', load: async () => (await import('./xmatch.js')).xmatchCommand },
  pixel: { summary: 'HEALPix / HTM pixel id of each row of a file', load: async () => (await import('./pixel.js')).pixelCommand },
  cover: { summary: 'HEALPix / HTM id ranges covering a circle', load: async () => (await import('./cover.js')).coverCommand },
  serve: { summary: 'the crossmatch service over HTTP (catalogs, cone, sources, watch lists, subscriptions)', load: async () => (await import('./serve.js')).serveCommand },
  stream: { summary: 'ingest alert streams (Kafka or files): objects, history, storage, outputs', load: async () => (await import('./stream.js')).streamCommand },
  notify: { summary: 'deliver queued notifications (webhook, Slack, e-mail, VOEvent) without running the stream', load: async () => (await import('./notify.js')).notifyCommand },
  replay: { summary: 'replay alert files to Kafka at a set rate, optionally multiplied on the sky (load generator)', load: async () => (await import('./replay.js')).replayCommand },
  keys: { summary: 'create, list and revoke API keys of the service', load: async () => (await import('./keys.js')).keysCommand },
  catalog: { summary: 'build, inspect and export memory-mapped Arrow catalogs', load: async () => (await import('./catalog.js')).catalogCommand },
};

export function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`);
  return `usage: skyjoin <command> [options]\n       skyjoin --version\n\ncommands:\n${lines.join('\n')}\n\n` +
    `Run 'skyjoin <command> --help' for a command's options.\nExit codes: 0 success, 1 bad input or failure, 2 bad usage.`;
}

/** skyjoin's version, from its package.json (dist/src/cli -> ../../.., src/cli -> ../..). */
export function version(): string {
  for (const up of ['../../../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(up, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'skyjoin' && pkg.version) return pkg.version;
    } catch {
      // try the next place
    }
  }
  return 'unknown';
}

// Errors that say what the user did wrong (bad input file, bad config, bad
// value given to the library, an output that cannot be written): told apart by
// name so that checking them loads none of their modules.
const USER_ERRORS = new Set(['CatalogInputError', 'ConfigError', 'OutputError', 'RangeError', 'TypeError', 'ReplayError', 'KafkaConfigError', 'KafkaConnectError', 'SchemaRegistryConfigError']);

/** The one line an error is reported as, and its exit code. */
export function describeError(err: unknown): { line: string; code: number; expected: boolean } {
  if (err instanceof CliError) return { line: err.message, code: err.exitCode, expected: true };
  if (isSystemError(err)) {
    const where = err.path ? `${err.path}: ` : '';
    return { line: `${where}${fsReason(err)}`, code: 1, expected: true };
  }
  if (err instanceof Error && USER_ERRORS.has(err.name)) return { line: err.message, code: 1, expected: true };
  const msg = err instanceof Error ? err.message.split('\n')[0] : String(err);
  return { line: `unexpected error: ${msg}`, code: 1, expected: false };
}

/** Writes the report of an error on stderr; returns the exit code. */
export function reportError(prefix: string, err: unknown): number {
  const { line, code, expected } = describeError(err);
  const debug = process.env.SKYJOIN_DEBUG === '1';
  const hint = !expected && !debug ? ' (SKYJOIN_DEBUG=1 shows where)' : '';
  process.stderr.write(`${prefix}: ${line}${hint}\n`);
  if (debug && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
  return code;
}

/** Runs a command line; returns the exit code. Errors are reported, never thrown. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--version' || name === '-V') {
    process.stdout.write(`skyjoin ${version()}\n`);
    return 0;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${usage()}\n`);
    return 0;
  }
  if (!name) {
    process.stderr.write(`${usage()}\n`);
    return 2;
  }
  const cmd = COMMANDS[name];
  if (!cmd) {
    process.stderr.write(`skyjoin: unknown command '${name}' (see 'skyjoin --help')\n`);
    return 2;
  }
  try {
    return await (await cmd.load())(rest);
  } catch (err) {
    if (err instanceof HelpRequest) {
      process.stdout.write(`${err.text}\n`);
      return 0;
    }
    // The reader of our output left (`| head`): nothing more to say, as Unix tools do.
    if ((err as NodeJS.ErrnoException).code === 'EPIPE') return 0;
    return reportError(`skyjoin ${name}`, err);
  }
}

/**
 * The process around main (bin/skyjoin.js): a reader that closes stdout early
 * (`skyjoin ... | head`) ends the run quietly with 0, as Unix tools do; an
 * error that escapes every handler is still one line and exit 1.
 */
export async function run(argv: string[]): Promise<void> {
  const prefix = argv[0] && COMMANDS[argv[0]] ? `skyjoin ${argv[0]}` : 'skyjoin';
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    process.exit(reportError(prefix, err));
  });
  const fatal = (err: unknown) => process.exit(reportError(prefix, err));
  process.on('uncaughtException', fatal);
  process.on('unhandledRejection', fatal);
  process.exitCode = await main(argv);
}
