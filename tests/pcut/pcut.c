// SPDX-License-Identifier: GPL-2.0
/*
 * pcut - write a block device until the power is cut, and afterwards check
 * that every write acknowledged by a flush reads back intact.
 *
 *   pcut write  -d DEV -l LOG -o LOGOFF -r RUN -j JOB -J JOBS [-p PROVIDER]
 *               [-s REGION] [-b MAXBS] [-k SYNC] [-S SEED]
 *   pcut verify -d DEV -l LOG -o LOGOFF [-s REGION] [-v]
 *
 * The writer owns the JOB-th of JOBS equal parts of the first REGION bytes
 * of DEV. It writes random runs of 1 to MAXBS/4096 pages at random page
 * offsets with O_DIRECT, from a buffer in a PCI P2PDMA provider's memory
 * (PROVIDER: a PCI address or the path of a p2pmem/allocate file) or from
 * host memory (the default, or PROVIDER "host"). Each write has a number,
 * its generation, counted from 1. After every SYNC writes it calls
 * fdatasync() on DEV (a flush down to the media), and only then records in
 * its slot on LOG "every write up to generation G is acknowledged", with
 * O_DIRECT | O_DSYNC. The slot is RUN * JOBS + JOB; a slot is 8 KiB at
 * LOGOFF + slot * 8 KiB, two 4 KiB copies written in turn, so a cut during
 * a log write leaves the other one. The writer writes until it is killed.
 *
 * Every page written says which page it is, which slot and generation
 * wrote it, and carries a pattern derived from those, so any page read
 * back is either one that some write produced in full or is foreign.
 *
 * The verifier reads every slot of LOG from LOGOFF on (RUNs in order; one
 * run's jobs write disjoint pages), replays each writer's random sequence
 * from its seed, and finds for each page the last acknowledged write, and
 * the writes issued after it that were not acknowledged (at most SYNC per
 * slot: a writer issues no more before its next flush). The page must hold
 * one of those; a page with no acknowledged write may hold anything. It
 * prints a summary, and each bad page (the first 20).
 *
 * Exit status: 0 success, 1 a page lost an acknowledged write, 2 I/O error,
 * 3 bad command line, 4 setup failure.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

enum { EXIT_LOST = 1, EXIT_IO = 2, EXIT_USAGE = 3, EXIT_SETUP = 4 };

#define PAGE 4096u
#define SLOT_BYTES (2 * PAGE)
#define MAX_SLOTS 1024u
#define PAGE_MAGIC 0x3176656761507550ull /* "PuPagev1" */
#define LOG_MAGIC 0x31676f4c74755070ull	 /* "pPutLog1" */

struct opts {
	const char *dev, *log, *provider;
	uint64_t logoff, region, maxbs, seed;
	unsigned int run, job, jobs, sync;
	bool have_run, have_job, verbose;
};

/* The header of every page written. */
struct page_head {
	uint64_t magic;
	uint64_t page;	/* page index on DEV */
	uint64_t gen;	/* the write's generation in its slot */
	uint32_t slot;
	uint32_t pad;
	uint64_t seed;	/* the slot's seed */
};

/* One copy of a slot's record on LOG. */
struct log_rec {
	uint64_t magic;
	uint64_t seq;	/* which copy is newer */
	uint64_t acked;	/* generations 1..acked are on the media */
	uint64_t seed;
	uint64_t first, pages;	/* the job's part of DEV, in pages */
	uint64_t maxpages;
	uint32_t slot, sync;
	uint64_t check;	/* hash of the fields above */
};

static uint64_t splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t hash_bytes(const void *p, size_t len)
{
	const unsigned char *c = p;
	uint64_t h = 0xcbf29ce484222325ull;

	while (len--)
		h = (h ^ *c++) * 0x100000001b3ull;
	return h;
}

/* The content of PAGE as written by generation GEN of SLOT. */
static void fill_page(uint64_t *dst, uint32_t slot, uint64_t seed, uint64_t page, uint64_t gen)
{
	struct page_head h = { PAGE_MAGIC, page, gen, slot, 0, seed };
	uint64_t x = seed ^ (page * 0xd1b54a32d192ed03ull) ^ (gen << 20) ^ slot;
	size_t i;

	memcpy(dst, &h, sizeof(h));
	for (i = sizeof(h) / 8; i < PAGE / 8; i++)
		dst[i] = splitmix(&x);
}

