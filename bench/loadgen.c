/*
 * loadgen - Kafka load generator for Blink's benchmark (bench/run.mjs), on librdkafka's C API.
 *
 *   loadgen produce -b HOST:PORT -t TOPIC -n N -s BYTES [-a acks] [-l linger.ms] [-B batch.size] [-K KEYS] [-C]
 *   loadgen txn     -b HOST:PORT -t TOPIC -n N -s BYTES -k RECORDS_PER_TRANSACTION [-l linger.ms] [-C]
 *   loadgen consume -b HOST:PORT -t TOPIC -n N [-R]
 *   loadgen latency -b HOST:PORT -t TOPIC -r MSGS_PER_S -d SECS -s BYTES [-w fetch.wait.max.ms] [-C]
 *   loadgen mock    -t TOPIC[,TOPIC...] [-P partitions]
 *
 * Common options: -T SECS hard time limit (alarm; exit 3), -X key=value (any librdkafka property,
 * applied to every client this process creates; repeatable), -p partition [0].
 * produce -K KEYS: message i carries the key "k%08ld" of i % KEYS (a compacted topic refuses keyless
 * records); 0 (the default) sends no key.
 *
 * Output contract (read by bench/run.mjs): stdout carries one JSON object per line. The timed window
 * of produce/consume/latency is bracketed by {"mark":"start"} and {"mark":"end"} lines (flushed as
 * they happen, so the caller can sample the broker's CPU time over exactly that window). The LAST
 * line is always the result: {"ok":true,...} with exit 0, or {"ok":false,"error":...} with exit 2
 * (client/broker error, lost or short data), 3 (time limit) or 64 (usage).
 *
 * latency with LAT_DUMP=FILE in the environment also writes one line per message to FILE after the
 * run: "SEQ SCHEDULED_NS RECEIVED_NS SENT_NS" (SENT: when the producer thread handed it to librdkafka;
 * all CLOCK_MONOTONIC, the clock of process.hrtime on the same machine, so a broker that stamps
 * the same messages can be joined with it by sequence number; the
 * payload starts with the magic "BLNKLAT1" (u64 LE), then seq and scheduled time, u64/i64 LE).
 *
 * MB = 10^6 payload bytes. Times come from CLOCK_MONOTONIC. Client CPU is getrusage() over the timed
 * window (all threads of this process, librdkafka's included), in % of one core.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#define MAX_X 64
#define LAT_MAGIC 0x424c4e4b4c415431ULL /* "BLNKLAT1" */
#define SYNC_MAGIC 0x424c4e4b53594e43ULL /* "BLNKSYNC" */

static struct {
  const char *mode;
  const char *brokers;
  const char *topic;
  long n;
  int size;
  const char *acks;
  int linger;     /* -1 = mode default */
  long batch_size;
  const char *codec;
  int partition;
  int partitions; /* mock / create */
  int rewind;
  int create;
  long rate;
  double secs;
  int fetch_wait;
  int timeout_s;
  long per_txn; /* txn: records per transaction */
  long keys;    /* produce: distinct keys, 0 = keyless */
  const char *x[MAX_X];
  int nx;
} opt = {
    .topic = "bench", .n = 100000, .size = 100, .acks = "1", .linger = -1, .batch_size = 1000000,
    .codec = "none", .partition = 0, .partitions = 1, .rate = 1000, .secs = 10, .fetch_wait = 1,
    .timeout_s = -1, .per_txn = 100,
};

/* ---------------------------------------------------------------- helpers */

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int64_t cpu_ns(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ((int64_t)ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000LL +
         ((int64_t)ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000LL;
}

/* Per-thread CPU ticks of this process (from /proc/self/task), to find the busiest thread. */
#define MAX_THREADS 256
struct thread_cpu {
  int n;
  int tid[MAX_THREADS];
  long ticks[MAX_THREADS];
};

static void thread_cpu_snapshot(struct thread_cpu *tc) {
  tc->n = 0;
  DIR *d = opendir("/proc/self/task");
  if (!d) return;
  struct dirent *e;
  while ((e = readdir(d)) && tc->n < MAX_THREADS) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    char path[300], buf[1024];
    snprintf(path, sizeof path, "/proc/self/task/%s/stat", e->d_name);
    FILE *f = fopen(path, "r");
    if (!f) continue;
    size_t len = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[len] = 0;
    char *p = strrchr(buf, ')');
    if (!p) continue;
    /* after ") ": state(3) ppid(4) ... utime(14) stime(15) */
    unsigned long ut = 0, st = 0;
    if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2) continue;
    tc->tid[tc->n] = atoi(e->d_name);
    tc->ticks[tc->n] = (long)(ut + st);
    tc->n++;
  }
  closedir(d);
}

/* CPU % of one core of the busiest thread between two snapshots taken secs apart. */
static double busiest_thread_pct(const struct thread_cpu *a, const struct thread_cpu *b, double secs) {
  long best = 0;
  for (int i = 0; i < b->n; i++) {
    long before = 0;
    for (int j = 0; j < a->n; j++)
      if (a->tid[j] == b->tid[i]) before = a->ticks[j];
    if (b->ticks[i] - before > best) best = b->ticks[i] - before;
  }
  return secs > 0 ? best * 100.0 / sysconf(_SC_CLK_TCK) / secs : 0;
}

static struct thread_cpu g_tc0, g_tc1;

