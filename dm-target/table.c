// SPDX-License-Identifier: GPL-2.0-only
/*
 * raid-p2p table parsing: the raid types, the keyword table (shared by the
 * parser and the TABLE status printer), the members and the geometry.
 *
 * The syntax and the meaning of every keyword are those of the dm raid
 * target (Documentation/admin-guide/device-mapper/dm-raid.rst), so that a
 * table written for "raid" works here; see man/dm-raid-p2p.7 for the few
 * differences.
 */
#include <linux/log2.h>
#include <linux/pci.h>
#include <linux/raid/md_u.h>

#include "raid-p2p.h"
#include "md-bitmap.h"
#include "raid5.h"

#include <dm-raid-p2p/superblock.h>

/* 1 GiB: md's stripe code is not tested beyond, and no one needs more. */
#define RS_MAX_CHUNK		BIT(21)
/* md stores max_write_behind in KiB, at most md-bitmap's COUNTER_MAX. */
#define RS_MAX_WRITE_BEHIND	(2U * MD_P2P_BITMAP_COUNTER_MAX)
/* raid5_set_cache_size()'s upper bound. */
#define RS_MAX_STRIPE_CACHE	32768U
/* md raid10 layout bits, as drivers/md/raid10.c decodes them. */
#define RS_R10_OFFSET_BIT	BIT(16)
#define RS_R10_FAR_SETS_BIT	BIT(18)
#define RS_R10_FAR_SHIFT	8

static const struct rs_type rs_types[] = {
	{ "linear",	RS_LINEAR, LEVEL_LINEAR, 0, 0, 1 },
	{ "raid0",	RS_RAID0, 0, 0, 0, 1 },
	{ "raid1",	RS_RAID1, 1, 0, 0, 1 },
	{ "raid10",	RS_RAID10, 10, 0, 0, 2 },
	/* dm raid's raid4 is md raid5 with the parity on the first member. */
	{ "raid4",	RS_RAID45, 5, ALGORITHM_PARITY_0, 1, 2 },
	{ "raid5_n",	RS_RAID45, 5, ALGORITHM_PARITY_N, 1, 2 },
	{ "raid5_ls",	RS_RAID45, 5, ALGORITHM_LEFT_SYMMETRIC, 1, 2 },
	{ "raid5_rs",	RS_RAID45, 5, ALGORITHM_RIGHT_SYMMETRIC, 1, 2 },
	{ "raid5_la",	RS_RAID45, 5, ALGORITHM_LEFT_ASYMMETRIC, 1, 2 },
	{ "raid5_ra",	RS_RAID45, 5, ALGORITHM_RIGHT_ASYMMETRIC, 1, 2 },
	{ "raid6_zr",	RS_RAID6, 6, ALGORITHM_ROTATING_ZERO_RESTART, 2, 4 },
	{ "raid6_nr",	RS_RAID6, 6, ALGORITHM_ROTATING_N_RESTART, 2, 4 },
	{ "raid6_nc",	RS_RAID6, 6, ALGORITHM_ROTATING_N_CONTINUE, 2, 4 },
	{ "raid6_n_6",	RS_RAID6, 6, ALGORITHM_PARITY_N, 2, 4 },
	{ "raid6_ls_6",	RS_RAID6, 6, ALGORITHM_LEFT_SYMMETRIC_6, 2, 4 },
	{ "raid6_rs_6",	RS_RAID6, 6, ALGORITHM_RIGHT_SYMMETRIC_6, 2, 4 },
	{ "raid6_la_6",	RS_RAID6, 6, ALGORITHM_LEFT_ASYMMETRIC_6, 2, 4 },
	{ "raid6_ra_6",	RS_RAID6, 6, ALGORITHM_RIGHT_ASYMMETRIC_6, 2, 4 },
};

/*
 * Other names accepted for a type. raid5 and raid6 are LVM's defaults;
 * raid10_<format> name a raid10 format, as raid10_format does. Status
 * always prints the canonical form.
 */
static const struct {
	const char *name;
	const char *type;
	int raid10_format;	/* -1: none implied */
} rs_aliases[] = {
	{ "raid5",		"raid5_ls",	-1 },
	{ "raid6",		"raid6_zr",	-1 },
	{ "raid10_near",	"raid10",	RS_R10_NEAR },
	{ "raid10_far",		"raid10",	RS_R10_FAR },
	{ "raid10_offset",	"raid10",	RS_R10_OFFSET },
};

static const char *const rs_raid10_formats[] = {
	[RS_R10_NEAR] = "near",
	[RS_R10_FAR] = "far",
	[RS_R10_OFFSET] = "offset",
};

