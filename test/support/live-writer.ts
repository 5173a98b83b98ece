// Child process for the crash test: commits batches of rows forever and
// prints the number of each batch once its transaction has returned.
import { open } from 'lmdb';
import { LiveCatalog } from '../../src/catalog/live.js';

const dir = process.argv[2];
const batchSize = Number(process.argv[3] ?? 500);
const env = open({ path: dir, maxDbs: 8 });
const live = LiveCatalog.open(env, 'crash');
for (let b = 0; ; b++) {
  env.transactionSync(() => {
    for (let i = 0; i < batchSize; i++) {
      const id = b * batchSize + i;
      live.upsertInTxn({ id, ra: (id * 0.137) % 360, dec: ((id * 0.071) % 180) - 90, data: { batch: b } });
    }
  });
  process.stdout.write(`${b}\n`);
}