/* JSON-safe copy of an error string (drops quotes, backslashes and control characters). */
static void json_clean(char *dst, size_t cap, const char *src) {
  size_t j = 0;
  for (size_t i = 0; src && src[i] && j + 1 < cap; i++) {
    unsigned char c = (unsigned char)src[i];
    dst[j++] = (c < 0x20 || c == '"' || c == '\\') ? ' ' : (char)c;
  }
  dst[j] = 0;
}

static void mark(const char *what) {
  printf("{\"mark\":\"%s\"}\n", what);
  fflush(stdout);
}

static void fail(int code, const char *fmt, ...) {
  char raw[512], clean[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(raw, sizeof raw, fmt, ap);
  va_end(ap);
  json_clean(clean, sizeof clean, raw);
  printf("{\"ok\":false,\"mode\":\"%s\",\"topic\":\"%s\",\"error\":\"%s\"}\n", opt.mode, opt.topic, clean);
  fflush(stdout);
  _exit(code);
}

static void on_alarm(int sig) {
  (void)sig;
  /* async-signal-safe: write(2) and _exit only */
  static const char head[] = "{\"ok\":false,\"error\":\"timeout\",\"mode\":\"";
  write(STDOUT_FILENO, head, sizeof head - 1);
  write(STDOUT_FILENO, opt.mode, strlen(opt.mode));
  write(STDOUT_FILENO, "\"}\n", 3);
  _exit(3);
}

/* Errors reported by librdkafka's error callback. Fatal ones and "all brokers down" end the run. */
static volatile int g_fatal;
static char g_fatal_msg[320];

static void error_cb(rd_kafka_t *rk, int err, const char *reason, void *opaque) {
  (void)opaque;
  if (err == RD_KAFKA_RESP_ERR__FATAL) {
    char buf[256];
    rd_kafka_fatal_error(rk, buf, sizeof buf);
    snprintf(g_fatal_msg, sizeof g_fatal_msg, "fatal: %s", buf);
    g_fatal = 1;
  } else if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) {
    snprintf(g_fatal_msg, sizeof g_fatal_msg, "all brokers down: %s", reason);
    g_fatal = 1;
  } else {
    fprintf(stderr, "loadgen: client error %s: %s\n", rd_kafka_err2name(err), reason);
  }
}

static void check_fatal(void) {
  if (g_fatal) fail(2, "%s", g_fatal_msg);
}

static void set(rd_kafka_conf_t *conf, const char *k, const char *v) {
  char err[512];
  if (rd_kafka_conf_set(conf, k, v, err, sizeof err) != RD_KAFKA_CONF_OK) fail(64, "config %s=%s: %s", k, v, err);
}

static void seti(rd_kafka_conf_t *conf, const char *k, long v) {
  char buf[32];
  snprintf(buf, sizeof buf, "%ld", v);
  set(conf, k, buf);
}

/* A configuration with the bootstrap address and the user's -X overrides (applied last). */
static rd_kafka_conf_t *base_conf(void) {
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  if (opt.brokers) set(conf, "bootstrap.servers", opt.brokers);
  set(conf, "client.id", "blink-bench-loadgen");
  rd_kafka_conf_set_error_cb(conf, error_cb);
  return conf;
}

static void apply_x(rd_kafka_conf_t *conf) {
  for (int i = 0; i < opt.nx; i++) {
    char kv[512];
    snprintf(kv, sizeof kv, "%s", opt.x[i]);
    char *eq = strchr(kv, '=');
    if (!eq) fail(64, "-X expects key=value, got %s", opt.x[i]);
    *eq = 0;
    set(conf, kv, eq + 1);
  }
}

static rd_kafka_t *new_client(rd_kafka_type_t type, rd_kafka_conf_t *conf) {
  char err[512];
  apply_x(conf);
  rd_kafka_t *rk = rd_kafka_new(type, conf, err, sizeof err);
  if (!rk) fail(2, "rd_kafka_new: %s", err);
  return rk;
}

/* CreateTopics through the Admin API; "already exists" counts as success. */
static void create_topic(rd_kafka_t *rk, const char *topic, int partitions) {
  char err[512];
  rd_kafka_NewTopic_t *nt = rd_kafka_NewTopic_new(topic, partitions, 1, err, sizeof err);
  if (!nt) fail(2, "NewTopic %s: %s", topic, err);
  rd_kafka_AdminOptions_t *ao = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
  rd_kafka_AdminOptions_set_request_timeout(ao, 10000, err, sizeof err);
  rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
  rd_kafka_CreateTopics(rk, &nt, 1, ao, q);
  int64_t deadline = now_ns() + 15000000000LL;
  rd_kafka_event_t *ev = NULL;
  while (now_ns() < deadline) {
    ev = rd_kafka_queue_poll(q, 200);
    check_fatal();
    if (ev && rd_kafka_event_type(ev) == RD_KAFKA_EVENT_CREATETOPICS_RESULT) break;
    if (ev) rd_kafka_event_destroy(ev);
    ev = NULL;
  }
  if (!ev) fail(2, "CreateTopics %s: no answer", topic);
  if (rd_kafka_event_error(ev)) fail(2, "CreateTopics %s: %s", topic, rd_kafka_event_error_string(ev));
  size_t cnt = 0;
  const rd_kafka_topic_result_t **res = rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &cnt);
  for (size_t i = 0; i < cnt; i++) {
    rd_kafka_resp_err_t e = rd_kafka_topic_result_error(res[i]);
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR && e != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
      fail(2, "CreateTopics %s: %s %s", topic, rd_kafka_err2name(e), rd_kafka_topic_result_error_string(res[i]) ?: "");
  }
  rd_kafka_event_destroy(ev);
  rd_kafka_queue_destroy(q);
  rd_kafka_AdminOptions_destroy(ao);
  rd_kafka_NewTopic_destroy(nt);
}

