// SPDX-License-Identifier: GPL-2.0-only
/*
 * raid-p2p: a device-mapper RAID target that drives the md-p2p
 * personalities (md-core/). Its table is a superset of the dm raid
 * target's. docs/ARCHITECTURE.md explains how it uses md, and
 * man/dm-raid-p2p.7 documents the table, status and messages.
 *
 * This file holds the target operations and the life of a raid set;
 * table.c parses tables, superblock.c handles superblocks and status.c
 * reports.
 */
#include <linux/math64.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/sizes.h>
#include <linux/slab.h>

#include "raid-p2p.h"
#include "md-bitmap.h"
#include "raid5.h"

/*
 * ti->error must outlive the constructor (dm prints it after ctr
 * returns) and is never freed, so messages that name a member or a value
 * are formatted into a small ring of static buffers. A buffer is reused
 * only RS_ERR_SLOTS failures later, long after dm printed it.
 */
#define RS_ERR_SLOTS	16
#define RS_ERR_LEN	192
static char rs_err_ring[RS_ERR_SLOTS][RS_ERR_LEN];
static atomic_t rs_err_next = ATOMIC_INIT(0);

int rp_fail(struct dm_target *ti, int err, const char *fmt, ...)
{
	unsigned int slot = (unsigned int)atomic_inc_return(&rs_err_next) %
			    RS_ERR_SLOTS;
	va_list args;

	va_start(args, fmt);
	vsnprintf(rs_err_ring[slot], RS_ERR_LEN, fmt, args);
	va_end(args);
	ti->error = rs_err_ring[slot];
	return err;
}

static void rs_free(struct raid_set *rs)
{
	unsigned int i;

	/* md_error() may have queued it, even from within md_run(). */
	flush_work(&rs->md.event_work);
	rs_p2p_put_sync_provider(rs);

	for (i = 0; i < rs->raid_disks; i++) {
		struct raid_dev *rd = &rs->dev[i];

		md_rdev_clear(&rd->rdev);
		if (rd->meta_dev)
			dm_put_device(rs->ti, rd->meta_dev);
		if (rd->data_dev)
			dm_put_device(rs->ti, rd->data_dev);
	}
	mddev_destroy(&rs->md);
	kfree(rs);
}

/* md reports a failed member (md_error()): tell dmeventd. */
static void rs_table_event(struct work_struct *ws)
{
	struct raid_set *rs = container_of(ws, struct raid_set, md.event_work);

	dm_table_event(rs->ti->table);
}

static struct raid_set *rs_alloc(struct dm_target *ti,
				 const struct rs_type *type, int raid10_format,
				 unsigned int raid_disks)
{
	struct raid_set *rs;
	unsigned int i;

	rs = kzalloc(struct_size(rs, dev, raid_disks), GFP_KERNEL);
	if (!rs)
		goto nomem;
	rs->raid_disks = raid_disks;
	if (mddev_init(&rs->md)) {
		kfree(rs);
		goto nomem;
	}
	rs->ti = ti;
	rs->type = type;
	INIT_LIST_HEAD(&rs->live);
	rs->p.raid10_copies = 2;
	rs->p.raid10_format = RS_R10_NEAR;
	rs->p.alias_r10_format = raid10_format;
	mddev_resync_offset(&rs->md) = MaxSector;
	INIT_WORK(&rs->md.event_work, rs_table_event);
	for (i = 0; i < raid_disks; i++) {
		/* md_rdev_clear() copes with rdevs this loop did not reach. */
		if (md_rdev_init(&rs->dev[i].rdev)) {
			rs_free(rs);
			goto nomem;
		}
		/*
		 * No bad blocks: the superblock cannot store them, so a
		 * member whose write fails must be failed (md_error()), not
		 * keep the range as bad blocks in memory that the next table
		 * load would forget. md_rdev_init() leaves them off, as md
		 * does for 0.90 superblocks; say so rather than rely on it.
		 */
		rs->dev[i].rdev.badblocks.shift = -1;
	}
	return rs;
nomem:
	rp_fail(ti, -ENOMEM, "Cannot allocate raid set");
	return ERR_PTR(-ENOMEM);
}