const struct rs_type *rs_type_by_name(const char *name, int *raid10_format)
{
	unsigned int i;

	*raid10_format = -1;
	for (i = 0; i < ARRAY_SIZE(rs_aliases); i++) {
		if (!strcasecmp(name, rs_aliases[i].name)) {
			name = rs_aliases[i].type;
			*raid10_format = rs_aliases[i].raid10_format;
			break;
		}
	}
	for (i = 0; i < ARRAY_SIZE(rs_types); i++)
		if (!strcasecmp(name, rs_types[i].name))
			return &rs_types[i];
	return NULL;
}

/* The dm raid name of an md level and layout, as INFO status shows it. */
const char *rs_type_name(int level, int layout)
{
	unsigned int i;

	if (level == 10) {
		if (layout & RS_R10_OFFSET_BIT)
			return "raid10_offset";
		return ((layout >> RS_R10_FAR_SHIFT) & 0xff) > 1 ?
			"raid10_far" : "raid10";
	}
	for (i = 0; i < ARRAY_SIZE(rs_types); i++)
		if (rs_types[i].level == level && rs_types[i].layout == layout)
			return rs_types[i].name;
	return "unknown";
}

/* md's raid10 layout word, built as the dm raid target builds it. */
static int rs_raid10_layout(const struct raid_set *rs)
{
	unsigned int copies = rs->p.raid10_copies;
	int sets = rs_given(rs, RS_KW_RAID10_USE_NEAR_SETS) ?
		   0 : RS_R10_FAR_SETS_BIT;

	switch (rs->p.raid10_format) {
	case RS_R10_FAR:
		return sets | (copies << RS_R10_FAR_SHIFT) | 1;
	case RS_R10_OFFSET:
		return RS_R10_OFFSET_BIT | sets |
		       (copies << RS_R10_FAR_SHIFT) | 1;
	default:
		return (1 << RS_R10_FAR_SHIFT) | copies;
	}
}

/* ---- the keyword table ------------------------------------------------- */

enum rs_arg {
	RS_ARG_NONE,	/* a flag: "nosync" */
	RS_ARG_UINT,	/* an unsigned number kept in rs_params */
	RS_ARG_MEMBER,	/* a member index, may repeat: "rebuild 2" */
	RS_ARG_WORD,	/* anything else: own parse and show */
};

struct rs_keyword {
	const char *name;
	unsigned int classes;	/* raid types that take it */
	enum rs_arg arg;
	size_t field;		/* UINT, MEMBER: offset in struct rs_params */
	unsigned int min, max;	/* UINT: inclusive range */
	int (*parse)(struct raid_set *rs, const char *arg);
	const char *(*show)(const struct raid_set *rs);
	const char *refused;	/* accepted syntax, not supported: why */
};

static int rs_parse_raid10_format(struct raid_set *rs, const char *arg)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(rs_raid10_formats); i++) {
		if (!strcasecmp(arg, rs_raid10_formats[i])) {
			rs->p.raid10_format = i;
			return 0;
		}
	}
	return rp_fail(rs->ti, -EINVAL,
		       "raid10_format must be near, far or offset");
}

static const char *rs_show_raid10_format(const struct raid_set *rs)
{
	return rs_raid10_formats[rs->p.raid10_format];
}

static int rs_parse_data_offset(struct raid_set *rs, const char *arg)
{
	if (strcmp(arg, "0"))
		return rp_fail(rs->ti, -EINVAL,
			       "data_offset: only 0 is supported (no out-of-place reshaping)");
	return 0;
}

static const char *rs_show_data_offset(const struct raid_set *rs)
{
	return "0";
}

static int rs_parse_p2p_provider(struct raid_set *rs, const char *arg)
{
	unsigned int dom = 0, bus, dev, fn;
	struct pci_dev *pdev;
	char dummy;

	if (!strcasecmp(arg, "auto") || !strcasecmp(arg, "none")) {
		rs->p.p2p_mode = strcasecmp(arg, "auto") ?
				 RS_P2P_NONE : RS_P2P_AUTO;
		return 0;
	}
	if (sscanf(arg, "%x:%x:%x.%x%c", &dom, &bus, &dev, &fn, &dummy) != 4) {
		dom = 0;	/* dddd: may be left out, as lspci does */
		if (sscanf(arg, "%x:%x.%x%c", &bus, &dev, &fn, &dummy) != 3)
			goto bad;
	}
	if (dom > 0xffff || bus > 0xff || dev > 0x1f || fn > 7)
		goto bad;
	/* Catch typos now; the P2P path checks it is a provider. */
	pdev = pci_get_domain_bus_and_slot(dom, bus, PCI_DEVFN(dev, fn));
	if (!pdev)
		return rp_fail(rs->ti, -ENODEV,
			       "p2p_provider: no PCI device %04x:%02x:%02x.%x",
			       dom, bus, dev, fn);
	pci_dev_put(pdev);
	snprintf(rs->p.p2p_bdf, sizeof(rs->p.p2p_bdf), "%04x:%02x:%02x.%x",
		 dom, bus, dev, fn);
	rs->p.p2p_mode = RS_P2P_DEVICE;
	return 0;
bad:
	return rp_fail(rs->ti, -EINVAL,
		       "p2p_provider: expected a PCI address (dddd:bb:dd.f), auto or none");
}