/* Waits until Metadata shows the topic with every partition led; returns the partition count. */
static int wait_topic(rd_kafka_t *rk, rd_kafka_topic_t *rkt, int timeout_ms) {
  int64_t deadline = now_ns() + (int64_t)timeout_ms * 1000000LL;
  const char *last = "no answer";
  while (now_ns() < deadline) {
    const struct rd_kafka_metadata *md = NULL;
    rd_kafka_resp_err_t e = rd_kafka_metadata(rk, 0, rkt, &md, 2000);
    check_fatal();
    if (e == RD_KAFKA_RESP_ERR_NO_ERROR) {
      int parts = -1;
      if (md->topic_cnt == 1 && md->topics[0].err == RD_KAFKA_RESP_ERR_NO_ERROR && md->topics[0].partition_cnt > 0) {
        parts = md->topics[0].partition_cnt;
        for (int i = 0; i < parts; i++)
          if (md->topics[0].partitions[i].leader < 0) parts = -1;
      } else if (md->topic_cnt == 1) {
        last = rd_kafka_err2name(md->topics[0].err);
      }
      rd_kafka_metadata_destroy(md);
      if (parts > 0) return parts;
    } else {
      last = rd_kafka_err2name(e);
    }
    usleep(50000);
  }
  fail(2, "topic %s not available: %s", rd_kafka_topic_name(rkt), last);
  return -1;
}

/* ---------------------------------------------------------------- produce */

static long p_delivered, p_failed, p_target = -1;
static int64_t p_done_ns;
static char p_err[256];

static void dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
  (void)rk;
  (void)opaque;
  if (m->err) {
    if (!p_failed) snprintf(p_err, sizeof p_err, "%s", rd_kafka_err2str(m->err));
    p_failed++;
  } else {
    p_delivered++;
  }
  if (p_target > 0 && p_delivered + p_failed == p_target) p_done_ns = now_ns();
}

static rd_kafka_t *new_producer(int linger) {
  rd_kafka_conf_t *conf = base_conf();
  set(conf, "acks", opt.acks);
  seti(conf, "linger.ms", linger);
  seti(conf, "batch.size", opt.batch_size);
  set(conf, "compression.codec", opt.codec);
  rd_kafka_conf_set_dr_msg_cb(conf, dr_cb);
  return new_client(RD_KAFKA_PRODUCER, conf);
}

/* Sends one message and waits for its delivery: metadata, connection and topic are then warm.
 * It carries a key so that a compacted topic takes it too. */
static void warm_up(rd_kafka_t *rk, rd_kafka_topic_t *rkt, const void *buf, size_t len) {
  p_target = -1;
  if (rd_kafka_produce(rkt, opt.partition, RD_KAFKA_MSG_F_COPY, (void *)buf, len, "warm-up", 7, NULL) == -1)
    fail(2, "warm-up produce: %s", rd_kafka_err2str(rd_kafka_last_error()));
  int64_t deadline = now_ns() + 15000000000LL;
  while (p_delivered + p_failed < 1 && now_ns() < deadline) {
    rd_kafka_poll(rk, 50);
    check_fatal();
  }
  if (p_failed) fail(2, "warm-up delivery: %s", p_err);
  if (p_delivered < 1) fail(2, "warm-up delivery: no report");
  p_delivered = p_failed = 0;
}

static int run_produce(void) {
  int linger = opt.linger < 0 ? 5 : opt.linger;
  rd_kafka_t *rk = new_producer(linger);
  if (opt.create) create_topic(rk, opt.topic, opt.partitions);
  rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, opt.topic, NULL);
  wait_topic(rk, rkt, 15000);

  /* One payload buffer shared by all messages, passed without copy (flags 0): the client does
   * no per-message allocation or memcpy of the payload, so it spends its CPU on batching and I/O. */
  char *buf = malloc(opt.size > 0 ? opt.size : 1);
  for (int i = 0; i < opt.size; i++) buf[i] = (char)('a' + i % 26);
  warm_up(rk, rkt, buf, opt.size);

  p_target = opt.n;
  mark("start");
  thread_cpu_snapshot(&g_tc0);
  int64_t c0 = cpu_ns(), t0 = now_ns();
  char key[24];
  for (long i = 0; i < opt.n; i++) {
    int key_len = opt.keys > 0 ? snprintf(key, sizeof key, "k%08ld", i % opt.keys) : 0;
    while (rd_kafka_produce(rkt, opt.partition, 0, buf, opt.size, key_len ? key : NULL, key_len, NULL) == -1) {
      rd_kafka_resp_err_t e = rd_kafka_last_error();
      if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL) fail(2, "produce: %s", rd_kafka_err2str(e));
      rd_kafka_poll(rk, 1);
      check_fatal();
    }
    if ((i & 1023) == 0) rd_kafka_poll(rk, 0);
  }
  while (p_delivered + p_failed < opt.n) {
    rd_kafka_poll(rk, 10);
    check_fatal();
  }
  int64_t t1 = p_done_ns ? p_done_ns : now_ns(), c1 = cpu_ns();
  thread_cpu_snapshot(&g_tc1);
  mark("end");
  if (p_failed) fail(2, "%ld of %ld deliveries failed: %s", p_failed, opt.n, p_err);

  double secs = (t1 - t0) / 1e9;
  printf("{\"ok\":true,\"mode\":\"produce\",\"topic\":\"%s\",\"n\":%ld,\"size\":%d,\"acks\":\"%s\",\"linger_ms\":%d,"
         "\"batch_size\":%ld,\"secs\":%.6f,\"msgs_per_s\":%.1f,\"mb_per_s\":%.3f,\"client_cpu_pct\":%.1f,"
         "\"client_busiest_thread_pct\":%.1f}\n",
         opt.topic, opt.n, opt.size, opt.acks, linger, opt.batch_size, secs, opt.n / secs,
         (double)opt.n * opt.size / secs / 1e6, (c1 - c0) / 1e7 / secs, busiest_thread_pct(&g_tc0, &g_tc1, secs));
  fflush(stdout);
  rd_kafka_topic_destroy(rkt);
  rd_kafka_destroy(rk);
  free(buf);
  return 0;
}

