// skyjoin <command> [flags]: one file per command, loaded on demand.

import { CatalogInputError } from '../catalog/csv.js';
import { ConfigError } from '../catalog/set.js';
import { CliError } from './errors.js';

type Command = (argv: string[]) => Promise<number>;

const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  xmatch: { summary: 'crossmatch sources against a catalog (CSV, CSV.gz or built .arrow)', load: async () => (await import('./xmatch.js')).xmatchCommand },
  pixel: { summary: 'HEALPix / HTM pixel id of each row of a file', load: async () => (await import('./pixel.js')).pixelCommand },
  cover: { summary: 'HEALPix / HTM id ranges covering a circle', load: async () => (await import('./cover.js')).coverCommand },
  serve: { summary: 'the crossmatch service over HTTP (catalogs, cone, sources, watch lists)', load: async () => (await import('./serve.js')).serveCommand },
  stream: { summary: 'ingest alert streams (Kafka or files): objects, history, storage, outputs', load: async () => (await import('./stream.js')).streamCommand },
  replay: { summary: 'replay alert files to Kafka at a set rate, optionally multiplied on the sky (load generator)', load: async () => (await import('./replay.js')).replayCommand },
  keys: { summary: 'create, list and revoke API keys of the service', load: async () => (await import('./keys.js')).keysCommand },
  catalog: { summary: 'build, inspect and export memory-mapped Arrow catalogs', load: async () => (await import('./catalog.js')).catalogCommand },
};

export function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`);
  return `usage: skyjoin <command> [options]\n\ncommands:\n${lines.join('\n')}\n\nRun 'skyjoin <command> --help' for a command's options.`;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${usage()}\n`);
    return name ? 0 : 2;
  }
  const cmd = COMMANDS[name];
  if (!cmd) {
    process.stderr.write(`skyjoin: unknown command '${name}'\n${usage()}\n`);
    return 2;
  }
  try {
    return await (await cmd.load())(rest);
  } catch (err) {
    if (err instanceof CliError) {
      process.stderr.write(`skyjoin ${name}: ${err.message}\n`);
      return err.exitCode;
    }
    if (err instanceof CatalogInputError || err instanceof ConfigError || err instanceof RangeError || err instanceof TypeError) {
      process.stderr.write(`skyjoin ${name}: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}