const char *rs_p2p_provider_name(const struct raid_set *rs)
{
	switch (rs->p.p2p_mode) {
	case RS_P2P_NONE:
		return "none";
	case RS_P2P_DEVICE:
		return rs->p.p2p_bdf;
	default:
		return "auto";
	}
}

#define RS_UINT(f, lo, hi) \
	.arg = RS_ARG_UINT, .field = offsetof(struct rs_params, f), \
	.min = (lo), .max = (hi)
#define RS_MEMBER(f) \
	.arg = RS_ARG_MEMBER, .field = offsetof(struct rs_params, f)
#define RS_WORD(p, s) .arg = RS_ARG_WORD, .parse = (p), .show = (s)

static const struct rs_keyword rs_keywords[RS_KW_NR] = {
	[RS_KW_SYNC] = { "sync", RS_REDUNDANT },
	[RS_KW_NOSYNC] = { "nosync", RS_REDUNDANT },
	[RS_KW_REBUILD] = { "rebuild", RS_REDUNDANT, RS_MEMBER(rebuild) },
	[RS_KW_DAEMON_SLEEP] = { "daemon_sleep", RS_REDUNDANT,
		RS_UINT(daemon_sleep_ms, 0, INT_MAX) },
	[RS_KW_MIN_RECOVERY_RATE] = { "min_recovery_rate", RS_REDUNDANT,
		RS_UINT(min_recovery_rate, 0, INT_MAX) },
	[RS_KW_MAX_RECOVERY_RATE] = { "max_recovery_rate", RS_REDUNDANT,
		RS_UINT(max_recovery_rate, 0, INT_MAX) },
	[RS_KW_WRITE_MOSTLY] = { "write_mostly", RS_RAID1,
		RS_MEMBER(write_mostly) },
	[RS_KW_MAX_WRITE_BEHIND] = { "max_write_behind", RS_RAID1,
		RS_UINT(max_write_behind, 0, RS_MAX_WRITE_BEHIND) },
	[RS_KW_STRIPE_CACHE] = { "stripe_cache", RS_RAID45 | RS_RAID6,
		RS_UINT(stripe_cache, 0, RS_MAX_STRIPE_CACHE) },
	[RS_KW_REGION_SIZE] = { "region_size", RS_REDUNDANT,
		RS_UINT(region_sectors, 0, INT_MAX) },
	[RS_KW_RAID10_COPIES] = { "raid10_copies", RS_RAID10,
		RS_UINT(raid10_copies, 2, RP_MAX_DEVS) },
	[RS_KW_RAID10_FORMAT] = { "raid10_format", RS_RAID10,
		RS_WORD(rs_parse_raid10_format, rs_show_raid10_format) },
	[RS_KW_RAID10_USE_NEAR_SETS] = { "raid10_use_near_sets", RS_RAID10 },
	[RS_KW_DELTA_DISKS] = { "delta_disks", RS_ANY, .arg = RS_ARG_WORD,
		.refused = "delta_disks: reshaping is not supported" },
	[RS_KW_DATA_OFFSET] = { "data_offset", RS_ANY,
		RS_WORD(rs_parse_data_offset, rs_show_data_offset) },
	[RS_KW_JOURNAL_DEV] = { "journal_dev", RS_ANY, .arg = RS_ARG_WORD,
		.refused = "journal_dev: raid4/5/6 journals are not supported" },
	[RS_KW_JOURNAL_MODE] = { "journal_mode", RS_ANY, .arg = RS_ARG_WORD,
		.refused = "journal_mode: raid4/5/6 journals are not supported" },
	[RS_KW_P2P_PROVIDER] = { "p2p_provider", RS_ANY,
		RS_WORD(rs_parse_p2p_provider, rs_p2p_provider_name) },
	[RS_KW_START_DIRTY_DEGRADED] = { "start_dirty_degraded",
		RS_RAID45 | RS_RAID6 },
};