/* A writer's sequence: write GEN covers pages [*first, *first + *n). */
struct seq {
	uint64_t state, first, pages, maxpages;
};

static void seq_init(struct seq *s, uint64_t seed, uint64_t first, uint64_t pages,
		     uint64_t maxpages)
{
	s->state = seed;
	s->first = first;
	s->pages = pages;
	s->maxpages = maxpages < pages ? maxpages : pages;
}

static void seq_next(struct seq *s, uint64_t *first, uint64_t *n)
{
	*n = 1 + splitmix(&s->state) % s->maxpages;
	*first = s->first + splitmix(&s->state) % (s->pages - *n + 1);
}

static int parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *s == '-')
		return -1;
	switch (*end) {
	case 'k': case 'K': v <<= 10; end++; break;
	case 'm': case 'M': v <<= 20; end++; break;
	case 'g': case 'G': v <<= 30; end++; break;
	default: break;
	}
	if (*end)
		return -1;
	*out = v;
	return 0;
}

static int parse_uint(const char *s, unsigned int *out)
{
	uint64_t v;

	if (parse_size(s, &v) || v > 1u << 20)
		return -1;
	*out = (unsigned int)v;
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: pcut write  -d DEV -l LOG -o LOGOFF -r RUN -j JOB -J JOBS [-p PROVIDER]\n"
		"                   [-s REGION] [-b MAXBS] [-k SYNC] [-S SEED]\n"
		"       pcut verify -d DEV -l LOG -o LOGOFF [-s REGION] [-v]\n"
		"  -d DEV       the device written, opened with O_DIRECT\n"
		"  -l LOG       the device that records what was acknowledged\n"
		"  -o LOGOFF    byte offset of slot 0 on LOG (a multiple of 4096)\n"
		"  -r RUN -j JOB -J JOBS\n"
		"               the writer's slot is RUN * JOBS + JOB; it writes part JOB of JOBS\n"
		"  -p PROVIDER  a P2P provider's PCI address or p2pmem/allocate path, or host\n"
		"  -s REGION    bytes of DEV used, from offset 0 (default 8M)\n"
		"  -b MAXBS     largest write (default 64k)\n"
		"  -k SYNC      writes between flushes (default 8)\n"
		"  -S SEED      seed of the writer's sequence (default 1)\n"
		"  -v           verify: print every slot found\n");
}

static int parse_args(int argc, char **argv, struct opts *o)
{
	int c;

	*o = (struct opts){ .region = 8 << 20, .maxbs = 64 << 10, .seed = 1, .sync = 8,
			    .jobs = 1 };
	while ((c = getopt(argc, argv, "d:l:o:r:j:J:p:s:b:k:S:vh")) != -1) {
		switch (c) {
		case 'd': o->dev = optarg; break;
		case 'l': o->log = optarg; break;
		case 'p': o->provider = optarg; break;
		case 'o':
			if (parse_size(optarg, &o->logoff) || o->logoff % PAGE)
				return -1;
			break;
		case 'r':
			if (parse_uint(optarg, &o->run))
				return -1;
			o->have_run = true;
			break;
		case 'j':
			if (parse_uint(optarg, &o->job))
				return -1;
			o->have_job = true;
			break;
		case 'J':
			if (parse_uint(optarg, &o->jobs) || !o->jobs)
				return -1;
			break;
		case 's':
			if (parse_size(optarg, &o->region) || !o->region || o->region % PAGE)
				return -1;
			break;
		case 'b':
			if (parse_size(optarg, &o->maxbs) || !o->maxbs || o->maxbs % PAGE ||
			    o->maxbs > 16 << 20)
				return -1;
			break;
		case 'k':
			if (parse_uint(optarg, &o->sync) || !o->sync)
				return -1;
			break;
		case 'S':
			if (parse_size(optarg, &o->seed))
				return -1;
			break;
		case 'v': o->verbose = true; break;
		case 'h': usage(stdout); exit(0);
		default: return -1;
		}
	}
	if (!o->dev || !o->log)
		return -1;
	return 0;
}

