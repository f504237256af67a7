// SPDX-License-Identifier: GPL-2.0
/*
 * p2pio - O_DIRECT block I/O through a PCI P2PDMA buffer, verified byte for
 * byte.
 *
 * The buffer is mapped from a provider's /sys/bus/pci/devices/<bdf>/p2pmem/
 * allocate file (or is ordinary host memory with -p host, for comparison).
 * Data is a pattern that depends on the seed and the absolute device offset,
 * so a block read from the wrong place, or not read at all, is caught. Before
 * every read the buffer is poisoned, so stale buffer contents never pass.
 *
 * Exit status: 0 success (or the expected errno with -e), 1 data mismatch or
 * unexpected outcome, 2 I/O error, 3 bad command line, 4 setup failure.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum { EXIT_MISMATCH = 1, EXIT_IO = 2, EXIT_USAGE = 3, EXIT_SETUP = 4 };
enum mode { MODE_WRITE, MODE_READ, MODE_RW };

struct opts {
	const char *dev;
	const char *provider;	/* BDF, path to p2pmem/allocate, or "host" */
	enum mode mode;
	uint64_t offset;
	uint64_t size;
	uint64_t bs;
	uint64_t seed;
	int expect_errno;	/* 0: expect success */
	bool quiet;
};

struct buf {
	unsigned char *p;
	size_t len;
	bool p2p;
	char where[256];
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: p2pio -d DEV -p PROVIDER [-m write|read|rw] [-o OFFSET] [-s SIZE]\n"
		"             [-b BS] [-S SEED] [-e ERRNO] [-q]\n"
		"  -d DEV       block device, opened with O_DIRECT\n"
		"  -p PROVIDER  PCI address of a P2P provider (0000:01:00.0), a path to its\n"
		"               p2pmem/allocate file, or 'host' for host memory\n"
		"  -m MODE      write, read (verify), or rw (write, then read back and verify);\n"
		"               default rw\n"
		"  -o OFFSET    device byte offset (default 0)\n"
		"  -s SIZE      bytes to transfer (default 1M)\n"
		"  -b BS        bytes per system call, also the buffer size (default 64k)\n"
		"  -S SEED      pattern seed (default 1)\n"
		"  -e ERRNO     expect the first I/O to fail with this errno (name or number)\n"
		"  -q           print nothing on success\n"
		"Sizes take k, m, g suffixes (powers of 1024).\n");
}

static int parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s)
		return -1;
	switch (*end) {
	case 'k': case 'K': v <<= 10; end++; break;
	case 'm': case 'M': v <<= 20; end++; break;
	case 'g': case 'G': v <<= 30; end++; break;
	}
	if (*end)
		return -1;
	*out = v;
	return 0;
}

static int parse_errno(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*s && !*end)
		return v > 0 ? (int)v : -1;
	for (int e = 1; e < 256; e++) {
		const char *name = strerrorname_np(e);

		if (name && !strcmp(name, s))
			return e;
	}
	return -1;
}

static const char *errname(int e)
{
	const char *n = strerrorname_np(e);

	return n ? n : "?";
}