/*
 * The most raid4/5/6 takes in one bio: raid5_make_request() tracks a bio's
 * stripes in a bitmap of RAID5_MAX_REQ_STRIPES (256) bits, one per stripe
 * page of at least 4 KiB, and md's own block device limits bios to that
 * (raid5_set_limits(), which md does not call for dm).
 */
#define RS_RAID456_MAX_IO	(256 * (SZ_4K >> SECTOR_SHIFT))

/*
 * How raid4/5/6 bios are split: into whole stripes, as many as fit in
 * RS_RAID456_MAX_IO, so that a full-stripe write reaches md in one bio and
 * md computes its parity from the new data alone. Split at chunks (as dm
 * raid does), md handles the stripe as soon as the first chunk arrives and
 * reads old data or parity to compute it. Stripes wider than the limit
 * are split at chunks, or at the limit.
 */
static sector_t rs_raid456_max_io(struct raid_set *rs)
{
	sector_t stripe = (sector_t)rs->p.chunk_sectors *
			  (rs->raid_disks - rs->type->parity);

	if (stripe <= RS_RAID456_MAX_IO)
		return stripe * div64_u64(RS_RAID456_MAX_IO, stripe);
	return min_t(sector_t, rs->p.chunk_sectors, RS_RAID456_MAX_IO);
}

/* Table values that md keeps in its own units. */
static int rs_set_tunables(struct raid_set *rs)
{
	struct mddev *mddev = &rs->md;
	sector_t max_io;

	/* md-bitmap keeps whole seconds on disk; 0 is md's default (5 s). */
	mddev->bitmap_info.daemon_sleep =
		DIV_ROUND_UP(rs->p.daemon_sleep_ms, MSEC_PER_SEC) * HZ;
	mddev->bitmap_info.max_write_behind = rs->p.max_write_behind / 2;
	mddev->sync_speed_min = rs->p.min_recovery_rate;
	mddev->sync_speed_max = rs->p.max_recovery_rate;

	/* As dm raid: bios split at chunks, or regions for raid1. */
	max_io = rs->p.chunk_sectors;
	if (!max_io && rs_is(rs, RS_REDUNDANT))
		max_io = mddev->bitmap_info.chunksize >> SECTOR_SHIFT;
	if (rs_is(rs, RS_RAID45 | RS_RAID6))
		max_io = rs_raid456_max_io(rs);
	return dm_set_target_max_io_len(rs->ti, max_io);
}

/*
 * Discards: as dm raid without devices_handle_discard_safely, not for
 * raid4/5/6, whose parity would need discarded blocks to read as zeroes.
 */
static void rs_set_discards(struct raid_set *rs)
{
	unsigned int i;

	if (rs_is(rs, RS_RAID45 | RS_RAID6))
		return;
	for (i = 0; i < rs->raid_disks; i++)
		if (!rs->dev[i].data_dev ||
		    !bdev_max_discard_sectors(rs->dev[i].data_dev->bdev))
			return;
	rs->ti->num_discard_bios = 1;
}

/* raid4/5/6 stripe cache: the table's size, at least one chunk's worth. */
static int rs_set_stripe_cache(struct raid_set *rs)
{
	struct r5conf *conf = rs->md.private;
	unsigned int nr = rs_given(rs, RS_KW_STRIPE_CACHE) ?
			  rs->p.stripe_cache : NR_STRIPES;
	int r;

	if (!IS_ENABLED(CONFIG_MD_RAID456) || !rs_is(rs, RS_RAID45 | RS_RAID6))
		return 0;
	nr = max(nr, rs->p.chunk_sectors / 2);
	if (conf->min_nr_stripes == nr)
		return 0;
	r = raid5_set_cache_size(&rs->md, nr);
	if (r)
		return rp_fail(rs->ti, r, "md refused a stripe cache of %u", nr);
	return 0;
}

/*
 * md reads the bitmap's daemon sleep and write-behind limit from the
 * bitmap superblock; a table that sets them wins.
 */
