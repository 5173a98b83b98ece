// A real Kafka-protocol broker for tests: librdkafka's mock cluster, run by
// tools/kafka-mock/launcher.c in a child process (see tools/kafka-mock/README.md
// for the kafkajs settings that work well against it).
import { spawn, execFile, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface KafkaMockOptions {
  /** Number of brokers, ids 1..brokers (default 1). */
  brokers?: number;
  /** Topics to create before the cluster is announced: name → partition count. */
  topics?: Record<string, number>;
  /** How long to wait for the cluster to listen (default 15 000 ms). */
  startTimeoutMs?: number;
}

export interface KafkaMock {
  /** host:port of every broker, for kafkajs' `brokers`. */
  bootstrap: string[];
  /** Creates a topic now (kafkajs' admin.createTopics does not work on the mock). */
  createTopic(name: string, partitions: number): Promise<void>;
  /** Disconnects a broker and refuses new connections; leadership does not move. -1: all brokers. */
  brokerDown(id: number): Promise<void>;
  /** Lets a broker accept connections again. -1: all brokers. */
  brokerUp(id: number): Promise<void>;
  /** Moves a partition's leader to another broker (-1: leaderless). */
  setLeader(topic: string, partition: number, brokerId: number): Promise<void>;
  /** Answers the next `count` requests of a Kafka API (by key: 11 JoinGroup, 14 SyncGroup, ...) with an error code. */
  pushRequestErrors(apiKey: number, errorCode: number, count: number): Promise<void>;
  /** Ends the cluster; idempotent. */
  stop(): Promise<void>;
}

// test/support/ when run from the sources; dist/test/support/ when compiled with the benchmarks.
const HERE = fileURLToPath(new URL('.', import.meta.url));
const REPO_ROOT = [path.resolve(HERE, '../..'), path.resolve(HERE, '../../..')]
  .find((d) => existsSync(path.join(d, 'tools/kafka-mock/launcher.c'))) ?? path.resolve(HERE, '../..');
const SOURCE = path.join(REPO_ROOT, 'tools/kafka-mock/launcher.c');
const CACHE_DIR = path.join(REPO_ROOT, 'node_modules/.cache/skyjoin');
const CC_FLAGS = ['-O2', '-Wall'];
const TOPIC_RE = /^[A-Za-z0-9._-]{1,249}$/;
const COMMAND_TIMEOUT_MS = 10_000;
const STDERR_KEEP = 16 * 1024;

let building: Promise<string> | undefined;

/** Path of the launcher binary, compiled once per source version (and cached across runs). */
export function buildKafkaMockLauncher(): Promise<string> {
  building ??= build().catch((err: unknown) => {
    building = undefined; // let a later call retry, e.g. after installing the package
    throw err;
  });
  return building;
}

async function build(): Promise<string> {
  const cc = process.env.CC || 'cc';
  const source = readFileSync(SOURCE);
  const hash = createHash('sha256')
    .update(source)
    .update(`\0${cc}\0${CC_FLAGS.join(' ')}\0${process.platform}-${process.arch}`)
    .digest('hex')
    .slice(0, 16);
  const bin = path.join(CACHE_DIR, `kafka-mock-${hash}`);
  if (existsSync(bin)) return bin;
  mkdirSync(CACHE_DIR, { recursive: true });
  // Other test files may build at the same moment: each writes its own file, renames are atomic.
  const tmp = `${bin}.${process.pid}.tmp`;
  try {
    await new Promise<void>((resolve, reject) => {
      execFile(cc, [...CC_FLAGS, '-o', tmp, SOURCE, '-lrdkafka', '-lpthread'], (err, _out, stderr) => {
        if (!err) return resolve();
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
          return reject(
            new Error(
              `kafka-mock: no C compiler '${cc}' on PATH; install one ` +
                `(Debian: apt-get install -y --no-install-recommends gcc libc6-dev)`,
            ),
          );
        }
        const missingLib = /rdkafka(_mock)?\.h|-lrdkafka/.test(stderr);
        reject(
          new Error(
            (missingLib
              ? 'kafka-mock: librdkafka development files are missing; install the Debian package ' +
                'librdkafka-dev (apt-get install -y --no-install-recommends librdkafka-dev)\n'
              : `kafka-mock: compiling ${SOURCE} failed\n`) + stderr,
          ),
        );
      });
    });
    renameSync(tmp, bin);
  } finally {
    rmSync(tmp, { force: true });
  }
  return bin;
}

const live = new Set<ChildProcessWithoutNullStreams>();
let exitHooked = false;

function hookExit(): void {
  if (exitHooked) return;
  exitHooked = true;
  // Synchronous last resort; a crashed process is covered by the launcher exiting on stdin EOF.
  process.once('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
}

function checkInt(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new TypeError(`${name} must be an integer, got ${String(value)}`);
  }
  if (value < min || value > max) throw new RangeError(`${name} must be in [${min}, ${max}], got ${value}`);
  return value;
}

function checkTopic(name: unknown): string {
  if (typeof name !== 'string' || !TOPIC_RE.test(name)) {
    throw new TypeError(`topic name must be 1..249 chars of [A-Za-z0-9._-], got ${JSON.stringify(name)}`);
  }
  return name;
}