/* splitmix64: a cheap, well-mixed function of (seed, offset). */
static uint64_t pattern_word(uint64_t seed, uint64_t off)
{
	uint64_t z = seed * 0x9e3779b97f4a7c15ULL + off;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void fill_pattern(uint64_t *dst, size_t len, uint64_t seed, uint64_t off)
{
	for (size_t i = 0; i < len / 8; i++)
		dst[i] = pattern_word(seed, off + i * 8);
}

static int map_buffer(const struct opts *o, struct buf *b)
{
	char path[512];
	int fd;

	b->len = o->bs;
	if (!strcmp(o->provider, "host")) {
		snprintf(b->where, sizeof(b->where), "host memory");
		if (posix_memalign((void **)&b->p, 4096, b->len))
			return -1;
		return 0;
	}
	if (strchr(o->provider, '/'))
		snprintf(path, sizeof(path), "%s", o->provider);
	else
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/p2pmem/allocate",
			 o->provider);
	snprintf(b->where, sizeof(b->where), "p2pmem of %s", o->provider);
	fd = open(path, O_RDWR);
	if (fd < 0) {
		fprintf(stderr, "p2pio: open %s: %s (%s)\n", path, strerror(errno),
			errname(errno));
		return -1;
	}
	b->p = mmap(NULL, b->len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (b->p == MAP_FAILED) {
		fprintf(stderr, "p2pio: mmap %zu bytes of %s: %s (%s)\n", b->len, path,
			strerror(errno), errname(errno));
		return -1;
	}
	b->p2p = true;
	return 0;
}

static void unmap_buffer(struct buf *b)
{
	if (b->p2p)
		munmap(b->p, b->len);
	else
		free(b->p);
}

/* Returns 0, or the errno of the failed call (-1 for a short transfer). */
static int do_io(int fd, bool wr, void *p, size_t len, uint64_t off)
{
	ssize_t n = wr ? pwrite(fd, p, len, (off_t)off) : pread(fd, p, len, (off_t)off);

	if (n < 0)
		return errno;
	return (size_t)n == len ? 0 : -1;
}

struct run {
	const struct opts *o;
	struct buf *b;
	uint64_t *host;	/* staging copy: the CPU touches P2P memory by memcpy only */
	int fd;
	bool first;
	double secs[2];	/* time spent in read and write calls */
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* One chunk. Returns an exit status, or -1 to continue. */
static int chunk(struct run *r, bool wr, uint64_t off, size_t len)
{
	const struct opts *o = r->o;
	double t0;
	int err;

	if (wr) {
		fill_pattern(r->host, len, o->seed, off);
		memcpy(r->b->p, r->host, len);
	} else {
		memset(r->b->p, 0xa5, len);
	}
	t0 = now();
	err = do_io(r->fd, wr, r->b->p, len, off);
	r->secs[wr] += now() - t0;
	if (r->first && o->expect_errno) {
		if (err == o->expect_errno) {
			if (!o->quiet)
				printf("p2pio: %s %s at %" PRIu64 " with %s failed with %s, as expected\n",
				       wr ? "write" : "read", o->dev, off, r->b->where, errname(err));
			return 0;
		}
		fprintf(stderr, "p2pio: %s %s at %" PRIu64 " with %s: expected %s, got %s\n",
			wr ? "write" : "read", o->dev, off, r->b->where,
			errname(o->expect_errno), err ? (err > 0 ? errname(err) : "short transfer")
						      : "success");
		return EXIT_MISMATCH;
	}
	r->first = false;
	if (err) {
		fprintf(stderr, "p2pio: %s %s at %" PRIu64 " len %zu with %s: %s (%s, errno %d)\n",
			wr ? "pwrite" : "pread", o->dev, off, len, r->b->where,
			err > 0 ? strerror(err) : "short transfer", err > 0 ? errname(err) : "-",
			err > 0 ? err : 0);
		return EXIT_IO;
	}
	if (wr)
		return -1;
	memcpy(r->host, r->b->p, len);
	for (size_t i = 0; i < len / 8; i++) {
		uint64_t want = pattern_word(o->seed, off + i * 8);

		if (r->host[i] != want) {
			fprintf(stderr, "p2pio: data mismatch on %s at byte %" PRIu64
				": read %016" PRIx64 ", expected %016" PRIx64 " (buffer: %s)\n",
				o->dev, off + i * 8, r->host[i], want, r->b->where);
			return EXIT_MISMATCH;
		}
	}
	return -1;
}

static int pass(struct run *r, bool wr)
{
	const struct opts *o = r->o;

	for (uint64_t done = 0; done < o->size; done += o->bs) {
		size_t len = o->size - done < o->bs ? o->size - done : o->bs;
		int rc = chunk(r, wr, o->offset + done, len);

		if (rc >= 0)
			return rc;
	}
	if (wr && fdatasync(r->fd)) {
		fprintf(stderr, "p2pio: fdatasync %s: %s (%s)\n", o->dev, strerror(errno),
			errname(errno));
		return EXIT_IO;
	}
	return -1;
}

static void report(const struct run *r)
{
	const struct opts *o = r->o;
	double mib = o->size / 1048576.0;

	printf("p2pio: %s %" PRIu64 " bytes of %s at %" PRIu64 " through %s: ok",
	       o->mode == MODE_WRITE ? "wrote" : o->mode == MODE_READ ? "verified" :
	       "wrote and verified", o->size, o->dev, o->offset, r->b->where);
	if (o->mode != MODE_READ && r->secs[1] > 0)
		printf(", write %.1f MiB/s", mib / r->secs[1]);
	if (o->mode != MODE_WRITE && r->secs[0] > 0)
		printf(", read %.1f MiB/s", mib / r->secs[0]);
	printf("\n");
}

static int run(const struct opts *o)
{
	struct buf b = { 0 };
	struct run r = { .o = o, .b = &b, .first = true };
	int rc = EXIT_SETUP;

	r.fd = open(o->dev, (o->mode == MODE_READ ? O_RDONLY : O_RDWR) | O_DIRECT);
	if (r.fd < 0) {
		fprintf(stderr, "p2pio: open %s: %s (%s)\n", o->dev, strerror(errno),
			errname(errno));
		return EXIT_SETUP;
	}
	if (map_buffer(o, &b))
		goto out_close;
	if (posix_memalign((void **)&r.host, 4096, o->bs))
		goto out_unmap;
	rc = -1;
	if (o->mode != MODE_READ)
		rc = pass(&r, true);
	if (rc < 0 && o->mode != MODE_WRITE)
		rc = pass(&r, false);
	if (rc < 0) {
		if (o->expect_errno) {
			fprintf(stderr, "p2pio: expected %s from %s, but all I/O succeeded\n",
				errname(o->expect_errno), o->dev);
			rc = EXIT_MISMATCH;
		} else {
			if (!o->quiet)
				report(&r);
			rc = 0;
		}
	}
	free(r.host);
out_unmap:
	unmap_buffer(&b);
out_close:
	close(r.fd);
	return rc;
}

static int parse_args(int argc, char **argv, struct opts *o)
{
	int c;

	*o = (struct opts){ .mode = MODE_RW, .size = 1 << 20, .bs = 64 << 10, .seed = 1 };
	while ((c = getopt(argc, argv, "d:p:m:o:s:b:S:e:qh")) != -1) {
		switch (c) {
		case 'd': o->dev = optarg; break;
		case 'p': o->provider = optarg; break;
		case 'm':
			if (!strcmp(optarg, "write"))
				o->mode = MODE_WRITE;
			else if (!strcmp(optarg, "read"))
				o->mode = MODE_READ;
			else if (!strcmp(optarg, "rw"))
				o->mode = MODE_RW;
			else
				return fprintf(stderr, "p2pio: bad mode '%s'\n", optarg), -1;
			break;
		case 'o':
		case 's':
		case 'b':
		case 'S':
			if (parse_size(optarg, c == 'o' ? &o->offset : c == 's' ? &o->size :
					       c == 'b' ? &o->bs : &o->seed))
				return fprintf(stderr, "p2pio: bad number '%s' for -%c\n",
					       optarg, c), -1;
			break;
		case 'e':
			o->expect_errno = parse_errno(optarg);
			if (o->expect_errno <= 0)
				return fprintf(stderr, "p2pio: unknown errno '%s'\n", optarg), -1;
			break;
		case 'q': o->quiet = true; break;
		case 'h': usage(stdout); exit(0);
		default: return -1;
		}
	}
	if (optind != argc || !o->dev || !o->provider)
		return fprintf(stderr, "p2pio: -d and -p are required\n"), -1;
	if (!o->bs || o->bs % 512 || o->size % 512 || o->offset % 512 || !o->size)
		return fprintf(stderr, "p2pio: offset, size and block size must be non-zero multiples of 512\n"), -1;
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o;

	if (parse_args(argc, argv, &o)) {
		usage(stderr);
		return EXIT_USAGE;
	}
	return run(&o);
}