static int open_dev(const char *path, int flags)
{
	int fd = open(path, flags | O_DIRECT);

	if (fd < 0)
		fprintf(stderr, "pcut: open %s: %s\n", path, strerror(errno));
	return fd;
}

/* Closes what open_dev() opened for a command: its device and its log. */
static void close_both(int fd, int lfd)
{
	if (fd >= 0)
		close(fd);
	if (lfd >= 0)
		close(lfd);
}

static int full_io(int fd, bool wr, void *p, size_t len, uint64_t off)
{
	ssize_t n = wr ? pwrite(fd, p, len, (off_t)off) : pread(fd, p, len, (off_t)off);

	if (n == (ssize_t)len)
		return 0;
	return n < 0 ? errno : EIO;
}

/* The data buffer: MAXBS bytes of P2P memory, or of host memory. */
static void *map_buffer(const char *provider, size_t len)
{
	char path[512];
	void *p;
	int fd;

	if (!provider || !strcmp(provider, "host")) {
		if (posix_memalign(&p, PAGE, len))
			return NULL;
		return p;
	}
	if (strchr(provider, '/'))
		snprintf(path, sizeof(path), "%s", provider);
	else
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/p2pmem/allocate", provider);
	fd = open(path, O_RDWR);
	if (fd < 0) {
		fprintf(stderr, "pcut: open %s: %s\n", path, strerror(errno));
		return NULL;
	}
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED) {
		fprintf(stderr, "pcut: mmap %zu bytes of %s: %s\n", len, path, strerror(errno));
		return NULL;
	}
	return p;
}

static int log_write(int fd, uint64_t logoff, struct log_rec *r, void *page)
{
	r->seq++;
	r->check = hash_bytes(r, offsetof(struct log_rec, check));
	memset(page, 0, PAGE);
	memcpy(page, r, sizeof(*r));
	return full_io(fd, true, page, PAGE,
		       logoff + (uint64_t)r->slot * SLOT_BYTES + (r->seq & 1) * PAGE);
}

/* The writer's loop on opened devices and allocated buffers: until killed,
 * or an error.
 */
static int write_loop(const struct opts *o, int fd, int lfd, unsigned char *buf,
		      uint64_t *host, uint64_t *logpage)
{
	uint64_t pages = o->region / PAGE / o->jobs, gen, first, n, i;
	struct log_rec rec;
	struct seq s;
	int err;

	rec = (struct log_rec){ .magic = LOG_MAGIC,
				.seed = o->seed ^ ((uint64_t)o->run << 32) ^ o->job,
				.first = pages * o->job, .pages = pages,
				.maxpages = o->maxbs / PAGE, .slot = o->run * o->jobs + o->job,
				.sync = o->sync };
	/* Both copies, so that no stale record of an earlier test survives. */
	err = log_write(lfd, o->logoff, &rec, logpage);
	if (!err)
		err = log_write(lfd, o->logoff, &rec, logpage);
	if (err) {
		fprintf(stderr, "pcut: write to %s: %s\n", o->log, strerror(err));
		return EXIT_IO;
	}
	seq_init(&s, rec.seed, rec.first, rec.pages, rec.maxpages);
	for (gen = 1;; gen++) {
		seq_next(&s, &first, &n);
		for (i = 0; i < n; i++)
			fill_page(host + i * (PAGE / 8), rec.slot, rec.seed, first + i, gen);
		memcpy(buf, host, n * PAGE);
		err = full_io(fd, true, buf, n * PAGE, first * PAGE);
		if (err) {
			fprintf(stderr, "pcut: write %" PRIu64 " of %" PRIu64 " pages at page %" PRIu64
				" of %s: %s\n", gen, n, first, o->dev, strerror(err));
			return EXIT_IO;
		}
		if (gen % o->sync)
			continue;
		if (fdatasync(fd)) {
			fprintf(stderr, "pcut: flush %s: %s\n", o->dev, strerror(errno));
			return EXIT_IO;
		}
		rec.acked = gen;
		err = log_write(lfd, o->logoff, &rec, logpage);
		if (err) {
			fprintf(stderr, "pcut: write to %s: %s\n", o->log, strerror(err));
			return EXIT_IO;
		}
	}
}

