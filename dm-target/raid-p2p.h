/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * raid-p2p: a device-mapper target that drives the md personalities of
 * md-p2p (md-core/). Declarations shared by the files of dm-raid-p2p.ko.
 *
 * Every md call in this module goes to the -p2p copy of md: the build
 * force-includes md-core's md-p2p-rename.h, which renames md_run() to
 * md_p2p_run() and so on, and puts md-core's extracted md.h on the
 * include path.
 */
#ifndef DM_RAID_P2P_H
#define DM_RAID_P2P_H

#include <linux/bitmap.h>
#include <linux/device-mapper.h>

#include "md.h"

#define DM_MSG_PREFIX "raid-p2p"

/* md's limit on members, and the dm raid target's. */
#define RP_MAX_DEVS 253

/*
 * Families of raid types. The keyword table says per keyword which
 * families take it, as the valid-flags masks of the dm raid target do.
 */
enum rs_class {
	RS_LINEAR = 1 << 0,
	RS_RAID0 = 1 << 1,
	RS_RAID1 = 1 << 2,
	RS_RAID10 = 1 << 3,
	RS_RAID45 = 1 << 4,
	RS_RAID6 = 1 << 5,
};

#define RS_REDUNDANT	(RS_RAID1 | RS_RAID10 | RS_RAID45 | RS_RAID6)
#define RS_STRIPED	(RS_RAID0 | RS_RAID10 | RS_RAID45 | RS_RAID6)
#define RS_ANY		(RS_LINEAR | RS_RAID0 | RS_REDUNDANT)

/* raid10 formats, as in the raid10_format keyword. */
enum rs_raid10_format {
	RS_R10_NEAR,
	RS_R10_FAR,
	RS_R10_OFFSET,
};

struct rs_type {
	const char *name;	/* canonical name, printed in status */
	enum rs_class cls;
	int level;		/* md level */
	int layout;		/* md layout (raid10: computed from params) */
	unsigned int parity;	/* members' worth of parity */
	unsigned int min_devs;
};

/* Table keywords, in the order TABLE status prints them (dm raid's). */
enum rs_kw {
	RS_KW_SYNC,
	RS_KW_NOSYNC,
	RS_KW_REBUILD,
	RS_KW_DAEMON_SLEEP,
	RS_KW_MIN_RECOVERY_RATE,
	RS_KW_MAX_RECOVERY_RATE,
	RS_KW_WRITE_MOSTLY,
	RS_KW_MAX_WRITE_BEHIND,
	RS_KW_STRIPE_CACHE,
	RS_KW_REGION_SIZE,
	RS_KW_RAID10_COPIES,
	RS_KW_RAID10_FORMAT,
	RS_KW_RAID10_USE_NEAR_SETS,
	RS_KW_DELTA_DISKS,
	RS_KW_DATA_OFFSET,
	RS_KW_JOURNAL_DEV,
	RS_KW_JOURNAL_MODE,
	RS_KW_P2P_PROVIDER,
	RS_KW_START_DIRTY_DEGRADED,
	RS_KW_NR
};

enum rs_p2p_mode {
	RS_P2P_AUTO,
	RS_P2P_NONE,
	RS_P2P_DEVICE,
};

/* The table's parameters, as given, so that TABLE status can echo them. */
struct rs_params {
	unsigned long given;		/* BIT(enum rs_kw) per keyword seen */
	unsigned int chunk_sectors;
	unsigned int daemon_sleep_ms;
	unsigned int min_recovery_rate;	/* KiB/s per member */
	unsigned int max_recovery_rate;
	unsigned int max_write_behind;	/* sectors */
	unsigned int stripe_cache;	/* stripes */
	unsigned int region_sectors;
	unsigned int raid10_copies;
	enum rs_raid10_format raid10_format;
	int alias_r10_format;		/* implied by the type name, or -1 */
	enum rs_p2p_mode p2p_mode;
	char p2p_bdf[16];		/* canonical dddd:bb:dd.f */
	DECLARE_BITMAP(rebuild, RP_MAX_DEVS);
	DECLARE_BITMAP(write_mostly, RP_MAX_DEVS);
};

