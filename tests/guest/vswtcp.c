/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vswtcp: the TCP transfer of the real-guest test and bench (runs inside
 * the guests of scripts/guest-image, statically linked; also on the host,
 * where the unit test checks its generator against Python's).
 *
 *   vswtcp gen BYTES SEED          the stream on stdout
 *   vswtcp send [-n COUNT] ADDR PORT BYTES SEED
 *                                  connect (retrying for up to 120 s), send
 *                                  the stream, wait for the peer to close;
 *                                  COUNT times (default 1)
 *   vswtcp recv [-n COUNT] [-o] PORT BYTES
 *                                  accept a connection and read until it
 *                                  ends, COUNT times; with -o (and COUNT 1)
 *                                  then write what came (at most BYTES + 1
 *                                  bytes) to stdout
 *
 * The stream is what Python's random.Random(SEED).getrandbits(8 * BYTES)
 * .to_bytes(BYTES, "little") gives: MT19937 seeded by init_by_array with
 * SEED's 32-bit words, each output word little-endian, the last partial
 * word shifted right. send generates it before it connects, and recv
 * keeps what it reads until the connection ends, so that neither the
 * generator nor the hash counts in the time, which runs from connect() or
 * accept() to the end of the stream. Results go to stderr, one line per
 * transfer:
 *   vswtcp: sent=N usec=T       vswtcp: received=N usec=T
 * Exit status 0 on success, 1 on errors, 2 on usage errors.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MT_N 624
#define MT_M 397
#define CONNECT_TRIES 1200	/* 100 ms apart: 120 s */
#define IO_CHUNK (256 * 1024)
#define MAX_BYTES (1024ULL * 1024 * 1024)

struct mt {
	uint32_t s[MT_N];
	int i;
};

static void
mt_init(struct mt *m, uint32_t seed)
{
	int i;

	m->s[0] = seed;
	for (i = 1; i < MT_N; i++)
		m->s[i] = 1812433253U * (m->s[i - 1] ^ (m->s[i - 1] >> 30)) +
			(uint32_t)i;
	m->i = MT_N;
}

/* init_by_array() of the MT19937 reference code, as Python seeds. */
static void
mt_init_array(struct mt *m, const uint32_t *key, int len)
{
	int i = 1, j = 0, k;

	mt_init(m, 19650218U);
	for (k = MT_N > len ? MT_N : len; k > 0; k--) {
		m->s[i] = (m->s[i] ^ ((m->s[i - 1] ^ (m->s[i - 1] >> 30)) *
			1664525U)) + key[j] + (uint32_t)j;
		i++;
		j++;
		if (i >= MT_N) {
			m->s[0] = m->s[MT_N - 1];
			i = 1;
		}
		if (j >= len)
			j = 0;
	}
	for (k = MT_N - 1; k > 0; k--) {
		m->s[i] = (m->s[i] ^ ((m->s[i - 1] ^ (m->s[i - 1] >> 30)) *
			1566083941U)) - (uint32_t)i;
		i++;
		if (i >= MT_N) {
			m->s[0] = m->s[MT_N - 1];
			i = 1;
		}
	}
	m->s[0] = 0x80000000U;
}

static void
mt_twist(struct mt *m)
{
	uint32_t y;
	int k;

	for (k = 0; k < MT_N; k++) {
		y = (m->s[k] & 0x80000000U) | (m->s[(k + 1) % MT_N] & 0x7fffffffU);
		m->s[k] = m->s[(k + MT_M) % MT_N] ^ (y >> 1) ^
			((y & 1) ? 0x9908b0dfU : 0);
	}
	m->i = 0;
}

static uint32_t
mt_next(struct mt *m)
{
	uint32_t y;

	if (m->i >= MT_N)
		mt_twist(m);
	y = m->s[m->i++];
	y ^= y >> 11;
	y ^= (y << 7) & 0x9d2c5680U;
	y ^= (y << 15) & 0xefc60000U;
	y ^= y >> 18;
	return y;
}

/* @p n bytes of the stream of @p seed into @p buf. */
static void
stream_fill(uint8_t *buf, size_t n, uint64_t seed)
{
	uint32_t key[2] = { (uint32_t)seed, (uint32_t)(seed >> 32) };
	struct mt m;
	uint32_t w;
	size_t i, k;

	mt_init_array(&m, key, key[1] != 0 ? 2 : 1);
	for (i = 0; i + 4 <= n; i += 4) {
		w = mt_next(&m);
		buf[i] = (uint8_t)w;
		buf[i + 1] = (uint8_t)(w >> 8);
		buf[i + 2] = (uint8_t)(w >> 16);
		buf[i + 3] = (uint8_t)(w >> 24);
	}
	if (i < n) {
		w = mt_next(&m) >> (32 - 8 * (n - i));
		for (k = 0; i < n; i++, k++)
			buf[i] = (uint8_t)(w >> (8 * k));
	}
}

static uint64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static int
write_all(int fd, const uint8_t *buf, size_t n)
{
	ssize_t w;

	while (n > 0) {
		w = write(fd, buf, n < IO_CHUNK ? n : IO_CHUNK);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		buf += w;
		n -= (size_t)w;
	}
	return 0;
}

static int
parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v > max || s[0] == '-')
		return -1;
	*out = v;
	return 0;
}

