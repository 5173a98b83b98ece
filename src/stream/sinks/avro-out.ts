// Avro encodings of the output streams, with the schemas published in
// schemas/*.avsc. Placeholder until the annotated schema lands.

import type { OutRecord } from './sink.js';

export interface AvroOutputs {
  write(stream: string, records: readonly OutRecord[]): void;
  encode(stream: string, records: readonly OutRecord[]): Buffer[] | undefined;
  schemaName(stream: string): string;
  flush(): void;
  close(): void;
}
