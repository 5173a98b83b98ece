// A `skyjoin stream` process's life in a Kafka consumer group: joining,
// consuming (KafkaSource, kafka.ts), leaving when stopped or idle, and
// replacing a consumer that crashed for good. Idle time counts from joining
// and not while a rebalance is under way; with an end time (the night's
// conductor) the group is left once idle past it.

import { PLAINTEXT, type KafkaAuth } from '../kafka/auth-config.js';
import { KafkaConnectError, kafkaFailure } from '../kafka/connect-check.js';
import { nightOver, sleep } from '../night.js';
import { KafkaSource, type BatchHandler, type KafkaSourceOptions } from './kafka.js';

export interface GroupConsumeOptions {
  brokers: string[];
  topics: string[];
  /** The consumer group (with any instance suffix already applied). */
  group: string;
  /** TLS / SASL (--kafka-config); default plaintext. */
  auth?: KafkaAuth;
  /** Consumer timings and batch size (test-friendly values on the mock). */
  consumer?: Pick<KafkaSourceOptions, 'sessionTimeout' | 'heartbeatInterval' | 'maxWaitTimeInMs' | 'maxBatch'>;
  /** Leave once idle this long (ms; 0: never idle out). */
  idleMs?: number;
  /** With idleMs: leave only once idle past this time (ms since epoch; the night's end). */
  endAt?: number;
  log?: (o: Record<string, unknown>) => void;
  /** Aborts to leave the group (SIGTERM). */
  stopSignal?: AbortSignal;
}

/** Consumer restarts after a crash kafkajs does not retry itself, before the run fails. */
const MAX_CONSUMER_RESTARTS = 5;
/** How long leaving the group may take once no batch is in hand (a crashed client can hang there). */
const DISCONNECT_TIMEOUT_MS = 15_000;

/**
 * Consumes until stopped, idle past the end time, or (plain Kafka) idle for
 * idleMs. A consumer that crashes for good (an error kafkajs does not retry,
 * such as a malformed-request answer from a coordinator in the middle of a
 * rebalance) is replaced by a new one, up to MAX_CONSUMER_RESTARTS times with
 * backoff: the stores are committed before the offsets, so a new member of
 * the group starts from the last committed offset and loses nothing. A
 * refused login or an untrusted certificate is not retried: it fails the run
 * with a KafkaConnectError naming the cause.
 */
export async function consumeGroup(o: GroupConsumeOptions, handle: BatchHandler): Promise<void> {
  const w = { endAt: o.endAt ?? Infinity, idleMs: o.idleMs ?? 0, log: o.log ?? (() => {}) };
  // Idle counts across restarts, from the last batch (or the start).
  const state = { last: Date.now(), busy: false };
  for (let restarts = 0; ; restarts++) {
    const crash = await consumeOnce(o, handle, w, state);
    if (!crash) return;
    // A refused login or an untrusted certificate: no restart can fix it.
    const failure = kafkaFailure(crash, o.brokers, o.auth ?? PLAINTEXT);
    if (failure.fatal) throw new KafkaConnectError(failure.line);
    if (restarts >= MAX_CONSUMER_RESTARTS) throw new Error(`Kafka consumer stopped: ${crash.message} (after ${restarts} restarts)`);
    const backoffMs = Math.min(30_000, 1000 * 2 ** restarts);
    w.log({ msg: 'restarting the consumer', error: crash.message, restart: restarts + 1, inMs: backoffMs });
    await sleep(backoffMs, o.stopSignal);
    if (o.stopSignal?.aborted) return;
  }
}

