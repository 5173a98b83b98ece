// Child process for the filters' crash test: the file pipeline with the users'
// filters of a service store, over a folder in small batches, slowly; the
// parent kills it with SIGKILL at random moments.
import path from 'node:path';
import { FilterStage } from '../../src/stream/stages/filters.js';
import { StreamPipeline } from '../../src/stream/pipeline.js';
import { DirSink } from '../../src/stream/sinks/dir.js';
import { fileBatches } from '../../src/stream/sources/file.js';

const [src, dataDir, out, serviceDir] = process.argv.slice(2);
const filters = FilterStage.open(serviceDir);
const p = new StreamPipeline({ dataDir, sink: new DirSink(out), cutouts: false, parquet: false, filters });
await p.recover();
for (const batch of fileBatches(path.resolve(src), 3)) {
  await p.handle(batch);
  await new Promise((r) => setTimeout(r, 30));
}
await p.close(); // closes the stages: the filters' store too
process.stdout.write('done\n');
