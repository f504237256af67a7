// SPDX-License-Identifier: GPL-2.0-only
/*
 * sbmut: corrupt a raid-p2p metadata device in one of many ways, for the
 * superblock fuzzing test (tests/vm/cases/target-sbfuzz.sh).
 *
 *   sbmut DEV SEED
 *
 * SEED picks the corruption, the same one every time: random bytes or bit
 * flips in the superblock (the checksum left wrong, or made right again),
 * one field of the superblock set to a value at an edge with a valid
 * checksum (counts, indexes, level and layout, sizes, offsets, flags,
 * events, the failed bitmap), a field of md's write-intent bitmap header
 * set likewise, or the superblock zeroed. It prints what it did on one
 * line, and exits 0; 1 if DEV cannot be read or written.
 */
#define _GNU_SOURCE
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dm-raid-p2p/superblock.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define HEAD_BYTES 8192 /* the superblock's block and the bitmap header */
#define BITMAP_MAGIC 0x6d746962U

struct field {
	const char *name;
	unsigned int off;
	unsigned int width; /* bytes: 4 or 8 */
};

static const struct field sb_fields[] = {
	{ "magic", 0x00, 4 },	     { "version", 0x04, 4 },
	{ "sb_size", 0x08, 4 },	     { "events", 0x20, 8 },
	{ "level", 0x38, 4 },	     { "layout", 0x3c, 4 },
	{ "chunk_sectors", 0x40, 4 }, { "raid_disks", 0x44, 4 },
	{ "member", 0x48, 4 },	     { "flags", 0x4c, 4 },
	{ "data_offset", 0x50, 8 },  { "data_sectors", 0x58, 8 },
	{ "array_sectors", 0x60, 8 }, { "resync_offset", 0x68, 8 },
	{ "recovery_offset", 0x70, 8 }, { "region_sectors", 0x78, 4 },
	{ "bitmap_offset", 0x7c, 4 }, { "failed[0]", 0x80, 8 },
	{ "failed[3]", 0x98, 8 },    { "reserved[0]", 0xa0, 8 },
};

/* md's bitmap_super_t, at RP_SB_BITMAP_OFFSET. */
static const struct field bm_fields[] = {
	{ "bitmap.magic", 0, 4 },	    { "bitmap.version", 4, 4 },
	{ "bitmap.events", 24, 8 },	    { "bitmap.events_cleared", 32, 8 },
	{ "bitmap.sync_size", 40, 8 },	    { "bitmap.state", 48, 4 },
	{ "bitmap.chunksize", 52, 4 },	    { "bitmap.daemon_sleep", 56, 4 },
	{ "bitmap.write_behind", 60, 4 },   { "bitmap.sectors_reserved", 64, 4 },
	{ "bitmap.nodes", 68, 4 },
};

static uint64_t rng;

static uint64_t next(void)
{
	/* splitmix64 */
	uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint32_t crc32c(const uint8_t *p, size_t n)
{
	uint32_t crc = 0xffffffffU;

	while (n--) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0x82f63b78U & -(crc & 1));
	}
	return crc ^ 0xffffffffU;
}

static void fix_crc(uint8_t *sb)
{
	uint32_t size = le32toh(*(uint32_t *)(sb + 0x08));
	uint32_t crc;

	if (size < 0x10 || size > HEAD_BYTES)
		size = RP_SB_SIZE;
	memset(sb + 0x0c, 0, 4);
	crc = htole32(crc32c(sb, size));
	memcpy(sb + 0x0c, &crc, 4);
}

static uint64_t get(const uint8_t *p, unsigned int width)
{
	uint64_t v = 0;

	memcpy(&v, p, width);
	return le64toh(v);
}

static void put(uint8_t *p, unsigned int width, uint64_t v)
{
	v = htole64(v);
	memcpy(p, &v, width);
}