/* ---------------------------------------------------------------- txn */

static void txn_check(rd_kafka_error_t *error, const char *what) {
  if (!error) return;
  char msg[512];
  snprintf(msg, sizeof msg, "%s: %s", what, rd_kafka_error_string(error));
  rd_kafka_error_destroy(error);
  fail(2, "%s", msg);
}

/* One transaction of `count` messages, committed (commit_transaction flushes them first). */
static void txn_once(rd_kafka_t *rk, rd_kafka_topic_t *rkt, const char *buf, long count) {
  txn_check(rd_kafka_begin_transaction(rk), "begin_transaction");
  for (long i = 0; i < count; i++) {
    while (rd_kafka_produce(rkt, opt.partition, 0, (void *)buf, opt.size, NULL, 0, NULL) == -1) {
      rd_kafka_resp_err_t e = rd_kafka_last_error();
      if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL) fail(2, "produce: %s", rd_kafka_err2str(e));
      rd_kafka_poll(rk, 1);
      check_fatal();
    }
  }
  txn_check(rd_kafka_commit_transaction(rk, 30000), "commit_transaction");
}

/* Transactional produce: N messages in transactions of -k messages, each committed before the next begins. */
static int run_txn(void) {
  int linger = opt.linger < 0 ? 5 : opt.linger;
  if (opt.per_txn <= 0 || opt.n % opt.per_txn != 0) fail(64, "-n must be a multiple of -k");
  rd_kafka_conf_t *conf = base_conf();
  char tid[64];
  snprintf(tid, sizeof tid, "blink-bench-txn-%d", (int)getpid());
  set(conf, "transactional.id", tid);
  seti(conf, "linger.ms", linger);
  seti(conf, "batch.size", opt.batch_size);
  set(conf, "compression.codec", opt.codec);
  rd_kafka_conf_set_dr_msg_cb(conf, dr_cb);
  rd_kafka_t *rk = new_client(RD_KAFKA_PRODUCER, conf);
  if (opt.create) create_topic(rk, opt.topic, opt.partitions);
  rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, opt.topic, NULL);
  wait_topic(rk, rkt, 15000);
  txn_check(rd_kafka_init_transactions(rk, 30000), "init_transactions");

  char *buf = malloc(opt.size > 0 ? opt.size : 1);
  for (int i = 0; i < opt.size; i++) buf[i] = (char)('a' + i % 26);
  txn_once(rk, rkt, buf, 1); /* warm-up: coordinator, partition and producer id are known */
  rd_kafka_poll(rk, 0);
  p_delivered = p_failed = 0;

  long txns = opt.n / opt.per_txn;
  mark("start");
  thread_cpu_snapshot(&g_tc0);
  int64_t c0 = cpu_ns(), t0 = now_ns();
  for (long t = 0; t < txns; t++) {
    txn_once(rk, rkt, buf, opt.per_txn);
    rd_kafka_poll(rk, 0);
  }
  int64_t t1 = now_ns(), c1 = cpu_ns();
  thread_cpu_snapshot(&g_tc1);
  mark("end");
  rd_kafka_poll(rk, 0);
  if (p_failed) fail(2, "%ld deliveries failed: %s", p_failed, p_err);
  if (p_delivered != opt.n) fail(2, "%ld of %ld messages delivered", p_delivered, opt.n);

  double secs = (t1 - t0) / 1e9;
  printf("{\"ok\":true,\"mode\":\"txn\",\"topic\":\"%s\",\"n\":%ld,\"size\":%d,\"per_txn\":%ld,\"linger_ms\":%d,"
         "\"secs\":%.6f,\"msgs_per_s\":%.1f,\"txns_per_s\":%.1f,\"mb_per_s\":%.3f,\"client_cpu_pct\":%.1f,"
         "\"client_busiest_thread_pct\":%.1f}\n",
         opt.topic, opt.n, opt.size, opt.per_txn, linger, secs, opt.n / secs, txns / secs, (double)opt.n * opt.size / secs / 1e6,
         (c1 - c0) / 1e7 / secs, busiest_thread_pct(&g_tc0, &g_tc1, secs));
  fflush(stdout);
  rd_kafka_topic_destroy(rkt);
  rd_kafka_destroy(rk);
  free(buf);
  return 0;
}