static uint8_t *
alloc_stream(uint64_t n)
{
	uint8_t *buf = malloc(n > 0 ? n : 1);

	if (buf == NULL)
		fprintf(stderr, "vswtcp: cannot allocate %llu bytes\n",
			(unsigned long long)n);
	return buf;
}

static int
cmd_gen(uint64_t n, uint64_t seed)
{
	uint8_t *buf = alloc_stream(n);
	int ret;

	if (buf == NULL)
		return 1;
	stream_fill(buf, n, seed);
	ret = write_all(STDOUT_FILENO, buf, n) == 0 ? 0 : 1;
	free(buf);
	return ret;
}

static int
connect_retry(const struct sockaddr_in *sa)
{
	int fd, t;

	for (t = 0; t < CONNECT_TRIES; t++) {
		fd = socket(AF_INET, SOCK_STREAM, 0);
		if (fd < 0)
			return -1;
		if (connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) == 0)
			return fd;
		close(fd);
		usleep(100 * 1000);
	}
	errno = ETIMEDOUT;
	return -1;
}

/* One transfer of @p n bytes of @p buf to @p sa. */
static int
send_one(const struct sockaddr_in *sa, const uint8_t *buf, uint64_t n)
{
	uint64_t t0, t1;
	uint8_t tmp[64];
	int fd;

	fd = connect_retry(sa);
	if (fd < 0) {
		fprintf(stderr, "vswtcp: connect: %s\n", strerror(errno));
		return -1;
	}
	t0 = now_us();
	if (write_all(fd, buf, n) != 0 || shutdown(fd, SHUT_WR) != 0) {
		fprintf(stderr, "vswtcp: send: %s\n", strerror(errno));
		close(fd);
		return -1;
	}
	/* The peer closes once it has read everything. */
	while (read(fd, tmp, sizeof(tmp)) > 0)
		;
	t1 = now_us();
	close(fd);
	fprintf(stderr, "vswtcp: sent=%llu usec=%llu\n",
		(unsigned long long)n, (unsigned long long)(t1 - t0));
	return 0;
}

static int
cmd_send(const char *addr, uint16_t port, uint64_t n, uint64_t seed,
	uint64_t count)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	uint8_t *buf;
	uint64_t k;
	int ret = 0;

	sa.sin_port = htons(port);
	if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1) {
		fprintf(stderr, "vswtcp: bad address %s\n", addr);
		return 2;
	}
	buf = alloc_stream(n);
	if (buf == NULL)
		return 1;
	stream_fill(buf, n, seed);
	for (k = 0; k < count && ret == 0; k++)
		ret = send_one(&sa, buf, n) == 0 ? 0 : 1;
	free(buf);
	return ret;
}