static void rs_set_bitmap_tunables(struct raid_set *rs)
{
	struct mddev *mddev = &rs->md;

	if (rs_given(rs, RS_KW_DAEMON_SLEEP) && rs->p.daemon_sleep_ms)
		mddev->bitmap_info.daemon_sleep =
			DIV_ROUND_UP(rs->p.daemon_sleep_ms, MSEC_PER_SEC) * HZ;
	if (rs_given(rs, RS_KW_MAX_WRITE_BEHIND))
		mddev->bitmap_info.max_write_behind = rs->p.max_write_behind / 2;
}

/*
 * Run the array: read-only, resync frozen and mddev suspended until the
 * first resume (rp_resume()), as dm expects of a table that is loaded but
 * not yet live.
 */
static int rs_start(struct raid_set *rs)
{
	struct mddev *mddev = &rs->md;
	int r;

	mddev->ro = MD_RDONLY;
	mddev_suspend_and_lock_nointr(mddev);
	md_frozen_sync_thread(mddev);
	r = md_run(mddev);
	if (r) {
		mddev_unlock(mddev);
		return rp_fail(rs->ti, r, "md could not run the %s array (see the kernel log)",
			       rs->type->name);
	}
	r = md_start(mddev);
	if (r) {
		rp_fail(rs->ti, r, "md could not start the array");
		goto stop;
	}
	if (mddev->array_sectors != rs->ti->len) {
		r = rp_fail(rs->ti, -EINVAL,
			    "md sized the array %llu sectors, the target is %llu",
			    (unsigned long long)mddev->array_sectors,
			    (unsigned long long)rs->ti->len);
		goto stop;
	}
	r = rs_set_stripe_cache(rs);
	if (r)
		goto stop;
	rs_set_bitmap_tunables(rs);
	/* md tells user I/O from resync by the mapped device's statistics. */
	mddev_set_dm_gendisk(mddev, dm_disk(dm_table_get_md(rs->ti->table)));
	set_bit(RS_SUSPENDED, &rs->flags);
	mddev_unlock(mddev);
	return 0;
stop:
	md_stop(mddev);
	mddev_unlock(mddev);
	return r;
}

/* Everything the table says, checked against the devices and superblocks. */
static int rs_parse(struct raid_set *rs, struct dm_arg_set *as,
		    unsigned int nr_params)
{
	int r;

	r = rs_parse_params(rs, as, nr_params);
	if (r)
		return r;
	r = rs_parse_devs(rs, as);
	if (r)
		return r;
	r = rs_set_geometry(rs);
	if (r)
		return r;
	r = rs_load_superblocks(rs);
	if (r)
		return r;
	r = rs_check_redundancy(rs);
	if (r)
		return r;
	return rs_set_tunables(rs);
}

/*
 * Construct a raid-p2p mapping:
 *
 *   <raid_type> <#raid_params> <chunk_size> [<keyword> [<value>]]...
 *   <#raid_devs> <meta_dev0> <data_dev0> [<meta_devN> <data_devN>]...
 *
 * raid_type:	linear, raid0, raid1, raid10, raid4, raid5_{la,ra,ls,rs,n},
 *		raid6_{zr,nr,nc,la_6,ra_6,ls_6,rs_6,n_6}; also raid5 (raid5_ls),
 *		raid6 (raid6_zr) and raid10_{near,far,offset}
 * #raid_params: words that follow, chunk_size included
 * keywords:	sync | nosync | rebuild <idx> | daemon_sleep <ms> |
 *		min_recovery_rate <KiB/s> | max_recovery_rate <KiB/s> |
 *		write_mostly <idx> | max_write_behind <sectors> |
 *		stripe_cache <stripes> | region_size <sectors> |
 *		raid10_copies <n> | raid10_format near|far|offset |
 *		raid10_use_near_sets | data_offset 0 |
 *		p2p_provider <dddd:bb:dd.f>|auto|none
 *		(delta_disks, journal_dev and journal_mode are refused)
 * devices:	"-" for no metadata device; "- -" for a missing member
 */