/* ---------------------------------------------------------------- consume */

static rd_kafka_t *new_consumer(int fetch_wait, int eof) {
  rd_kafka_conf_t *conf = base_conf();
  char gid[64];
  snprintf(gid, sizeof gid, "blink-bench-%d", (int)getpid());
  set(conf, "group.id", gid); /* required by the API; no group is joined (assign(), not subscribe()) */
  set(conf, "enable.auto.commit", "false");
  set(conf, "enable.auto.offset.store", "false");
  set(conf, "enable.partition.eof", eof ? "true" : "false");
  set(conf, "auto.offset.reset", "earliest");
  if (fetch_wait >= 0) seti(conf, "fetch.wait.max.ms", fetch_wait);
  rd_kafka_t *rk = new_client(RD_KAFKA_CONSUMER, conf);
  rd_kafka_poll_set_consumer(rk);
  return rk;
}

static int run_consume(void) {
  rd_kafka_t *rk = new_consumer(-1, 1);
  rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, opt.topic, NULL);
  int parts = wait_topic(rk, rkt, 15000); /* also opens the connection before the clock starts */
  rd_kafka_topic_partition_list_t *tp = rd_kafka_topic_partition_list_new(parts);
  for (int p = 0; p < parts; p++) rd_kafka_topic_partition_list_add(tp, opt.topic, p)->offset = RD_KAFKA_OFFSET_BEGINNING;
  rd_kafka_topic_partition_list_t *start = rd_kafka_topic_partition_list_new(parts);
  for (int p = 0; p < parts; p++) {
    /* for -R: rewind to the absolute low watermark (a logical BEGINNING would cost a ListOffsets) */
    int64_t lo = 0, hi = 0;
    rd_kafka_resp_err_t we = rd_kafka_query_watermark_offsets(rk, opt.topic, p, &lo, &hi, 10000);
    if (we) fail(2, "watermarks: %s", rd_kafka_err2str(we));
    rd_kafka_topic_partition_list_add(start, opt.topic, p)->offset = lo;
  }
  char *at_eof = calloc(parts, 1);
  int eofs = 0;
  long count = 0, rewinds = 0;
  int64_t bytes = 0;
  rd_kafka_queue_t *q = rd_kafka_queue_get_consumer(rk);
  enum { BATCH = 8192 };
  rd_kafka_message_t **msgs = malloc(sizeof *msgs * BATCH);

  mark("start");
  thread_cpu_snapshot(&g_tc0);
  int64_t c0 = cpu_ns(), t0 = now_ns(), t1 = 0;
  rd_kafka_resp_err_t e = rd_kafka_assign(rk, tp);
  if (e) fail(2, "assign: %s", rd_kafka_err2str(e));
  while (count < opt.n) {
    /* drain what is queued without waiting (the batch call with a timeout waits to FILL the batch),
     * and block in consumer_poll only when the queue is empty */
    ssize_t got = rd_kafka_consume_batch_queue(q, 0, msgs, BATCH);
    check_fatal();
    if (got < 0) fail(2, "consume: %s", rd_kafka_err2str(rd_kafka_last_error()));
    if (got == 0) {
      msgs[0] = rd_kafka_consumer_poll(rk, 100);
      check_fatal();
      got = msgs[0] != NULL;
    }
    for (ssize_t i = 0; i < got; i++) {
      rd_kafka_message_t *m = msgs[i];
      if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        if (m->partition >= 0 && m->partition < parts && !at_eof[m->partition]) {
          at_eof[m->partition] = 1;
          eofs++;
        }
      } else if (m->err) {
        fail(2, "consume: %s", rd_kafka_message_errstr(m));
      } else if (count < opt.n) {
        count++;
        bytes += m->len;
        if (count == opt.n) t1 = now_ns();
      }
      rd_kafka_message_destroy(m);
    }
    if (count < opt.n && eofs == parts) {
      if (!opt.rewind) fail(2, "short: topic has %ld messages, wanted %ld", count, opt.n);
      /* re-read the (hot) data set from the beginning. No timeout (-1; -T bounds the run):
       * librdkafka up to 2.0.x (Debian's 2.0.2) reads this one as microseconds (fixed in 2.1.0,
       * librdkafka PR 4230), so 10000 gave up after 10 ms, which a loaded machine misses: "Timed
       * out waiting for 1 remaining partition seek(s)" failed consume rows on every target */
      rd_kafka_error_t *se = rd_kafka_seek_partitions(rk, start, -1);
      if (se) fail(2, "seek: %s", rd_kafka_error_string(se));
      memset(at_eof, 0, parts);
      eofs = 0;
      rewinds++;
    }
  }
  int64_t c1 = cpu_ns();
  thread_cpu_snapshot(&g_tc1);
  mark("end");
  double secs = (t1 - t0) / 1e9;
  printf("{\"ok\":true,\"mode\":\"consume\",\"topic\":\"%s\",\"n\":%ld,\"partitions\":%d,\"bytes\":%" PRId64
         ",\"avg_size\":%.1f,\"rewinds\":%ld,\"secs\":%.6f,\"msgs_per_s\":%.1f,\"mb_per_s\":%.3f,\"client_cpu_pct\":%.1f,"
         "\"client_busiest_thread_pct\":%.1f}\n",
         opt.topic, count, parts, bytes, (double)bytes / count, rewinds, secs, count / secs, bytes / secs / 1e6,
         (c1 - c0) / 1e7 / secs, busiest_thread_pct(&g_tc0, &g_tc1, secs));
  fflush(stdout);
  free(msgs);
  free(at_eof);
  rd_kafka_queue_destroy(q);
  rd_kafka_topic_partition_list_destroy(tp);
  rd_kafka_topic_partition_list_destroy(start);
  rd_kafka_topic_destroy(rkt);
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  return 0;
}