static const struct rs_keyword *rs_keyword_by_name(const char *name)
{
	unsigned int i;

	for (i = 0; i < RS_KW_NR; i++)
		if (!strcasecmp(name, rs_keywords[i].name))
			return &rs_keywords[i];
	return NULL;
}

/*
 * An unsigned decimal no larger than @max. More than 19 digits could
 * wrap around in sscanf() unnoticed, so they are refused outright.
 */
static int __parse_uint(const char *arg, unsigned long long max,
			unsigned long long *v)
{
	char dummy;

	if (strlen(arg) > 19 || sscanf(arg, "%llu%c", v, &dummy) != 1 ||
	    *v > max)
		return -EINVAL;
	return 0;
}

static int rs_parse_member_arg(struct raid_set *rs,
			       const struct rs_keyword *kw, const char *arg)
{
	unsigned long *map = (void *)&rs->p + kw->field;
	unsigned long long idx;

	if (__parse_uint(arg, rs->raid_disks - 1, &idx))
		return rp_fail(rs->ti, -EINVAL, "%s: invalid member index %s",
			       kw->name, arg);
	if (__test_and_set_bit(idx, map))
		return rp_fail(rs->ti, -EINVAL, "%s %llu given more than once",
			       kw->name, idx);
	return 0;
}

static int rs_parse_uint_arg(struct raid_set *rs, const struct rs_keyword *kw,
			     const char *arg)
{
	unsigned int *field = (void *)&rs->p + kw->field;
	unsigned long long v;

	if (__parse_uint(arg, kw->max, &v) || v < kw->min)
		return rp_fail(rs->ti, -EINVAL, "%s: %s is not a number in %u..%u",
			       kw->name, arg, kw->min, kw->max);
	*field = v;
	return 0;
}

static int rs_parse_keyword(struct raid_set *rs, const struct rs_keyword *kw,
			    const char *arg)
{
	unsigned long bit = BIT(kw - rs_keywords);

	if (kw->refused)
		return rp_fail(rs->ti, -EINVAL, "%s", kw->refused);
	if (!(kw->classes & rs->type->cls))
		return rp_fail(rs->ti, -EINVAL, "%s is not valid for %s",
			       kw->name, rs->type->name);
	if ((rs->p.given & bit) && kw->arg != RS_ARG_MEMBER)
		return rp_fail(rs->ti, -EINVAL, "%s given more than once",
			       kw->name);
	rs->p.given |= bit;

	switch (kw->arg) {
	case RS_ARG_NONE:
		return 0;
	case RS_ARG_UINT:
		return rs_parse_uint_arg(rs, kw, arg);
	case RS_ARG_MEMBER:
		return rs_parse_member_arg(rs, kw, arg);
	default:
		return kw->parse(rs, arg);
	}
}

/* ---- the head of the table -------------------------------------------- */

/*
 * <raid_type> <#raid_params> ... <#raid_devs> ...: find the type and check
 * that the counts add up before anything is allocated for the members.
 */
int rs_parse_head(struct dm_target *ti, struct dm_arg_set *as,
		  const struct rs_type **type, int *raid10_format,
		  unsigned int *nr_params, unsigned int *nr_devs)
{
	struct dm_arg_set devs;
	unsigned long long v;
	const char *arg;

	arg = dm_shift_arg(as);
	if (!arg)
		return rp_fail(ti, -EINVAL, "No arguments");
	*type = rs_type_by_name(arg, raid10_format);
	if (!*type)
		return rp_fail(ti, -EINVAL, "Unknown raid type '%s'", arg);

	arg = dm_shift_arg(as);
	if (!arg || __parse_uint(arg, as->argc, &v))
		return rp_fail(ti, -EINVAL, "Invalid number of raid parameters");
	if (!v)
		return rp_fail(ti, -EINVAL, "Missing chunk_size");
	*nr_params = v;

	devs = *as;
	dm_consume_args(&devs, *nr_params);
	arg = dm_shift_arg(&devs);
	if (!arg)
		return rp_fail(ti, -EINVAL, "Missing number of raid devices");
	if (__parse_uint(arg, RP_MAX_DEVS, &v) || !v)
		return rp_fail(ti, -EINVAL,
			       "Invalid number of raid devices '%s' (1..%u)",
			       arg, RP_MAX_DEVS);
	*nr_devs = v;
	if (devs.argc != 2 * *nr_devs)
		return rp_fail(ti, -EINVAL,
			       "%u raid devices need %u arguments, found %u",
			       *nr_devs, 2 * *nr_devs, devs.argc);
	if (*nr_devs < (*type)->min_devs)
		return rp_fail(ti, -EINVAL, "%s needs at least %u members",
			       (*type)->name, (*type)->min_devs);
	return 0;
}