static int rp_ctr(struct dm_target *ti, unsigned int argc, char **argv)
{
	struct dm_arg_set as = { .argc = argc, .argv = argv };
	unsigned int nr_params, nr_devs;
	const struct rs_type *type;
	struct raid_set *rs;
	int raid10_format, r;

	r = rs_parse_head(ti, &as, &type, &raid10_format, &nr_params, &nr_devs);
	if (r)
		return r;
	rs = rs_alloc(ti, type, raid10_format, nr_devs);
	if (IS_ERR(rs))
		return PTR_ERR(rs);
	r = rs_parse(rs, &as, nr_params);
	if (r)
		goto bad;

	ti->private = rs;
	ti->num_flush_bios = 1;
	ti->needs_bio_set_dev = true;
	rs_set_discards(rs);
	rs_p2p_pick_sync_provider(rs);

	r = rs_start(rs);
	if (r)
		goto bad;
	return 0;
bad:
	rs_free(rs);
	return r;
}

static void rp_dtr(struct dm_target *ti)
{
	struct raid_set *rs = ti->private;

	rs_p2p_gone(rs);
	mddev_lock_nointr(&rs->md);
	md_stop(&rs->md);
	mddev_set_dm_gendisk(&rs->md, NULL);
	mddev_unlock(&rs->md);
	rs_free(rs);
}

/*
 * raid4/5/6 reads reach md one chunk at a time, as dm raid sends them: md
 * reads a chunk straight from its member (chunk_aligned_read()). A longer
 * read md splits there itself, and sends the rest, a split of dm's clone,
 * back to the mapped device, where dm clones it again: an allocation and
 * a chained bio more per chunk than dm's own split of a bio shortened
 * here. Writes keep their whole stripes (rs_raid456_max_io()). md's
 * raid4/5/6 chunks are powers of two.
 */
static void rs_raid456_read_chunk(struct raid_set *rs, struct bio *bio)
{
	unsigned int chunk = rs->md.chunk_sectors;
	unsigned int left;

	if (bio_op(bio) != REQ_OP_READ || !chunk)
		return;
	left = chunk - (bio->bi_iter.bi_sector & (chunk - 1));
	if (bio_sectors(bio) > left)
		dm_accept_partial_bio(bio, left);
}

static int rp_map(struct dm_target *ti, struct bio *bio)
{
	struct raid_set *rs = ti->private;

	if (rs_is(rs, RS_RAID45 | RS_RAID6))
		rs_raid456_read_chunk(rs, bio);
	/* false: md is suspending; dm resubmits the bio after the resume. */
	if (unlikely(!md_handle_request(&rs->md, bio)))
		return DM_MAPIO_REQUEUE;
	return DM_MAPIO_SUBMITTED;
}

static int rp_iterate_devices(struct dm_target *ti,
			      iterate_devices_callout_fn fn, void *data)
{
	struct raid_set *rs = ti->private;
	unsigned int i;
	int r = 0;

	for (i = 0; !r && i < rs->raid_disks; i++)
		if (rs->dev[i].data_dev)
			r = fn(ti, rs->dev[i].data_dev, 0, rs->md.dev_sectors,
			       data);
	return r;
}

static void rp_io_hints(struct dm_target *ti, struct queue_limits *limits)
{
	struct raid_set *rs = ti->private;
	unsigned int chunk = to_bytes(rs->md.chunk_sectors);
	unsigned int data = rs->raid_disks - rs->type->parity;

	if (!chunk)
		return;
	if (rs_is(rs, RS_RAID10))
		data = max(1U, rs->raid_disks / rs->p.raid10_copies);
	limits->io_min = chunk;
	limits->io_opt = chunk * data;
}

/* From here until resume, messages must not start or stop sync. */
static void rp_presuspend(struct dm_target *ti)
{
	struct raid_set *rs = ti->private;

	set_bit(RS_FROZEN, &rs->flags);
}

static void rp_presuspend_undo(struct dm_target *ti)
{
	struct raid_set *rs = ti->private;

	clear_bit(RS_FROZEN, &rs->flags);
}