/* ---------------------------------------------------------------- latency */

struct lat_payload { /* little-endian on the wire (same process reads it back) */
  uint64_t magic;
  uint64_t seq;
  int64_t sched_ns; /* SCHEDULED send time, CLOCK_MONOTONIC */
};

static struct {
  rd_kafka_t *rk;
  rd_kafka_topic_t *rkt;
  long total;
  int64_t t0, period_ns;
  int64_t max_lag_ns; /* worst lateness of the producer thread against its schedule */
  int64_t *sent_at;   /* LAT_DUMP: when each message was handed to librdkafka (NULL otherwise) */
  volatile int done;
} lp;

static void *lat_producer(void *arg) {
  (void)arg;
  char *buf = calloc(1, opt.size);
  for (int i = (int)sizeof(struct lat_payload); i < opt.size; i++) buf[i] = (char)('a' + i % 26);
  for (long i = 0; i < lp.total; i++) {
    struct lat_payload pl = {LAT_MAGIC, (uint64_t)i, lp.t0 + i * lp.period_ns};
    struct timespec ts = {pl.sched_ns / 1000000000LL, pl.sched_ns % 1000000000LL};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR) {
    }
    int64_t sent = now_ns(), lag = sent - pl.sched_ns;
    if (lag > lp.max_lag_ns) lp.max_lag_ns = lag;
    if (lp.sent_at) lp.sent_at[i] = sent;
    memcpy(buf, &pl, sizeof pl);
    while (rd_kafka_produce(lp.rkt, opt.partition, RD_KAFKA_MSG_F_COPY, buf, opt.size, NULL, 0, NULL) == -1) {
      rd_kafka_resp_err_t e = rd_kafka_last_error();
      if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL) fail(2, "produce: %s", rd_kafka_err2str(e));
      rd_kafka_poll(lp.rk, 1);
    }
    rd_kafka_poll(lp.rk, 0);
  }
  rd_kafka_flush(lp.rk, 10000);
  lp.done = 1;
  free(buf);
  return NULL;
}

static int cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return x < y ? -1 : x > y;
}

/* nearest-rank percentile of sorted v[0..n) */
static int64_t pct(const int64_t *v, long n, double p) {
  long k = (long)((p / 100.0) * n + 0.999999999);
  if (k < 1) k = 1;
  if (k > n) k = n;
  return v[k - 1];
}