/** Starts a mock Kafka cluster on loopback; call stop() when done. */
export async function startKafkaMock(opts: KafkaMockOptions = {}): Promise<KafkaMock> {
  const brokers = checkInt('brokers', opts.brokers ?? 1, 1, 64);
  const args = ['-b', String(brokers)];
  for (const [name, partitions] of Object.entries(opts.topics ?? {})) {
    checkTopic(name);
    checkInt(`partitions of topic ${name}`, partitions, 1, 100_000);
    args.push(`${name}:${partitions}`);
  }
  const startTimeoutMs = checkInt('startTimeoutMs', opts.startTimeoutMs ?? 15_000, 1, 600_000);

  const bin = await buildKafkaMockLauncher();
  const child = spawn(bin, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  live.add(child);
  hookExit();

  let stderr = '';
  let stdoutBuf = '';
  let exited = false;
  let exitReason = '';
  let onBootstrap: ((line: string) => void) | undefined;
  const waiting: { resolve: (line: string) => void; reject: (err: Error) => void }[] = [];
  const failAll = (err: Error) => {
    for (const w of waiting.splice(0)) w.reject(err);
  };
  const withStderr = (msg: string) => (stderr.trim() ? `${msg}\nlauncher stderr:\n${stderr.trimEnd()}` : msg);

  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-STDERR_KEEP);
    if (process.env.KAFKA_MOCK_DEBUG) process.stderr.write(chunk);
  });
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    stdoutBuf += chunk;
    let nl: number;
    while ((nl = stdoutBuf.indexOf('\n')) >= 0) {
      const line = stdoutBuf.slice(0, nl);
      stdoutBuf = stdoutBuf.slice(nl + 1);
      if (onBootstrap) onBootstrap(line);
      else waiting.shift()?.resolve(line);
    }
  });
  child.stdin.on('error', () => {
    /* EPIPE after the launcher died: reported through 'exit' */
  });
  const exitedP = new Promise<void>((resolve) => {
    const done = (reason: string) => {
      if (exited) return;
      exited = true;
      exitReason = reason;
      live.delete(child);
      failAll(new Error(withStderr(`kafka-mock: launcher ${reason}`)));
      resolve();
    };
    child.on('exit', (code, signal) => done(signal ? `killed by ${signal}` : `exited with code ${code}`));
    child.on('error', (err) => done(`failed: ${err.message}`));
  });

  const bootstrapLine = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(withStderr(`kafka-mock: no BOOTSTRAP line within ${startTimeoutMs} ms`)));
    }, startTimeoutMs);
    onBootstrap = (line) => {
      onBootstrap = undefined;
      clearTimeout(timer);
      if (line.startsWith('BOOTSTRAP ')) return resolve(line.slice('BOOTSTRAP '.length).trim());
      child.kill('SIGKILL');
      reject(new Error(withStderr(`kafka-mock: expected a BOOTSTRAP line, got ${JSON.stringify(line)}`)));
    };
    void exitedP.then(() => {
      clearTimeout(timer);
      reject(new Error(withStderr(`kafka-mock: launcher ${exitReason} before announcing the cluster`)));
    });
  });

  // The launcher answers in order, so a FIFO of waiters pairs replies with commands.
  const command = (line: string): Promise<string> => {
    if (exited) return Promise.reject(new Error(withStderr(`kafka-mock: launcher ${exitReason}`)));
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(withStderr(`kafka-mock: no answer to '${line}' within ${COMMAND_TIMEOUT_MS} ms`))),
        COMMAND_TIMEOUT_MS,
      );
      waiting.push({
        resolve: (reply) => {
          clearTimeout(timer);
          if (reply.startsWith('OK')) resolve(reply);
          else reject(new Error(`kafka-mock: '${line}' failed: ${reply.replace(/^ERR /, '')}`));
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      });
      child.stdin.write(`${line}\n`);
    });
  };

  let stopping: Promise<void> | undefined;
  return {
    bootstrap: bootstrapLine.split(',').filter(Boolean),
    async createTopic(name, partitions) {
      checkTopic(name);
      checkInt('partitions', partitions, 1, 100_000);
      await command(`topic ${name} ${partitions}`);
    },
    async brokerDown(id) {
      await command(`down ${checkInt('broker id', id, -1, brokers)}`);
    },
    async brokerUp(id) {
      await command(`up ${checkInt('broker id', id, -1, brokers)}`);
    },
    async setLeader(topic, partition, brokerId) {
      checkTopic(topic);
      checkInt('partition', partition, 0, 100_000);
      checkInt('broker id', brokerId, -1, brokers);
      await command(`leader ${topic} ${partition} ${brokerId}`);
    },
    async pushRequestErrors(apiKey, errorCode, count) {
      await command(`errors ${checkInt('api key', apiKey, 0, 1000)} ${checkInt('error code', errorCode, -1, 10_000)} ${checkInt('count', count, 1, 100_000)}`);
    },
    stop() {
      stopping ??= (async () => {
        if (exited) return;
        child.stdin.end('quit\n');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exitedP;
        clearTimeout(timer);
      })();
      return stopping;
    },
  };
}