/* A value at an edge for a field that now holds @cur. */
static uint64_t edge(uint64_t cur, unsigned int width)
{
	uint64_t max = width == 8 ? UINT64_MAX : UINT32_MAX;
	static const uint64_t small[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 63, 64, 65,
					  252, 253, 254, 255, 256, 4095, 4096, 4097 };

	switch (next() % 8) {
	case 0: return 0;
	case 1: return max;
	case 2: return max - 1;
	case 3: return cur + 1;
	case 4: return cur - 1;
	case 5: return (cur * 2) & max;
	case 6: return small[next() % (ARRAY_SIZE(small))];
	default: return next() & max;
	}
}

static void mutate_field(uint8_t *base, const struct field *f, size_t nf,
			 const char *what)
{
	const struct field *pick = &f[next() % nf];
	uint64_t cur = get(base + pick->off, pick->width);
	uint64_t v = edge(cur, pick->width);

	put(base + pick->off, pick->width, v);
	printf("%s %s: %llu -> %llu\n", what, pick->name,
	       (unsigned long long)cur, (unsigned long long)v);
}

int main(int argc, char **argv)
{
	static uint8_t buf[HEAD_BYTES] __attribute__((aligned(4096)));
	uint8_t *sb = buf, *bm = buf + RP_SB_BITMAP_OFFSET;
	unsigned int kind, n, i;
	int fd;

	if (argc != 3) {
		fprintf(stderr, "usage: sbmut DEV SEED\n");
		return 2;
	}
	rng = strtoull(argv[2], NULL, 0);
	fd = open(argv[1], O_RDWR | O_DIRECT);
	if (fd < 0 || pread(fd, buf, sizeof(buf), 0) != (ssize_t)sizeof(buf)) {
		fprintf(stderr, "sbmut: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	kind = next() % 10;
	switch (kind) {
	case 0: /* random bytes over part of the superblock, checksum wrong */
		n = 1 + next() % RP_SB_SIZE;
		i = next() % (RP_SB_SIZE - n + 1);
		for (unsigned int k = 0; k < n; k++)
			sb[i + k] = (uint8_t)next();
		printf("random bytes %u..%u\n", i, i + n - 1);
		break;
	case 1: /* bit flips, the checksum wrong */
	case 2: /* bit flips, the checksum right */
		n = 1 + next() % 8;
		for (unsigned int k = 0; k < n; k++)
			sb[next() % 0xa0] ^= (uint8_t)(1U << (next() % 8));
		if (kind == 2)
			fix_crc(sb);
		printf("%u bit flips in the superblock, checksum %s\n", n,
		       kind == 2 ? "fixed" : "left");
		break;
	case 3: case 4: case 5: case 6: /* one field, checksum right */
		mutate_field(sb, sb_fields, ARRAY_SIZE(sb_fields),
			     "superblock");
		fix_crc(sb);
		break;
	case 7: /* two fields, checksum right */
		mutate_field(sb, sb_fields, ARRAY_SIZE(sb_fields),
			     "superblock");
		mutate_field(sb, sb_fields, ARRAY_SIZE(sb_fields),
			     "superblock");
		fix_crc(sb);
		break;
	case 8: /* the bitmap header */
		if (get(bm, 4) != BITMAP_MAGIC) {
			printf("no bitmap: ");
			mutate_field(sb, sb_fields,
				     ARRAY_SIZE(sb_fields), "superblock");
			fix_crc(sb);
			break;
		}
		mutate_field(bm, bm_fields, ARRAY_SIZE(bm_fields),
			     "bitmap header");
		break;
	default: /* a blank member */
		memset(buf, 0, RP_SB_BITMAP_OFFSET);
		printf("superblock zeroed\n");
		break;
	}
	if (pwrite(fd, buf, sizeof(buf), 0) != (ssize_t)sizeof(buf) || fsync(fd)) {
		fprintf(stderr, "sbmut: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	close(fd);
	return 0;
}