/* <chunk_size>: the one positional raid parameter. */
static int rs_parse_chunk(struct raid_set *rs, const char *arg)
{
	unsigned long long v;

	if (__parse_uint(arg, UINT_MAX, &v))
		return rp_fail(rs->ti, -EINVAL, "Invalid chunk_size %s", arg);
	if (rs_is(rs, RS_RAID1 | RS_LINEAR)) {
		/* As dm raid: mirrors and concatenations have no stripes. */
		if (v)
			DMINFO("ignoring chunk_size for %s", rs->type->name);
		v = 0;
	} else if (!is_power_of_2(v) || v < 8) {
		return rp_fail(rs->ti, -EINVAL,
			       "chunk_size must be a power of 2, at least 8 sectors");
	} else if (v > RS_MAX_CHUNK) {
		return rp_fail(rs->ti, -EINVAL,
			       "chunk_size is larger than %lu sectors", RS_MAX_CHUNK);
	}
	rs->p.chunk_sectors = v;
	return 0;
}

/* Rules between parameters, checked once all are known (as dm raid). */
static int rs_check_params(struct raid_set *rs)
{
	struct rs_params *p = &rs->p;
	struct dm_target *ti = rs->ti;

	if (rs_given(rs, RS_KW_SYNC) && rs_given(rs, RS_KW_NOSYNC))
		return rp_fail(ti, -EINVAL, "sync and nosync are mutually exclusive");
	if (rs_given(rs, RS_KW_REBUILD) &&
	    (rs_given(rs, RS_KW_SYNC) || rs_given(rs, RS_KW_NOSYNC)))
		return rp_fail(ti, -EINVAL,
			       "sync/nosync and rebuild are mutually exclusive");
	if (bitmap_weight(p->write_mostly, rs->raid_disks) >= rs->raid_disks)
		return rp_fail(ti, -EINVAL, "Can't set all raid1 members write_mostly");
	if (p->max_recovery_rate && p->min_recovery_rate > p->max_recovery_rate)
		return rp_fail(ti, -EINVAL,
			       "min_recovery_rate is above max_recovery_rate");
	if (!rs_is(rs, RS_RAID10))
		return 0;

	if (p->raid10_copies > rs->raid_disks)
		return rp_fail(ti, -EINVAL,
			       "raid10_copies %u is more than the %u members",
			       p->raid10_copies, rs->raid_disks);
	if (rs_given(rs, RS_KW_RAID10_USE_NEAR_SETS) &&
	    p->raid10_format == RS_R10_NEAR)
		return rp_fail(ti, -EINVAL,
			       "raid10_use_near_sets needs raid10_format far or offset");
	return 0;
}

/*
 * <chunk_size> [<keyword> [<value>]]...: @nr_params words in all, already
 * known to be there.
 */
int rs_parse_params(struct raid_set *rs, struct dm_arg_set *as,
		    unsigned int nr_params)
{
	const struct rs_keyword *kw;
	const char *key, *arg;
	int r;

	r = rs_parse_chunk(rs, dm_shift_arg(as));
	if (r)
		return r;
	while (--nr_params) {
		key = dm_shift_arg(as);
		kw = rs_keyword_by_name(key);
		if (!kw)
			return rp_fail(rs->ti, -EINVAL,
				       "Unknown raid parameter '%s'", key);
		arg = NULL;
		if (kw->arg != RS_ARG_NONE) {
			if (nr_params == 1)
				return rp_fail(rs->ti, -EINVAL,
					       "%s needs a value", kw->name);
			arg = dm_shift_arg(as);
			nr_params--;
		}
		r = rs_parse_keyword(rs, kw, arg);
		if (r)
			return r;
	}

	/* A raid10_<format> type name stands for raid10_format <format>. */
	if (rs->p.alias_r10_format >= 0 && !rs_given(rs, RS_KW_RAID10_FORMAT)) {
		rs->p.raid10_format = rs->p.alias_r10_format;
		rs->p.given |= BIT(RS_KW_RAID10_FORMAT);
	}
	/* Always shown, so that status says which provider is in use. */
	rs->p.given |= BIT(RS_KW_P2P_PROVIDER);
	return rs_check_params(rs);
}

/* ---- members ----------------------------------------------------------- */

/* Does a slot of members 0..@i other than @slot hold the same device? */
static bool rs_dev_used(struct raid_set *rs, unsigned int i,
			struct dm_dev **slot)
{
	struct block_device *bdev = (*slot)->bdev;
	unsigned int j;

