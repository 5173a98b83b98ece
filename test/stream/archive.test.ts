// The raw-alert archive: appends to more files than it keeps open, and an
// append that ends short of an uncommitted attempt leaves only committed bytes.

import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AlertArchive } from '../../src/stream/archive.js';
import { readContainer } from '../../src/stream/decoding/container.js';
import { StreamStore } from '../../src/stream/store.js';

const SCHEMA = JSON.stringify({ type: 'record', name: 'r', fields: [{ name: 'b', type: 'bytes' }] });
// One Avro record of that schema: bytes of length n (zig-zag varint), then the bytes.
const rec = (n: number, fill: number) => Uint8Array.from([n * 2, ...new Array<number>(n).fill(fill)]);

const dirs: string[] = [];
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

function setup(maxOpenFiles: number) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'skyjoin-archive-'));
  dirs.push(dir);
  const store = new StreamStore(path.join(dir, 'stream'));
  return { store, archive: new AlertArchive(path.join(dir, 'archive'), store, { maxOpenFiles }) };
}

describe('alert archive', () => {
  it('keeps every file whole when it appends to more files than it holds open', async () => {
    const { store, archive } = setup(2);
    const want = new Map<string, number[]>();
    // Round robin over 5 partitions with room for 2 descriptors: each append reopens a closed file.
    for (let round = 0; round < 4; round++) {
      for (let p = 0; p < 5; p++) {
        const fill = round * 16 + p;
        const rel = store.env.transactionSync(() => archive.appendInTxn('ztf', '20240101', SCHEMA, p, [rec(3, fill), rec(1, fill)]));
        want.set(rel, [...(want.get(rel) ?? []), fill, fill]);
      }
    }
    archive.closeFiles();
    expect(want.size).toBe(5);
    for (const [rel, fills] of want) {
      const { raws } = readContainer(readFileSync(path.join(archive.root, rel)));
      expect(raws.map((r) => r[1])).toEqual(fills);
    }
    await store.close();
  });

  it('cuts the tail an uncommitted longer append left behind', async () => {
    const { store, archive } = setup(8);
    const rel = store.env.transactionSync(() => archive.appendInTxn('ztf', '20240101', SCHEMA, 0, [rec(2, 1)]));
    const committed = statSync(path.join(archive.root, rel)).size;
    // An attempt whose transaction fails: its bytes reach the file, its length is not recorded.
    expect(() => store.env.transactionSync(() => {
      archive.appendInTxn('ztf', '20240101', SCHEMA, 0, [rec(60, 7), rec(60, 7)]);
      throw new Error('abort');
    })).toThrow('abort');
    expect(statSync(path.join(archive.root, rel)).size).toBeGreaterThan(committed);
    store.env.transactionSync(() => archive.appendInTxn('ztf', '20240101', SCHEMA, 0, [rec(1, 9)]));
    archive.closeFiles();
    const bytes = readFileSync(path.join(archive.root, rel));
    expect(readContainer(bytes).raws.map((r) => Array.from(r))).toEqual([[4, 1, 1], [2, 9]]);
    // Nothing of the aborted attempt is left after the last block's sync marker.
    expect(bytes.length).toBe(committed + 1 + 1 + 2 + 16);
    await store.close();
  });
});