static int
listen_on(uint16_t port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	int fd, one = 1;

	sa.sin_port = htons(port);
	sa.sin_addr.s_addr = htonl(INADDR_ANY);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    listen(fd, 1) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Read until the connection ends; keep at most @p cap bytes, count all. */
static int
read_stream(int fd, uint8_t *buf, uint64_t cap, uint64_t *got)
{
	uint8_t sink[4096];
	uint64_t total = 0;
	ssize_t r;

	for (;;) {
		if (total < cap)
			r = read(fd, buf + total,
				cap - total < IO_CHUNK ? cap - total : IO_CHUNK);
		else
			r = read(fd, sink, sizeof(sink));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		total += (uint64_t)r;
	}
	*got = total;
	return 0;
}

/* Accept one connection on @p lfd and read it to its end. */
static int
recv_one(int lfd, uint8_t *buf, uint64_t cap, uint64_t *got)
{
	uint64_t t0, t1;
	int fd;

	fd = accept(lfd, NULL, NULL);
	if (fd < 0) {
		fprintf(stderr, "vswtcp: accept: %s\n", strerror(errno));
		return -1;
	}
	t0 = now_us();
	if (read_stream(fd, buf, cap, got) != 0) {
		fprintf(stderr, "vswtcp: recv: %s\n", strerror(errno));
		close(fd);
		return -1;
	}
	t1 = now_us();
	close(fd);
	fprintf(stderr, "vswtcp: received=%llu usec=%llu\n",
		(unsigned long long)*got, (unsigned long long)(t1 - t0));
	return 0;
}

static int
cmd_recv(uint16_t port, uint64_t n, uint64_t count, int out)
{
	uint64_t cap = out ? n + 1 : 0, got = 0, k;
	uint8_t *buf = alloc_stream(cap);
	int lfd, ret = 0;

	if (buf == NULL)
		return 1;
	lfd = listen_on(port);
	if (lfd < 0) {
		fprintf(stderr, "vswtcp: listen on %u: %s\n", port,
			strerror(errno));
		free(buf);
		return 1;
	}
	for (k = 0; k < count && ret == 0; k++)
		ret = recv_one(lfd, buf, cap, &got) == 0 ? 0 : 1;
	close(lfd);
	if (ret == 0 && out &&
	    write_all(STDOUT_FILENO, buf, got < cap ? got : cap) != 0)
		ret = 1;
	free(buf);
	return ret;
}

static int
usage(void)
{
	fprintf(stderr, "usage: vswtcp gen BYTES SEED\n"
		"       vswtcp send [-n COUNT] ADDR PORT BYTES SEED\n"
		"       vswtcp recv [-n COUNT] [-o] PORT BYTES\n");
	return 2;
}

int
main(int argc, char **argv)
{
	uint64_t n, seed, port, count = 1;
	const char *cmd;
	int c, out = 0;

	if (argc < 2)
		return usage();
	cmd = argv[1];
	optind = 2;
	while ((c = getopt(argc, argv, "n:o")) != -1) {
		if (c == 'n' && parse_u64(optarg, 1000000, &count) == 0 &&
		    count > 0)
			continue;
		if (c == 'o') {
			out = 1;
			continue;
		}
		return usage();
	}
	argc -= optind;
	argv += optind;
	if (strcmp(cmd, "gen") == 0 && argc == 2 &&
	    parse_u64(argv[0], MAX_BYTES, &n) == 0 &&
	    parse_u64(argv[1], UINT64_MAX, &seed) == 0)
		return cmd_gen(n, seed);
	if (strcmp(cmd, "send") == 0 && argc == 4 &&
	    parse_u64(argv[1], 65535, &port) == 0 && port > 0 &&
	    parse_u64(argv[2], MAX_BYTES, &n) == 0 &&
	    parse_u64(argv[3], UINT64_MAX, &seed) == 0)
		return cmd_send(argv[0], (uint16_t)port, n, seed, count);
	if (strcmp(cmd, "recv") == 0 && argc == 2 && (!out || count == 1) &&
	    parse_u64(argv[0], 65535, &port) == 0 && port > 0 &&
	    parse_u64(argv[1], MAX_BYTES, &n) == 0)
		return cmd_recv((uint16_t)port, n, count, out);
	return usage();
}