	for (j = 0; j <= i; j++) {
		struct raid_dev *rd = &rs->dev[j];

		if (&rd->meta_dev != slot && rd->meta_dev &&
		    rd->meta_dev->bdev == bdev)
			return true;
		if (&rd->data_dev != slot && rd->data_dev &&
		    rd->data_dev->bdev == bdev)
			return true;
	}
	return false;
}

static int rs_get_dev(struct raid_set *rs, unsigned int i, const char *what,
		      const char *path, struct dm_dev **slot)
{
	struct dm_target *ti = rs->ti;
	int r;

	r = dm_get_device(ti, path, dm_table_get_mode(ti->table), slot);
	if (r)
		return rp_fail(ti, r, "Member %u: cannot open %s device %s",
			       i, what, path);
	/* md would happily mirror a device onto itself. */
	if (rs_dev_used(rs, i, slot))
		return rp_fail(ti, -EINVAL, "Member %u: device %s is used twice",
			       i, path);
	return 0;
}

/* One "<meta_dev> <data_dev>" pair; "-" for an absent device. */
static int rs_parse_member(struct raid_set *rs, unsigned int i,
			   const char *meta, const char *data)
{
	struct raid_dev *rd = &rs->dev[i];
	struct md_rdev *rdev = &rd->rdev;
	int r;

	rdev->raid_disk = i;
	rdev->mddev = &rs->md;
	if (!strcmp(data, "-")) {
		if (strcmp(meta, "-"))
			return rp_fail(rs->ti, -EINVAL,
				       "Member %u: metadata device without a data device", i);
		return 0;	/* a missing member: the array runs degraded */
	}

	r = rs_get_dev(rs, i, "data", data, &rd->data_dev);
	if (r)
		return r;
	rdev->bdev = rd->data_dev->bdev;
	if (strcmp(meta, "-")) {
		r = rs_get_dev(rs, i, "metadata", meta, &rd->meta_dev);
		if (r)
			return r;
		rdev->meta_bdev = rd->meta_dev->bdev;
		/* md reads and writes the superblock as one logical block. */
		rdev->sb_start = 0;
		rdev->sb_size = bdev_logical_block_size(rdev->meta_bdev);
		if (rdev->sb_size < RP_SB_SIZE || rdev->sb_size > PAGE_SIZE)
			return rp_fail(rs->ti, -EINVAL,
				       "Member %u: metadata device %s has %d-byte blocks",
				       i, meta, rdev->sb_size);
		rdev->sb_page = alloc_page(GFP_KERNEL);
		if (!rdev->sb_page)
			return rp_fail(rs->ti, -ENOMEM, "Cannot allocate superblock page");
	}
	list_add_tail(&rdev->same_set, &rs->md.disks);
	return 0;
}

/* Members start in sync; rebuild and write_mostly change that. */
static int rs_set_member_flags(struct raid_set *rs)
{
	unsigned int i;

	for (i = 0; i < rs->raid_disks; i++) {
		struct md_rdev *rdev = &rs->dev[i].rdev;

		set_bit(In_sync, &rdev->flags);
		rdev->recovery_offset = MaxSector;
		if (test_bit(i, rs->p.write_mostly))
			set_bit(WriteMostly, &rdev->flags);
		if (!test_bit(i, rs->p.rebuild))
			continue;
		if (!rs->dev[i].data_dev)
			return rp_fail(rs->ti, -EINVAL,
				       "rebuild %u: member %u has no data device", i, i);
		clear_bit(In_sync, &rdev->flags);
		rdev->recovery_offset = 0;
	}
	return 0;
}

/* <#raid_devs> <meta_dev> <data_dev>...: counts were checked by the ctr. */
int rs_parse_devs(struct raid_set *rs, struct dm_arg_set *as)
{
	unsigned int i, with_meta = 0, present = 0;
	int r;

	dm_consume_args(as, 1);
	for (i = 0; i < rs->raid_disks; i++) {
		const char *meta = dm_shift_arg(as);
		const char *data = dm_shift_arg(as);

		r = rs_parse_member(rs, i, meta, data);
		if (r)
			return r;
		present += !!rs->dev[i].data_dev;
		with_meta += !!rs->dev[i].meta_dev;
	}
	if (!present)
		return rp_fail(rs->ti, -EINVAL, "No member has a data device");
	/* Superblocks vouch for each other; a member without one can't. */
	if (with_meta && with_meta != present)
		return rp_fail(rs->ti, -EINVAL,
			       "Either all members or none must have a metadata device");
	rs->has_meta = with_meta;
	return rs_set_member_flags(rs);
}

/* ---- redundancy -------------------------------------------------------- */

static bool rs_member_down(const struct raid_set *rs, unsigned int i)
{
	return !rs->dev[i].data_dev || !test_bit(In_sync, &rs->dev[i].rdev.flags);
}