/** One consumer's life in the group; resolves with the crash that ended it, or null when stopped. */
async function consumeOnce(
  o: GroupConsumeOptions, handle: BatchHandler,
  w: { endAt: number; idleMs: number; log: (m: Record<string, unknown>) => void },
  state: { last: number; busy: boolean },
): Promise<Error | null> {
  const { topics, group } = o;
  // A crash can come while joining, before anything waits for it: keep it.
  let crashed: Error | null = null;
  let onCrash: (() => void) | null = null;
  const source = new KafkaSource({
    brokers: o.brokers, topics, group, ...o.consumer, auth: o.auth,
    onCrash: (err) => { w.log({ msg: 'consumer crashed', error: err.message }); crashed ??= err; onCrash?.(); },
  });
  // Idle counts from joining the group: a large group can take longer to
  // join than the idle time, and must not look idle before it has started.
  let joined = false;
  // Waiting in a rebalance is not idleness: a join can wait a whole session
  // timeout for a member that died, and the partitions come back after it.
  let rebalancing = false;
  const started = Date.now();
  source.consumer.on(source.consumer.events.REBALANCING, () => { rebalancing = true; });
  source.consumer.on(source.consumer.events.GROUP_JOIN, (e) => {
    joined = true;
    rebalancing = false;
    state.last = Date.now();
    // Which partitions this process got: a member left without any is visible in the log.
    w.log({ msg: 'joined group', memberId: e.payload.memberId, leader: e.payload.isLeader, partitions: e.payload.memberAssignment, afterMs: e.payload.duration });
  });
  // A process that cannot join (an unreachable or stuck coordinator) says so instead of waiting silently.
  const joinWatch = setInterval(() => {
    if (!joined) w.log({ msg: 'not joined the consumer group yet', group, waitedS: Math.round((Date.now() - started) / 1000) });
  }, 60_000);
  joinWatch.unref();
  // Leaves the group. disconnect() waits for the batch in hand (stored,
  // published and committed first); with none in hand it gets a time limit.
  const leave = async (why: string): Promise<void> => {
    w.log({ msg: 'stopping', why });
    const left = source.stop().then(() => true, (err: Error) => { w.log({ msg: 'disconnect failed', error: err.message }); return true; });
    for (;;) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const done = await Promise.race([left, new Promise<false>((r) => { timer = setTimeout(() => r(false), DISCONNECT_TIMEOUT_MS); })]);
      clearTimeout(timer); // a pending timer would hold the process open after the run
      if (done) { w.log({ msg: 'left the group' }); return; }
      if (!state.busy) { w.log({ msg: 'disconnect timed out: going on without leaving the group' }); return; }
    }
  };
  try {
    await source.start(async (msgs) => {
      state.busy = true;
      try {
        await handle(msgs);
      } finally {
        state.busy = false;
        state.last = Date.now();
      }
    });
    w.log({ msg: 'consuming', topics, group });
    return await new Promise<Error | null>((resolve) => {
      let timer: ReturnType<typeof setInterval> | undefined;
      let ending = false;
      const end = (why: string, result: Error | null) => {
        if (ending) return;
        ending = true;
        if (timer) clearInterval(timer);
        o.stopSignal?.removeEventListener('abort', onAbort);
        void leave(why).then(() => resolve(result));
      };
      const onAbort = () => end('signal', null);
      onCrash = () => end('crashed', crashed);
      if (crashed) return onCrash();
      o.stopSignal?.addEventListener('abort', onAbort, { once: true });
      if (o.stopSignal?.aborted) return onAbort();
      if (w.idleMs > 0) {
        timer = setInterval(() => {
          const now = Date.now();
          if (rebalancing) { state.last = now; return; }
          const over = Number.isFinite(w.endAt) ? nightOver(now, state.last, w.endAt, w.idleMs) : now - state.last >= w.idleMs;
          if (joined && !state.busy && over) end(Number.isFinite(w.endAt) ? `night over: idle ${w.idleMs / 1000} s after ${new Date(w.endAt).toISOString()}` : `idle ${w.idleMs / 1000} s`, null);
        }, Math.min(200, w.idleMs));
      }
    });
  } catch (err) {
    // connect/subscribe gave up (kafkajs retried with backoff first): a crash like any other.
    crashed ??= err as Error;
    await leave('failed to start');
    return crashed;
  } finally {
    clearInterval(joinWatch);
  }
}