static int do_write(const struct opts *o)
{
	bool p2p = o->provider && strcmp(o->provider, "host");
	uint64_t *host = NULL, *logpage = NULL;
	unsigned char *buf;
	int fd, lfd, ret = EXIT_SETUP;

	if (!o->have_run || !o->have_job || o->job >= o->jobs || !(o->region / PAGE / o->jobs) ||
	    o->run * o->jobs + o->job >= MAX_SLOTS) {
		fprintf(stderr, "pcut: write needs -r RUN -j JOB -J JOBS, JOB < JOBS, slots < %u\n",
			MAX_SLOTS);
		return EXIT_USAGE;
	}
	fd = open_dev(o->dev, O_RDWR);
	lfd = open_dev(o->log, O_RDWR | O_DSYNC);
	buf = map_buffer(o->provider, o->maxbs);
	if (fd >= 0 && lfd >= 0 && buf && !posix_memalign((void **)&host, PAGE, o->maxbs) &&
	    !posix_memalign((void **)&logpage, PAGE, PAGE))
		ret = write_loop(o, fd, lfd, buf, host, logpage);
	if (buf && p2p)
		munmap(buf, o->maxbs);
	else
		free(buf);
	free(host);
	free(logpage);
	close_both(fd, lfd);
	return ret;
}

/* What a page may hold: the last acknowledged write, or a later one. */
struct mark {
	uint32_t slot;
	uint64_t gen;
};

struct page_state {
	struct mark acked;	/* gen 0: no acknowledged write */
	struct mark *later;	/* writes issued after it, not acknowledged */
	unsigned int nlater;
};

static int add_later(struct page_state *p, uint32_t slot, uint64_t gen)
{
	struct mark *m = realloc(p->later, (p->nlater + 1) * sizeof(*m));

	if (!m)
		return -1;
	m[p->nlater++] = (struct mark){ slot, gen };
	p->later = m;
	return 0;
}

static bool rec_valid(const struct log_rec *r, uint32_t slot, uint64_t npages)
{
	return r->magic == LOG_MAGIC && r->check == hash_bytes(r, offsetof(struct log_rec, check)) &&
	       r->slot == slot && r->sync && r->maxpages && r->pages &&
	       r->first + r->pages <= npages;
}

