/*
 * kafka-mock launcher: librdkafka's in-process mock cluster as a child process
 * that a test drives over stdin/stdout. See README.md beside this file.
 *
 *   launcher [-b BROKERS] [TOPIC:PARTITIONS ...]
 *
 * Prints `BOOTSTRAP host:port,...` once the cluster listens, then answers each
 * stdin line with one stdout line, `OK ...` or `ERR reason`:
 *   topic NAME PARTITIONS     create a topic now
 *   down BROKER_ID            disconnect the broker and refuse new connections
 *   up BROKER_ID              accept connections again (-1: all brokers)
 *   leader TOPIC PARTITION BROKER_ID   move a partition's leader
 *   errors APIKEY ERRCODE COUNT   answer the next COUNT requests of that
 *                             Kafka API (e.g. 11 JoinGroup) with that error
 *   quit                      exit
 * Exits cleanly on EOF of stdin (the test process is gone) and on SIGTERM,
 * SIGINT or SIGHUP. Set KAFKA_MOCK_DEBUG=1 for librdkafka's mock debug log on
 * stderr.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#define MAX_LINE 1024

static int sig_pipe[2] = {-1, -1};
static rd_kafka_mock_cluster_t *mcluster;
static int broker_cnt = 1;

static void on_signal(int sig) {
        unsigned char b = (unsigned char)sig;
        /* Nothing to do on failure: the pipe is non-blocking and one byte is
         * enough to wake the main loop. */
        ssize_t r = write(sig_pipe[1], &b, 1);
        (void)r;
}

/* One answer line; a test process that has gone away ends us. */
static void reply(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void reply(const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        vprintf(fmt, ap);
        va_end(ap);
        putchar('\n');
        if (fflush(stdout) != 0)
                _exit(0);
}

/* Kafka's legal topic names: 1..249 of [A-Za-z0-9._-]. */
static int valid_topic(const char *s) {
        size_t n = strlen(s);
        if (n < 1 || n > 249)
                return 0;
        for (; *s; s++)
                if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
                      (*s >= '0' && *s <= '9') || *s == '.' || *s == '_' ||
                      *s == '-'))
                        return 0;
        return 1;
}

static int parse_int(const char *s, long lo, long hi, long *out) {
        char *end;
        long v;
        if (!s || !*s)
                return 0;
        errno = 0;
        v     = strtol(s, &end, 10);
        if (errno || *end || v < lo || v > hi)
                return 0;
        *out = v;
        return 1;
}

static rd_kafka_resp_err_t create_topic(const char *name, int partitions) {
        /* Replicas as Kafka's auto-create would pick them; only metadata
         * shows them, the mock keeps one log per partition. */
        int rf = broker_cnt < 3 ? broker_cnt : 3;
        return rd_kafka_mock_topic_create(mcluster, name, partitions, rf);
}

static void cmd_topic(char *name, char *parts) {
        long n;
        rd_kafka_resp_err_t err;
        if (!name || !valid_topic(name)) {
                reply("ERR topic name must be 1..249 chars of [A-Za-z0-9._-]");
                return;
        }
        if (!parse_int(parts, 1, 100000, &n)) {
                reply("ERR partitions must be an integer in [1, 100000]");
                return;
        }
        if ((err = create_topic(name, (int)n)))
                reply("ERR %s", rd_kafka_err2str(err));
        else
                reply("OK topic %s %ld", name, n);
}

static void cmd_updown(int up, const char *id_s) {
        long id;
        rd_kafka_resp_err_t err;
        if (!parse_int(id_s, -1, INT_MAX, &id)) {
                reply("ERR broker id must be an integer >= -1");
                return;
        }
        err = up ? rd_kafka_mock_broker_set_up(mcluster, (int32_t)id)
                 : rd_kafka_mock_broker_set_down(mcluster, (int32_t)id);
        if (err)
                reply("ERR %s", rd_kafka_err2str(err));
        else
                reply("OK %s %ld", up ? "up" : "down", id);
}