/*
 * raid10 keeps a chunk on @copies consecutive members, starting every
 * near_copies members: each such window needs a member that is up
 * (md's raid10 enough()).
 */
static bool rs_raid10_enough(const struct raid_set *rs)
{
	unsigned int copies = rs->p.raid10_copies, disks = rs->raid_disks;
	unsigned int step = rs->p.raid10_format == RS_R10_NEAR ? copies : 1;
	unsigned int first = 0, n, up;

	do {
		for (n = 0, up = 0; n < copies; n++)
			up += !rs_member_down(rs, (first + n) % disks);
		if (!up)
			return false;
		first = (first + step) % disks;
	} while (first);
	return true;
}

/* Can the array run with the members that are missing or rebuilding? */
int rs_check_redundancy(struct raid_set *rs)
{
	unsigned int i, down = 0;
	bool ok;

	for (i = 0; i < rs->raid_disks; i++)
		down += rs_member_down(rs, i);
	if (!down)
		return 0;

	if (rs_is(rs, RS_RAID1))
		ok = down < rs->raid_disks;
	else if (rs_is(rs, RS_RAID10))
		ok = rs_raid10_enough(rs);
	else
		ok = down <= rs->type->parity;
	if (!ok)
		return rp_fail(rs->ti, -EINVAL,
			       "%s cannot run with %u of %u members missing or rebuilding",
			       rs->type->name, down, rs->raid_disks);
	return 0;
}

/* ---- geometry ---------------------------------------------------------- */

/* Sectors md raid10 makes of @dev_sectors per member (raid10_size()). */
static sector_t rs_raid10_array_sectors(struct raid_set *rs, sector_t dev)
{
	unsigned int chunk = rs->p.chunk_sectors, copies = rs->p.raid10_copies;
	bool near = rs->p.raid10_format == RS_R10_NEAR;
	sector_t chunks = dev;

	sector_div(chunks, chunk);
	if (!near)
		sector_div(chunks, copies);
	chunks *= rs->raid_disks;
	if (near)
		sector_div(chunks, copies);
	return chunks * chunk;
}

/* The size of every member's data, from the target length. */
static int rs_dev_sectors(struct raid_set *rs, sector_t *dev_sectors)
{
	unsigned int data = rs->raid_disks - rs->type->parity;
	sector_t len = rs->ti->len, dev = len;

	if (rs_is(rs, RS_RAID10)) {
		dev = len * rs->p.raid10_copies;
		data = rs->raid_disks;
	}
	if (!rs_is(rs, RS_RAID1) && sector_div(dev, data))
		return rp_fail(rs->ti, -EINVAL,
			       "Target length is not divisible by %u data members",
			       data);
	if (rs->p.chunk_sectors && (dev & (rs->p.chunk_sectors - 1)))
		return rp_fail(rs->ti, -EINVAL,
			       "Member size %llu is not a multiple of chunk_size",
			       (unsigned long long)dev);
	if (rs_is(rs, RS_RAID10) && rs_raid10_array_sectors(rs, dev) != len)
		return rp_fail(rs->ti, -EINVAL,
			       "Target length does not fit the raid10 layout");
	*dev_sectors = dev;
	return 0;
}

/* Bitmap region size (dm raid's validate_region_size()). */
static int rs_set_region_size(struct raid_set *rs)
{
	unsigned long min_region = rs->ti->len >> 21;
	unsigned long region = rs->p.region_sectors;
	struct dm_target *ti = rs->ti;

	if (!region) {
		region = min_region > (1 << 13) ?
			 roundup_pow_of_two(min_region) : 1 << 13;
	} else if (region > ti->len) {
		return rp_fail(ti, -EINVAL, "region_size is larger than the array");
	} else if (region < min_region) {
		return rp_fail(ti, -EINVAL,
			       "region_size is below the minimum of %lu sectors",
			       min_region);
	} else if (!is_power_of_2(region)) {
		return rp_fail(ti, -EINVAL, "region_size must be a power of 2");
	} else if (region < rs->p.chunk_sectors) {
		return rp_fail(ti, -EINVAL, "region_size is smaller than chunk_size");
	}
	rs->md.bitmap_info.chunksize = to_bytes(region);
	return 0;
}

