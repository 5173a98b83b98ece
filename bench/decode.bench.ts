// How fast do real alert packets decode on one core?
//
//   npm run bench -- decode      (SKYJOIN_BENCH_SECONDS per case, default 3)
//
// All real ZTF packets (schemas 3.0-4.02, cutouts included) are read into
// memory once, then decoded over and over, as a consumer would see them
// arrive from Kafka. Cases:
//   - AlertDecoder.decodeWithRaw: what the stream runs (container + cached
//     writer type + normalisation to Alert + the raw bytes for the archive);
//   - readContainer: the Avro part alone (raw records);
//   - parse per message: avsc compiling the writer schema for every message
//     (what the type cache avoids), for comparison;
//   - Rubin: the 100 Fink alerts (one container) and the Confluent-wire sample.
// Plain timing loop: one warm-up pass, then whole passes until the time is up.

import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import avro from 'avsc';
import { dropBadDefaults } from '../src/stream/decoding/avro-types.js';
import { readContainer, readHeader } from '../src/stream/decoding/container.js';
import { AlertDecoder } from '../src/stream/decoding/decoder.js';
import { type Row, report } from './lib/results.js';

const DATA = path.resolve(process.env.SKYJOIN_DATA ?? '../shared/data');
const SECONDS = Number(process.env.SKYJOIN_BENCH_SECONDS ?? 3);

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]))
    .sort();
}

interface Case {
  name: string;
  messages: Buffer[];
  /** Decodes one message, returns how many alerts it held. */
  run: (m: Buffer) => number | Promise<number>;
}

async function measure(c: Case, seconds: number): Promise<Row> {
  const bytes = c.messages.reduce((n, m) => n + m.length, 0);
  let alertsPerPass = 0;
  for (const m of c.messages) alertsPerPass += await c.run(m); // warm-up (and type cache fill)
  let passes = 0;
  const t0 = performance.now();
  let elapsed = 0;
  do {
    for (const m of c.messages) await c.run(m);
    passes++;
    elapsed = (performance.now() - t0) / 1000;
  } while (elapsed < seconds);
  const alerts = alertsPerPass * passes;
  return {
    case: c.name,
    messages: c.messages.length,
    alerts: alerts,
    seconds: Number(elapsed.toFixed(2)),
    'alerts/s': Math.round(alerts / elapsed),
    'µs/alert': Number(((elapsed * 1e6) / alerts).toFixed(1)),
    'MB/s': Number(((bytes * passes) / elapsed / 1e6).toFixed(1)),
  };
}

export async function runDecode(): Promise<void> {
  const ztf = walk(path.join(DATA, 'ztf/alerts')).map((f) => readFileSync(f));
  const fink = [readFileSync(path.join(DATA, 'lsst/real_alerts_fink/fink_lsst_v9_0_20250906_100alerts.avro'))];
  const wire = [readFileSync(path.join(DATA, 'lsst/samples/pittgoogle_lsst_v11_1_confluent_wire.avro'))];

  const decoder = new AlertDecoder({ lsstSchemas: path.join(DATA, 'lsst/schema') });

  /** What the cache saves: compile the writer schema, then decode the records. */
  function parsePerMessage(m: Buffer): number {
    const h = readHeader(m);
    avro.Type.forSchema(dropBadDefaults(JSON.parse(h.schemaText)) as avro.Schema, { wrapUnions: false } as never);
    return readContainer(m).records.length;
  }

  const cases: Case[] = [
    { name: 'ZTF AlertDecoder.decodeWithRaw (cached type)', messages: ztf, run: async (m) => (await decoder.decodeWithRaw(m)).length },
    { name: 'ZTF readContainer only (cached type)', messages: ztf, run: (m) => readContainer(m).records.length },
    { name: 'ZTF parse schema per message', messages: ztf, run: parsePerMessage },
    { name: 'Rubin Fink container, 100 alerts', messages: fink, run: async (m) => (await decoder.decodeWithRaw(m)).length },
    { name: 'Rubin Confluent wire (11.1 sample)', messages: wire, run: async (m) => (await decoder.decodeWithRaw(m)).length },
  ];

  const rows: Row[] = [];
  for (const c of cases) {
    // The per-message parse case is ~50x slower: a shorter run says enough.
    const row = await measure(c, c.name.includes('per message') ? Math.min(SECONDS, 1.5) : SECONDS);
    rows.push(row);
    console.log(`${row.case}: ${row['alerts/s']} alerts/s`);
  }

  report('decode', 'Alert decoding on one core (real packets, bytes in memory)', rows, {
    data: {
      ztfMessages: ztf.length,
      ztfAlerts: ztf.reduce((n, m) => n + readContainer(m).records.length, 0),
      ztfBytes: ztf.reduce((n, m) => n + m.length, 0),
    },
    method: 'plain timing loop over all messages, one warm-up pass, whole passes until the time per case is up; single thread',
    secondsPerCase: SECONDS,
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await runDecode();