static void cmd_leader(char *topic, const char *part_s, const char *id_s) {
        long part, id;
        rd_kafka_resp_err_t err;
        if (!topic || !valid_topic(topic) ||
            !parse_int(part_s, 0, INT_MAX, &part) ||
            !parse_int(id_s, -1, INT_MAX, &id)) {
                reply("ERR usage: leader TOPIC PARTITION BROKER_ID");
                return;
        }
        err = rd_kafka_mock_partition_set_leader(mcluster, topic, (int32_t)part,
                                                 (int32_t)id);
        if (err)
                reply("ERR %s", rd_kafka_err2str(err));
        else
                reply("OK leader %s %ld %ld", topic, part, id);
}

static void cmd_errors(const char *key_s, const char *code_s, const char *cnt_s) {
        long key, code, cnt, i;
        rd_kafka_resp_err_t *errs;
        if (!parse_int(key_s, 0, 1000, &key) ||
            !parse_int(code_s, -1, 10000, &code) ||
            !parse_int(cnt_s, 1, 100000, &cnt)) {
                reply("ERR usage: errors APIKEY ERRCODE COUNT");
                return;
        }
        errs = malloc(sizeof(*errs) * (size_t)cnt);
        if (!errs) {
                reply("ERR out of memory");
                return;
        }
        for (i = 0; i < cnt; i++)
                errs[i] = (rd_kafka_resp_err_t)code;
        rd_kafka_mock_push_request_errors_array(mcluster, (int16_t)key,
                                                (size_t)cnt, errs);
        free(errs);
        reply("OK errors %ld %ld %ld", key, code, cnt);
}

/* Runs one command line; returns 0 when asked to quit. */
static int run_command(char *line) {
        char *save = NULL;
        char *cmd  = strtok_r(line, " \t\r", &save);
        char *a1   = strtok_r(NULL, " \t\r", &save);
        char *a2   = strtok_r(NULL, " \t\r", &save);
        char *a3   = strtok_r(NULL, " \t\r", &save);

        if (!cmd) {
                reply("ERR empty command");
        } else if (!strcmp(cmd, "topic")) {
                cmd_topic(a1, a2);
        } else if (!strcmp(cmd, "down") || !strcmp(cmd, "up")) {
                cmd_updown(cmd[0] == 'u', a1);
        } else if (!strcmp(cmd, "leader")) {
                cmd_leader(a1, a2, a3);
        } else if (!strcmp(cmd, "errors")) {
                cmd_errors(a1, a2, a3);
        } else if (!strcmp(cmd, "quit")) {
                reply("OK bye");
                return 0;
        } else {
                reply("ERR unknown command '%s' (topic, down, up, leader, "
                      "errors, quit)",
                      cmd);
        }
        return 1;
}

static int usage(const char *why) {
        fprintf(stderr,
                "kafka-mock: %s\nusage: launcher [-b BROKERS] "
                "[TOPIC:PARTITIONS ...]\n",
                why);
        return 2;
}