/* Superblock block, then the bitmap header and one bit per region. */
static sector_t rs_meta_sectors(struct raid_set *rs)
{
	sector_t regions, bytes;

	if (!rs_is(rs, RS_REDUNDANT))
		return RP_SB_BITMAP_OFFSET >> SECTOR_SHIFT;
	regions = DIV_ROUND_UP_SECTOR_T(rs->md.dev_sectors,
					rs->md.bitmap_info.chunksize >> SECTOR_SHIFT);
	bytes = sizeof(bitmap_super_t) + DIV_ROUND_UP_SECTOR_T(regions, 8);
	return (RP_SB_BITMAP_OFFSET + round_up(bytes, PAGE_SIZE)) >> SECTOR_SHIFT;
}

static int rs_check_member_sizes(struct raid_set *rs)
{
	sector_t need_meta = rs_meta_sectors(rs), have;
	unsigned int i;

	for (i = 0; i < rs->raid_disks; i++) {
		struct raid_dev *rd = &rs->dev[i];

		if (!rd->data_dev)
			continue;
		rd->rdev.sectors = rs->md.dev_sectors;
		have = bdev_nr_sectors(rd->data_dev->bdev);
		if (have < rs->md.dev_sectors)
			return rp_fail(rs->ti, -EINVAL,
				       "Member %u: data device %s has %llu sectors, needs %llu",
				       i, rd->data_dev->name, (unsigned long long)have,
				       (unsigned long long)rs->md.dev_sectors);
		if (!rd->meta_dev)
			continue;
		have = bdev_nr_sectors(rd->meta_dev->bdev);
		if (have < need_meta)
			return rp_fail(rs->ti, -EINVAL,
				       "Member %u: metadata device %s has %llu sectors, needs %llu",
				       i, rd->meta_dev->name, (unsigned long long)have,
				       (unsigned long long)need_meta);
	}
	return 0;
}

/* Level, layout and sizes of the array, from the type and the table. */
int rs_set_geometry(struct raid_set *rs)
{
	struct mddev *mddev = &rs->md;
	sector_t dev_sectors;
	int r;

	r = rs_dev_sectors(rs, &dev_sectors);
	if (r)
		return r;

	mddev->level = rs->type->level;
	mddev->new_level = mddev->level;
	mddev->layout = rs_is(rs, RS_RAID10) ?
			rs_raid10_layout(rs) : rs->type->layout;
	mddev->new_layout = mddev->layout;
	mddev->chunk_sectors = rs->p.chunk_sectors;
	mddev->new_chunk_sectors = mddev->chunk_sectors;
	mddev->raid_disks = rs->raid_disks;
	mddev->dev_sectors = dev_sectors;
	mddev->array_sectors = rs->ti->len;

	if (rs_is(rs, RS_REDUNDANT)) {
		r = rs_set_region_size(rs);
		if (r)
			return r;
	}
	return rs_check_member_sizes(rs);
}

/* ---- TABLE status ------------------------------------------------------ */

static unsigned int rs_param_words(const struct raid_set *rs)
{
	unsigned int i, n = 1;	/* chunk_size */

	for (i = 0; i < RS_KW_NR; i++) {
		const struct rs_keyword *kw = &rs_keywords[i];

		if (!rs_given(rs, i))
			continue;
		if (kw->arg == RS_ARG_MEMBER)
			n += 2 * bitmap_weight((const void *)&rs->p + kw->field,
					       rs->raid_disks);
		else
			n += kw->arg == RS_ARG_NONE ? 1 : 2;
	}
	return n;
}

/* The table line, canonical: loading it again gives the same line. */
void rs_emit_table(struct raid_set *rs, char *result, unsigned int maxlen,
		   unsigned int *psz)
{
	unsigned int sz = *psz, i, m;

	DMEMIT("%s %u %u", rs->type->name, rs_param_words(rs),
	       rs->p.chunk_sectors);
	for (i = 0; i < RS_KW_NR; i++) {
		const struct rs_keyword *kw = &rs_keywords[i];
		const void *field = (const void *)&rs->p + kw->field;

		if (!rs_given(rs, i))
			continue;
		switch (kw->arg) {
		case RS_ARG_NONE:
			DMEMIT(" %s", kw->name);
			break;
		case RS_ARG_UINT:
			DMEMIT(" %s %u", kw->name, *(const unsigned int *)field);
			break;
		case RS_ARG_MEMBER:
			for_each_set_bit(m, field, rs->raid_disks)
				DMEMIT(" %s %u", kw->name, m);
			break;
		default:
			DMEMIT(" %s %s", kw->name, kw->show(rs));
		}
	}
	DMEMIT(" %u", rs->raid_disks);
	for (i = 0; i < rs->raid_disks; i++)
		DMEMIT(" %s %s",
		       rs->dev[i].meta_dev ? rs->dev[i].meta_dev->name : "-",
		       rs->dev[i].data_dev ? rs->dev[i].data_dev->name : "-");
	*psz = sz;
}
