// A writer for the objects benchmark: commits a batch of new objects and
// detections to the stream store every 100 ms (about what a night's ZTF
// stream commits), so the reads of `skyjoin serve` are measured while the
// same LMDB environment is being written. Runs until killed.
//   node dist/bench/lib/objects-writer.js DATA_DIR PER_BATCH

import { uniformSky } from '../../src/sky/random.js';
import { StreamStore, type ObjectRecord } from '../../src/stream/store.js';

const [dataDir, perBatchArg] = process.argv.slice(2);
const perBatch = Number(perBatchArg ?? 200);
const store = StreamStore.at(dataDir);
let seed = 1000;
setInterval(() => {
  const sky = uniformSky(perBatch, seed++);
  store.env.transactionSync(() => {
    for (let i = 0; i < perBatch; i++) {
      const id = store.objects.nextIdInTxn();
      const o: ObjectRecord = { id, aliases: [`ztf:BENCH${id}`], nDetections: 1, firstMjd: 60000, lastMjd: 60000, sx: 0, sy: 0, sz: 0, ra: sky.ra[i], dec: sky.dec[i], latest: {}, surveys: ['ztf'] };
      store.objects.upsertInTxn({ id, ra: o.ra, dec: o.dec, data: o });
      const alertId = String(9_000_000_000_000_000 + id);
      store.detections.put(alertId, { alertId, objectId: id, survey: 'ztf', mjd: 60000, night: '20230225', band: 'g', ra: o.ra, dec: o.dec, mag: 19, magErr: 0.1, from: 'alert' });
      store.detectionsByObject.put([id, alertId], 1);
    }
  });
}, 100);