static int run_latency(void) {
  if (opt.size < (int)sizeof(struct lat_payload)) fail(64, "latency needs -s >= %zu", sizeof(struct lat_payload));
  if (opt.rate <= 0 || opt.secs <= 0) fail(64, "latency needs -r > 0 and -d > 0");
  int linger = opt.linger < 0 ? 0 : opt.linger;
  lp.total = (long)(opt.rate * opt.secs + 0.5);
  lp.period_ns = (int64_t)(1e9 / opt.rate);

  /* producer: linger 0, Nagle off on both clients so the socket layer adds no batching delay */
  rd_kafka_conf_t *pconf = base_conf();
  set(pconf, "acks", opt.acks);
  seti(pconf, "linger.ms", linger);
  set(pconf, "compression.codec", opt.codec);
  set(pconf, "socket.nagle.disable", "true");
  rd_kafka_conf_set_dr_msg_cb(pconf, dr_cb);
  lp.rk = new_client(RD_KAFKA_PRODUCER, pconf);
  if (opt.create) create_topic(lp.rk, opt.topic, opt.partitions);
  lp.rkt = rd_kafka_topic_new(lp.rk, opt.topic, NULL);
  wait_topic(lp.rk, lp.rkt, 15000);
  char *buf = calloc(1, opt.size);
  warm_up(lp.rk, lp.rkt, buf, opt.size);

  /* consumer: positioned at the current end of the partition */
  rd_kafka_conf_t *cconf = base_conf();
  char gid[64];
  snprintf(gid, sizeof gid, "blink-bench-lat-%d", (int)getpid());
  set(cconf, "group.id", gid);
  set(cconf, "enable.auto.commit", "false");
  set(cconf, "enable.auto.offset.store", "false");
  set(cconf, "socket.nagle.disable", "true");
  seti(cconf, "fetch.wait.max.ms", opt.fetch_wait);
  rd_kafka_t *ck = new_client(RD_KAFKA_CONSUMER, cconf);
  rd_kafka_poll_set_consumer(ck);
  rd_kafka_topic_t *ckt = rd_kafka_topic_new(ck, opt.topic, NULL);
  wait_topic(ck, ckt, 15000);
  int64_t lo = 0, hi = 0;
  rd_kafka_resp_err_t e = rd_kafka_query_watermark_offsets(ck, opt.topic, opt.partition, &lo, &hi, 10000);
  if (e) fail(2, "watermarks: %s", rd_kafka_err2str(e));
  rd_kafka_topic_partition_list_t *tp = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(tp, opt.topic, opt.partition)->offset = hi;
  if ((e = rd_kafka_assign(ck, tp))) fail(2, "assign: %s", rd_kafka_err2str(e));

  /* sync: send markers until the consumer sees one, so its fetch loop is running before the clock */
  int synced = 0;
  int64_t sync_deadline = now_ns() + 15000000000LL;
  while (!synced && now_ns() < sync_deadline) {
    struct lat_payload pl = {SYNC_MAGIC, 0, now_ns()};
    memcpy(buf, &pl, sizeof pl);
    if (rd_kafka_produce(lp.rkt, opt.partition, RD_KAFKA_MSG_F_COPY, buf, opt.size, NULL, 0, NULL) == -1)
      fail(2, "sync produce: %s", rd_kafka_err2str(rd_kafka_last_error()));
    int64_t until = now_ns() + 500000000LL;
    while (!synced && now_ns() < until) {
      rd_kafka_poll(lp.rk, 0);
      rd_kafka_message_t *m = rd_kafka_consumer_poll(ck, 50);
      check_fatal();
      if (!m) continue;
      if (m->err && m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) fail(2, "consume: %s", rd_kafka_message_errstr(m));
      if (!m->err && m->len >= sizeof pl && ((struct lat_payload *)m->payload)->magic == SYNC_MAGIC) synced = 1;
      rd_kafka_message_destroy(m);
    }
  }
  if (!synced) fail(2, "consumer never saw the sync message");
  rd_kafka_flush(lp.rk, 5000);
  if (p_failed) fail(2, "sync delivery: %s", p_err);
  p_delivered = p_failed = 0;

  int64_t *lat = malloc(sizeof *lat * lp.total);
  char *seen = calloc(lp.total, 1);
  const char *dump = getenv("LAT_DUMP"); /* per-message receive times (seq sched_ns recv_ns sent_ns), for tracing */
  int64_t *recv_at = dump ? calloc(lp.total, sizeof *recv_at) : NULL;
  lp.sent_at = dump ? calloc(lp.total, sizeof *lp.sent_at) : NULL;
  long got = 0, dups = 0, foreign = 0;
  mark("start");
  int64_t c0 = cpu_ns();
  lp.t0 = now_ns() + 20000000LL; /* first send 20 ms from now */
  pthread_t th;
  pthread_create(&th, NULL, lat_producer, NULL);
  int64_t deadline = lp.t0 + lp.period_ns * lp.total + 10000000000LL; /* schedule + 10 s grace */
  while (got < lp.total && now_ns() < deadline) {
    rd_kafka_message_t *m = rd_kafka_consumer_poll(ck, 100);
    int64_t now = now_ns();
    check_fatal();
    if (!m) continue;
    if (m->err) {
      if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) fail(2, "consume: %s", rd_kafka_message_errstr(m));
    } else if (m->len >= sizeof(struct lat_payload)) {
      struct lat_payload pl;
      memcpy(&pl, m->payload, sizeof pl);
      if (pl.magic == LAT_MAGIC && pl.seq < (uint64_t)lp.total) {
        if (seen[pl.seq]) {
          dups++;
        } else {
          seen[pl.seq] = 1;
          if (recv_at) recv_at[pl.seq] = now;
          lat[got++] = now - pl.sched_ns;
        }
      } else if (pl.magic != SYNC_MAGIC) {
        foreign++;
      }
    }
    rd_kafka_message_destroy(m);
  }
  int64_t c1 = cpu_ns();
  double window = (now_ns() - lp.t0) / 1e9;
  mark("end");
  pthread_join(th, NULL);
  if (p_failed) fail(2, "%ld of %ld deliveries failed: %s", p_failed, lp.total, p_err);
  if (got < lp.total) fail(2, "lost: received %ld of %ld messages", got, lp.total);
  if (recv_at) {
    FILE *f = fopen(dump, "w");
    if (f) {
      for (long i = 0; i < lp.total; i++)
        fprintf(f, "%ld %lld %lld %lld\n", i, (long long)(lp.t0 + i * lp.period_ns), (long long)recv_at[i], (long long)lp.sent_at[i]);
      fclose(f);
    }
    free(recv_at);
    free(lp.sent_at);
    lp.sent_at = NULL;
  }
  qsort(lat, got, sizeof *lat, cmp_i64);
  double sum = 0;
  for (long i = 0; i < got; i++) sum += lat[i];
  printf("{\"ok\":true,\"mode\":\"latency\",\"topic\":\"%s\",\"n\":%ld,\"size\":%d,\"rate\":%ld,\"secs\":%.3f,"
         "\"linger_ms\":%d,\"fetch_wait_max_ms\":%d,\"p50_us\":%.1f,\"p99_us\":%.1f,\"p999_us\":%.1f,\"max_us\":%.1f,"
         "\"min_us\":%.1f,\"mean_us\":%.1f,\"send_lag_max_us\":%.1f,\"dups\":%ld,\"foreign\":%ld,\"client_cpu_pct\":%.1f}\n",
         opt.topic, got, opt.size, opt.rate, opt.secs, linger, opt.fetch_wait, pct(lat, got, 50) / 1e3,
         pct(lat, got, 99) / 1e3, pct(lat, got, 99.9) / 1e3, lat[got - 1] / 1e3, lat[0] / 1e3, sum / got / 1e3,
         lp.max_lag_ns / 1e3, dups, foreign, (c1 - c0) / 1e7 / window);
  fflush(stdout);
  free(lat);
  free(seen);
  free(buf);
  rd_kafka_topic_partition_list_destroy(tp);
  rd_kafka_topic_destroy(ckt);
  rd_kafka_consumer_close(ck);
  rd_kafka_destroy(ck);
  rd_kafka_topic_destroy(lp.rkt);
  rd_kafka_destroy(lp.rk);
  return 0;
}

