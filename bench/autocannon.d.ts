// autocannon ships no types; the benchmark uses a small part of its API.
declare module 'autocannon' {
  interface Result {
    requests: { average: number; total: number };
    latency: { p50: number; p97_5: number; p99: number; max: number };
    errors: number;
    non2xx: number;
  }
  interface Request {
    method?: string;
    path?: string;
    setupRequest?: (req: Request) => Request;
  }
  interface Options {
    url: string;
    connections?: number;
    duration?: number;
    pipelining?: number;
    /** Requests per second over all connections (0: as fast as possible). */
    overallRate?: number;
    requests?: Request[];
  }
  function autocannon(opts: Options, cb: (err: Error | null, res: Result) => void): unknown;
  namespace autocannon { export type { Result, Request, Options }; }
  export default autocannon;
}