/* Runtime state bits of a raid set (rs->flags). */
enum rs_flag {
	RS_PRERESUMED,		/* first preresume done */
	RS_SUSPENDED,		/* mddev is suspended by us */
	RS_FROZEN,		/* between presuspend and resume: no messages */
	RS_NEW,			/* new array: no superblocks to go by */
	RS_UPDATE_SBS,		/* write all superblocks before first resume */
	RS_IN_SYNC,		/* status helpers: array is in sync */
	RS_RESYNCING,		/* status helpers: array is resyncing */
	RS_P2P_SHARED_WARNED,	/* logged that P2P is off: other targets */
};

/*
 * One member: the metadata device (superblock and bitmap, may be absent)
 * and the data device, and md's view of them.
 */
struct raid_dev {
	struct dm_dev *meta_dev;
	struct dm_dev *data_dev;
	bool sb_valid;			/* had a superblock of this array */
	struct md_rdev rdev;
};

struct raid_set {
	struct dm_target *ti;
	const struct rs_type *type;
	struct rs_params p;
	unsigned long flags;		/* enum rs_flag bits */
	bool has_meta;			/* members have metadata devices */
	struct list_head live;		/* on p2p.c's list once resumed */
	struct pci_dev *sync_provider;	/* md.p2p.sync_provider's reference */
	struct notifier_block p2p_nb;	/* watches sync_provider's driver */
	unsigned int raid_disks;
	struct mddev md;
	struct raid_dev dev[] __counted_by(raid_disks);
};

static inline bool rs_is(const struct raid_set *rs, unsigned int classes)
{
	return rs->type->cls & classes;
}

static inline bool rs_given(const struct raid_set *rs, enum rs_kw kw)
{
	return rs->p.given & BIT(kw);
}

static inline unsigned int rs_member(const struct raid_set *rs,
				     const struct md_rdev *rdev)
{
	return container_of(rdev, struct raid_dev, rdev) - rs->dev;
}

/* target.c */
int rp_fail(struct dm_target *ti, int err, const char *fmt, ...)
	__printf(3, 4);

/* table.c */
const struct rs_type *rs_type_by_name(const char *name, int *raid10_format);
const char *rs_type_name(int level, int layout);
const char *rs_p2p_provider_name(const struct raid_set *rs);
int rs_parse_head(struct dm_target *ti, struct dm_arg_set *as,
		  const struct rs_type **type, int *raid10_format,
		  unsigned int *nr_params, unsigned int *nr_devs);
int rs_parse_params(struct raid_set *rs, struct dm_arg_set *as,
		    unsigned int nr_params);
int rs_parse_devs(struct raid_set *rs, struct dm_arg_set *as);
int rs_set_geometry(struct raid_set *rs);
int rs_check_redundancy(struct raid_set *rs);
void rs_emit_table(struct raid_set *rs, char *result, unsigned int maxlen,
		   unsigned int *sz);

/* superblock.c */
int rs_load_superblocks(struct raid_set *rs);
int rs_refresh_superblocks(struct raid_set *rs);
void rs_super_sync(struct mddev *mddev, struct md_rdev *rdev);

/* p2p.c */
int rs_p2p_advertise(struct raid_set *rs);
void rs_p2p_pick_sync_provider(struct raid_set *rs);
void rs_p2p_put_sync_provider(struct raid_set *rs);
const char *rs_p2p_provider_in_use(struct raid_set *rs);
u64 rs_p2p_stat(struct raid_set *rs, enum md_p2p_stat stat);
void rs_p2p_emit_stats(struct raid_set *rs, char *result, unsigned int maxlen,
		       unsigned int *psz);
void rs_p2p_go_live(struct raid_set *rs);
void rs_p2p_gone(struct raid_set *rs);
void rs_p2p_init(void);
void rs_p2p_exit(void);

/* status.c */
void rp_status(struct dm_target *ti, status_type_t type,
	       unsigned int status_flags, char *result, unsigned int maxlen);
int rp_message(struct dm_target *ti, unsigned int argc, char **argv,
	       char *result, unsigned int maxlen);

#endif /* DM_RAID_P2P_H */