int main(int argc, char **argv) {
        char errstr[512];
        rd_kafka_conf_t *conf;
        rd_kafka_t *rk;
        sigset_t sigs;
        struct sigaction sa;
        char buf[MAX_LINE];
        size_t len    = 0;
        int discard   = 0; /* inside an over-long line */
        int running   = 1;
        int first_arg = 1;
        long v;

        if (argc > 2 && !strcmp(argv[1], "-b")) {
                if (!parse_int(argv[2], 1, 64, &v))
                        return usage("BROKERS must be an integer in [1, 64]");
                broker_cnt = (int)v;
                first_arg  = 3;
        }
        /* Topics are checked before anything starts, so a typo fails fast. */
        for (int i = first_arg; i < argc; i++) {
                char *colon = strrchr(argv[i], ':');
                if (!colon || !parse_int(colon + 1, 1, 100000, &v))
                        return usage("topics are NAME:PARTITIONS");
                *colon = '\0';
                if (!valid_topic(argv[i]))
                        return usage("topic name must be 1..249 chars of "
                                     "[A-Za-z0-9._-]");
                *colon = ':';
        }

        /* librdkafka's threads inherit this mask, so only the main thread,
         * which unblocks the signals below, ever runs the handler. */
        sigemptyset(&sigs);
        sigaddset(&sigs, SIGTERM);
        sigaddset(&sigs, SIGINT);
        sigaddset(&sigs, SIGHUP);
        pthread_sigmask(SIG_BLOCK, &sigs, NULL);
        signal(SIGPIPE, SIG_IGN);

        conf = rd_kafka_conf_new();
        if (getenv("KAFKA_MOCK_DEBUG") && *getenv("KAFKA_MOCK_DEBUG")) {
                rd_kafka_conf_set(conf, "debug", "mock,broker", errstr,
                                  sizeof(errstr));
        } else {
                /* The handle only hosts the cluster and never connects:
                 * keep its "no bootstrap.servers" warning out of stderr. */
                rd_kafka_conf_set(conf, "log_level", "3", errstr,
                                  sizeof(errstr));
        }
        rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
        if (!rk) {
                fprintf(stderr, "kafka-mock: rd_kafka_new: %s\n", errstr);
                return 1;
        }
        mcluster = rd_kafka_mock_cluster_new(rk, broker_cnt);
        if (!mcluster) {
                fprintf(stderr, "kafka-mock: rd_kafka_mock_cluster_new failed\n");
                rd_kafka_destroy(rk);
                return 1;
        }

        /* The 2.0.2 mock announces Metadata v0..v2, which has no
         * AllowAutoTopicCreation field, so it auto-creates every topic a
         * client merely asks about. Its handler reads the field from v4 on:
         * announcing v4 makes kafkajs' allowAutoTopicCreation: false work. */
        rd_kafka_mock_set_apiversion(mcluster, 3 /* Metadata */, 0, 4);

        for (int i = first_arg; i < argc; i++) {
                char *colon = strrchr(argv[i], ':');
                rd_kafka_resp_err_t err;
                *colon = '\0';
                err    = create_topic(argv[i], atoi(colon + 1));
                if (err) {
                        fprintf(stderr, "kafka-mock: topic %s: %s\n", argv[i],
                                rd_kafka_err2str(err));
                        _exit(1);
                }
                *colon = ':';
        }

        if (pipe(sig_pipe) != 0) {
                perror("kafka-mock: pipe");
                return 1;
        }
        fcntl(sig_pipe[0], F_SETFL, O_NONBLOCK);
        fcntl(sig_pipe[1], F_SETFL, O_NONBLOCK);
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = on_signal;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGHUP, &sa, NULL);
        pthread_sigmask(SIG_UNBLOCK, &sigs, NULL);

        reply("BOOTSTRAP %s", rd_kafka_mock_cluster_bootstraps(mcluster));

        while (running) {
                struct pollfd fds[2] = {{STDIN_FILENO, POLLIN, 0},
                                        {sig_pipe[0], POLLIN, 0}};
                ssize_t r;
                if (poll(fds, 2, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        break;
                }
                if (fds[1].revents)
                        break; /* a signal */
                if (!fds[0].revents)
                        continue;
                r = read(STDIN_FILENO, buf + len, sizeof(buf) - 1 - len);
                if (r < 0 && errno == EINTR)
                        continue;
                if (r <= 0)
                        break; /* EOF: whoever drove us is gone */
                len += (size_t)r;

                /* Run every complete line in the buffer. */
                for (;;) {
                        char *nl = memchr(buf, '\n', len);
                        size_t used;
                        if (!nl) {
                                if (len == sizeof(buf) - 1) {
                                        if (!discard)
                                                reply("ERR line too long");
                                        discard = 1;
                                        len     = 0;
                                }
                                break;
                        }
                        *nl  = '\0';
                        used = (size_t)(nl - buf) + 1;
                        if (!discard)
                                running = run_command(buf);
                        discard = 0;
                        memmove(buf, nl + 1, len - used);
                        len -= used;
                        if (!running)
                                break;
                }
        }

        /* No orderly teardown: the cluster is memory and sockets the kernel
         * reclaims, while rd_kafka_mock_cluster_destroy() often waits a full
         * second for the mock thread's next timer tick, a second every test
         * would spend in stop(). */
        fflush(stdout);
        _exit(0);
}