static void rp_postsuspend(struct dm_target *ti)
{
	struct raid_set *rs = ti->private;

	if (test_and_set_bit(RS_SUSPENDED, &rs->flags))
		return;
	/*
	 * Stop the sync thread and mark the array clean (superblocks and
	 * bitmap written) before md stops taking I/O.
	 */
	md_stop_writes(&rs->md);
	mddev_suspend(&rs->md, false);
}

/* Write every superblock now, whatever md thinks needs writing. */
static void rs_update_sbs(struct raid_set *rs)
{
	struct mddev *mddev = &rs->md;
	int ro = mddev->ro;

	set_bit(MD_SB_CHANGE_DEVS, &mddev->sb_flags);
	mddev->ro = MD_RDWR;
	md_update_sb(mddev, 1);
	mddev->ro = ro;
}

/* A region_size other than the bitmap's: resize it, as dm raid does. */
static int rs_resize_bitmap(struct raid_set *rs)
{
	struct mddev *mddev = &rs->md;
	unsigned long want = to_bytes(rs->p.region_sectors);

	if (!mddev->bitmap || !rs->p.region_sectors ||
	    mddev->bitmap_info.chunksize == want)
		return 0;
	return mddev_bitmap_resize(mddev, mddev->dev_sectors, want);
}

/*
 * The first resume of a table: the old table (if any) is suspended by
 * now, so this one may write its superblocks and read the bitmap.
 */
static int rp_preresume(struct dm_target *ti)
{
	struct raid_set *rs = ti->private;
	struct mddev *mddev = &rs->md;
	int r = 0;

	if (test_and_set_bit(RS_PRERESUMED, &rs->flags))
		return 0;

	/* The swap just dropped the flag: set it before any I/O of ours. */
	rs_p2p_advertise(rs);
	mddev_lock_nointr(mddev);
	r = rs_refresh_superblocks(rs);
	if (r)
		goto out;
	if (test_bit(RS_UPDATE_SBS, &rs->flags))
		rs_update_sbs(rs);
	if (mddev->bitmap) {
		r = mddev->bitmap_ops->load(mddev);
		if (r)
			DMERR("%s: cannot load the write-intent bitmap: %d",
			      dm_table_device_name(ti->table), r);
		else
			r = rs_resize_bitmap(rs);
	}
out:
	mddev_unlock(mddev);
	if (r)
		clear_bit(RS_PRERESUMED, &rs->flags);	/* try again next resume */
	return r;
}

/*
 * Called after every table swap and every resume. The first preresume of
 * a new table has set BLK_FEAT_PCI_P2PDMA again after dm's swap dropped
 * it; this sets it if that failed or was skipped (p2p.c).
 */
static void rp_resume(struct dm_target *ti)
{
	struct raid_set *rs = ti->private;
	struct mddev *mddev = &rs->md;

	rs_p2p_advertise(rs);
	rs_p2p_go_live(rs);
	if (!test_and_clear_bit(RS_SUSPENDED, &rs->flags))
		return;
	mddev_lock_nointr(mddev);
	clear_bit(RS_FROZEN, &rs->flags);
	mddev->ro = MD_RDWR;
	md_unfrozen_sync_thread(mddev);
	mddev_unlock_and_resume(mddev);
}

static struct target_type rp_target = {
	.name = "raid-p2p",
	.version = {1, 5, 4},
	.module = THIS_MODULE,
	.ctr = rp_ctr,
	.dtr = rp_dtr,
	.map = rp_map,
	.status = rp_status,
	.message = rp_message,
	.iterate_devices = rp_iterate_devices,
	.io_hints = rp_io_hints,
	.presuspend = rp_presuspend,
	.presuspend_undo = rp_presuspend_undo,
	.postsuspend = rp_postsuspend,
	.preresume = rp_preresume,
	.resume = rp_resume,
};

static int __init rp_init(void)
{
	int r = dm_register_target(&rp_target);

	if (r)
		return r;
	rs_p2p_init();
	return 0;
}

static void __exit rp_exit(void)
{
	rs_p2p_exit();
	dm_unregister_target(&rp_target);
}

module_init(rp_init);
module_exit(rp_exit);

MODULE_DESCRIPTION(DM_NAME " raid-p2p target: md RAID over the md-p2p personalities");
MODULE_LICENSE("GPL");
