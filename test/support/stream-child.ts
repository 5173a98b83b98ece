// Child process for the crash test: runs the file pipeline over a folder in
// small batches; the parent kills it with SIGKILL at random moments.
import path from 'node:path';
import { StreamPipeline } from '../../src/stream/pipeline.js';
import { DirSink } from '../../src/stream/sinks/dir.js';
import { fileBatches } from '../../src/stream/sources/file.js';

const [src, dataDir, out] = process.argv.slice(2);
const p = new StreamPipeline({ dataDir, sink: new DirSink(out) });
await p.recover();
// A slow consumer (30 ms per batch of 3 files), so that kills land mid-run.
for (const batch of fileBatches(path.resolve(src), 3)) {
  await p.handle(batch);
  await new Promise((r) => setTimeout(r, 30));
}
await p.close();
process.stdout.write('done\n');