/* The verifier's work on opened devices and allocated buffers. */
static int verify(const struct opts *o, int fd, int lfd, struct page_state *st,
		  unsigned char *lbuf, uint64_t *want, uint64_t *got)
{
	uint64_t npages = o->region / PAGE, p, gen, first, n, i, acked_pages = 0;
	uint64_t later_pages = 0, bad = 0, slots = 0, writes = 0;
	struct log_rec rec[2];
	uint32_t slot, nslots;
	off_t logsize;
	int err;

	logsize = lseek(lfd, 0, SEEK_END);
	if (logsize < 0 || (uint64_t)logsize < o->logoff) {
		fprintf(stderr, "pcut: %s ends before offset %" PRIu64 "\n", o->log, o->logoff);
		return EXIT_SETUP;
	}
	nslots = (uint64_t)logsize - o->logoff < (uint64_t)MAX_SLOTS * SLOT_BYTES ?
		 ((uint64_t)logsize - o->logoff) / SLOT_BYTES : MAX_SLOTS;

	for (slot = 0; slot < nslots; slot++) {
		const struct log_rec *r;
		struct seq s;
		bool ok0, ok1;

		err = full_io(lfd, false, lbuf, SLOT_BYTES, o->logoff + (uint64_t)slot * SLOT_BYTES);
		if (err) {
			fprintf(stderr, "pcut: read %s: %s\n", o->log, strerror(err));
			return EXIT_IO;
		}
		memcpy(&rec[0], lbuf, sizeof(rec[0]));
		memcpy(&rec[1], lbuf + PAGE, sizeof(rec[1]));
		ok0 = rec_valid(&rec[0], slot, npages);
		ok1 = rec_valid(&rec[1], slot, npages);
		if (!ok0 && !ok1)
			continue;
		r = ok0 && (!ok1 || rec[0].seq > rec[1].seq) ? &rec[0] : &rec[1];
		if (o->verbose)
			printf("slot %u: pages %" PRIu64 "+%" PRIu64 ", %" PRIu64
			       " writes acknowledged\n", slot, r->first, r->pages, r->acked);
		slots++;
		writes += r->acked;
		seq_init(&s, r->seed, r->first, r->pages, r->maxpages);
		for (gen = 1; gen <= r->acked + r->sync; gen++) {
			seq_next(&s, &first, &n);
			for (p = first; p < first + n; p++) {
				if (gen <= r->acked) {
					st[p].acked = (struct mark){ slot, gen };
					st[p].nlater = 0;
				} else if (add_later(&st[p], slot, gen)) {
					return EXIT_SETUP;
				}
			}
		}
	}
	if (!slots) {
		fprintf(stderr, "pcut: no writer's record on %s at offset %" PRIu64 "\n", o->log,
			o->logoff);
		return EXIT_LOST;
	}

	for (p = 0; p < npages; p++) {
		const struct page_head *h = (const void *)got;
		bool whole = false, ok = false;

		if (!st[p].acked.gen && !st[p].nlater)
			continue;
		err = full_io(fd, false, got, PAGE, p * PAGE);
		if (err) {
			fprintf(stderr, "pcut: read page %" PRIu64 " of %s: %s\n", p, o->dev,
				strerror(err));
			return EXIT_IO;
		}
		if (h->magic == PAGE_MAGIC && h->page == p) {
			fill_page(want, h->slot, h->seed, p, h->gen);
			whole = !memcmp(want, got, PAGE);
		}
		if (!st[p].acked.gen) {
			continue; /* anything may be there */
		}
		acked_pages++;
		if (whole && h->slot == st[p].acked.slot && h->gen == st[p].acked.gen)
			ok = true;
		for (i = 0; whole && !ok && i < st[p].nlater; i++)
			ok = h->slot == st[p].later[i].slot && h->gen == st[p].later[i].gen;
		if (ok && (h->slot != st[p].acked.slot || h->gen != st[p].acked.gen))
			later_pages++;
		if (ok)
			continue;
		if (++bad <= 20) {
			if (whole)
				printf("page %" PRIu64 ": holds slot %u write %" PRIu64, p, h->slot, h->gen);
			else
				printf("page %" PRIu64 ": holds no whole page of any write", p);
			printf(", want slot %u write %" PRIu64 " (acknowledged) or one of %u after it\n",
			       st[p].acked.slot, st[p].acked.gen, st[p].nlater);
		}
	}
	printf("pcut: %" PRIu64 " writer slots, %" PRIu64 " writes acknowledged; %" PRIu64
	       " pages with an acknowledged write, %" PRIu64 " of them holding a later one, %"
	       PRIu64 " lost\n", slots, writes, acked_pages, later_pages, bad);
	return bad ? EXIT_LOST : 0;
}

static int do_verify(const struct opts *o)
{
	uint64_t npages = o->region / PAGE, p, *want = NULL, *got = NULL;
	unsigned char *lbuf = NULL;
	struct page_state *st;
	int fd, lfd, ret = EXIT_SETUP;

	fd = open_dev(o->dev, O_RDONLY);
	lfd = open_dev(o->log, O_RDONLY);
	st = calloc(npages, sizeof(*st));
	if (fd >= 0 && lfd >= 0 && st && !posix_memalign((void **)&lbuf, PAGE, SLOT_BYTES) &&
	    !posix_memalign((void **)&want, PAGE, PAGE) && !posix_memalign((void **)&got, PAGE, PAGE))
		ret = verify(o, fd, lfd, st, lbuf, want, got);
	for (p = 0; st && p < npages; p++)
		free(st[p].later);
	free(st);
	free(lbuf);
	free(want);
	free(got);
	close_both(fd, lfd);
	return ret;
}

int main(int argc, char **argv)
{
	struct opts o;

	if (argc < 2 || parse_args(argc - 1, argv + 1, &o)) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "write"))
		return do_write(&o);
	if (!strcmp(argv[1], "verify"))
		return do_verify(&o);
	usage(stderr);
	return EXIT_USAGE;
}