/* ---------------------------------------------------------------- mock */

/* librdkafka's in-process mock cluster, in a process of its own: the reference peer that shows how
 * fast this client can go against a broker that does almost no work. Runs until SIGTERM/SIGINT. */
static int run_mock(void) {
  sigset_t ss;
  sigemptyset(&ss);
  sigaddset(&ss, SIGTERM);
  sigaddset(&ss, SIGINT);
  pthread_sigmask(SIG_BLOCK, &ss, NULL); /* before librdkafka starts threads */
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  apply_x(conf);
  char err[512];
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (!rk) fail(2, "rd_kafka_new: %s", err);
  rd_kafka_mock_cluster_t *mc = rd_kafka_mock_cluster_new(rk, 1);
  if (!mc) fail(2, "mock cluster: could not start");
  char topics[1024];
  snprintf(topics, sizeof topics, "%s", opt.topic);
  for (char *save = NULL, *t = strtok_r(topics, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
    rd_kafka_resp_err_t e = rd_kafka_mock_topic_create(mc, t, opt.partitions, 1);
    if (e) fail(2, "mock topic %s: %s", t, rd_kafka_err2str(e));
  }
  printf("{\"ok\":true,\"mode\":\"mock\",\"bootstrap\":\"%s\",\"pid\":%d}\n", rd_kafka_mock_cluster_bootstraps(mc),
         (int)getpid());
  fflush(stdout);
  int sig = 0;
  sigwait(&ss, &sig);
  rd_kafka_mock_cluster_destroy(mc);
  rd_kafka_destroy(rk);
  return 0;
}

/* ---------------------------------------------------------------- main */

static void usage(void) {
  fprintf(stderr,
          "usage: loadgen <produce|txn|consume|latency|mock> [opts]\n"
          "  -b host:port  -t topic  -n N  -s bytes  -a acks  -l linger.ms  -B batch.size  -z codec\n"
          "  -k records per transaction (txn)  -K distinct keys (produce)\n"
          "  -p partition  -P partitions  -C (create topic first)  -R (consume: rewind at end)\n"
          "  -r rate  -d secs  -w fetch.wait.max.ms  -T time limit secs  -X key=value\n");
  printf("{\"ok\":false,\"error\":\"usage\"}\n");
  exit(64);
}

int main(int argc, char **argv) {
  if (argc < 2) usage();
  opt.mode = argv[1];
  optind = 2;
  int c;
  while ((c = getopt(argc, argv, "b:t:n:s:a:l:B:z:p:P:CRr:d:w:T:X:k:K:")) != -1) {
    switch (c) {
      case 'b': opt.brokers = optarg; break;
      case 't': opt.topic = optarg; break;
      case 'n': opt.n = atol(optarg); break;
      case 's': opt.size = atoi(optarg); break;
      case 'a': opt.acks = optarg; break;
      case 'l': opt.linger = atoi(optarg); break;
      case 'B': opt.batch_size = atol(optarg); break;
      case 'z': opt.codec = optarg; break;
      case 'p': opt.partition = atoi(optarg); break;
      case 'P': opt.partitions = atoi(optarg); break;
      case 'C': opt.create = 1; break;
      case 'R': opt.rewind = 1; break;
      case 'r': opt.rate = atol(optarg); break;
      case 'd': opt.secs = atof(optarg); break;
      case 'w': opt.fetch_wait = atoi(optarg); break;
      case 'T': opt.timeout_s = atoi(optarg); break;
      case 'k': opt.per_txn = atol(optarg); break;
      case 'K': opt.keys = atol(optarg); break;
      case 'X':
        if (opt.nx >= MAX_X) fail(64, "too many -X");
        opt.x[opt.nx++] = optarg;
        break;
      default: usage();
    }
  }
  if (opt.n <= 0 || opt.size < 0) fail(64, "bad -n or -s");
  int is_mock = !strcmp(opt.mode, "mock");
  if (!is_mock && !opt.brokers) {
    int inproc = 0;
    for (int i = 0; i < opt.nx; i++) inproc |= !strncmp(opt.x[i], "test.mock.num.brokers=", 22);
    if (!inproc) fail(64, "-b is required");
  }
  signal(SIGALRM, on_alarm);
  alarm(opt.timeout_s > 0 ? opt.timeout_s : is_mock ? 3600 : 120);
  if (!strcmp(opt.mode, "produce")) return run_produce();
  if (!strcmp(opt.mode, "txn")) return run_txn();
  if (!strcmp(opt.mode, "consume")) return run_consume();
  if (!strcmp(opt.mode, "latency")) return run_latency();
  if (is_mock) return run_mock();
  usage();
  return 64;
}
