// SPDX-License-Identifier: GPL-2.0-only
/*
 * raid-p2p superblocks (format: include/dm-raid-p2p/superblock.h).
 *
 * When a table is loaded, every member's superblock is read and judged
 * against the freshest one and against the table; anything that does not
 * fit is refused with a ti->error naming the member, unless the table asks
 * to rebuild that member. At the first resume they are read once more for
 * what may have changed since (a table being replaced writes its last
 * superblocks when it is suspended): the event count and whether the
 * array was stopped cleanly. While the array runs, md writes the
 * superblocks itself (md_update_sb()) and asks us to fill them in:
 * rs_super_sync().
 */
#include <linux/crc32.h>
#include <linux/timekeeping.h>
#include <linux/uuid.h>

#include "raid-p2p.h"
#include "md-bitmap.h"

#include <dm-raid-p2p/superblock.h>

/* What the constructor found on one member's metadata device. */
enum rs_sb_kind {
	RS_SB_IGNORED,	/* not read: no metadata, rebuild or sync asked */
	RS_SB_BLANK,	/* no superblock: a new device */
	RS_SB_VALID,
};

struct rs_sb_scan {
	u8 kind[RP_MAX_DEVS];
	int freshest;	/* member with the highest event count, or -1 */
};

static struct rp_superblock *rs_sb(struct raid_set *rs, unsigned int i)
{
	return page_address(rs->dev[i].rdev.sb_page);
}

/* CRC-32C of the superblock with its crc field read as zero. */
static u32 rs_sb_crc(const struct rp_superblock *sb)
{
	static const u8 zero[sizeof(sb->crc)];
	const u8 *p = (const u8 *)sb;
	size_t at = offsetof(struct rp_superblock, crc);
	u32 crc;

	crc = md_p2p_crc32c(~0U, p, at);
	crc = md_p2p_crc32c(crc, zero, sizeof(zero));
	at += sizeof(zero);
	crc = md_p2p_crc32c(crc, p + at, RP_SB_SIZE - at);
	return ~crc;
}

static int rs_read_sb(struct raid_set *rs, unsigned int i)
{
	struct raid_dev *rd = &rs->dev[i];
	struct md_rdev *rdev = &rd->rdev;

	if (!sync_page_io(rdev, 0, rdev->sb_size, rdev->sb_page, REQ_OP_READ,
			  true))
		return rp_fail(rs->ti, -EIO,
			       "Member %u: cannot read the superblock on %s",
			       i, rd->meta_dev->name);
	rdev->sb_loaded = 1;
	return 0;
}

/* Magic numbers at the start of other RAID metadata, never overwritten. */
#define RS_DM_RAID_MAGIC	0x64526d44	/* dm raid target: "DmRd" */
#define RS_MD_SB_MAGIC		0xa92b4efc	/* md superblock 1.1 */

/*
 * Not ours: blank, unless it is another RAID's metadata, which loading a
 * table must not destroy ("sync" or "rebuild" overwrite it on purpose).
 */
static int rs_check_other_sb(struct raid_set *rs, unsigned int i)
{
	u32 magic = le32_to_cpu(rs_sb(rs, i)->magic);
	const char *what;

	if (magic == RS_DM_RAID_MAGIC)
		what = "the dm raid target's";
	else if (magic == RS_MD_SB_MAGIC)
		what = "an md";
	else
		return RS_SB_BLANK;
	return rp_fail(rs->ti, -EINVAL,
		       "Member %u (%s): holds %s superblock; wipe it, or use sync or 'rebuild %u'",
		       i, rs->dev[i].meta_dev->name, what, i);
}

/* Is member @i's superblock one of ours, intact and understood? */
static int rs_check_sb(struct raid_set *rs, unsigned int i)
{
	const struct rp_superblock *sb = rs_sb(rs, i);
	const char *name = rs->dev[i].meta_dev->name;
	u32 version = le32_to_cpu(sb->version);

	if (le32_to_cpu(sb->magic) != RP_SB_MAGIC)
		return rs_check_other_sb(rs, i);
	if (!version || version > RP_SB_VERSION)
		return rp_fail(rs->ti, -EINVAL,
			       "Member %u (%s): superblock format version %u is not supported",
			       i, name, version);
	if (le32_to_cpu(sb->sb_size) != RP_SB_SIZE ||
	    le32_to_cpu(sb->crc) != rs_sb_crc(sb))
		return rp_fail(rs->ti, -EINVAL,
			       "Member %u (%s): corrupt superblock (bad checksum)",
			       i, name);
	if (le32_to_cpu(sb->flags) & ~RP_SB_FLAGS_KNOWN)
		return rp_fail(rs->ti, -EINVAL,
			       "Member %u (%s): superblock has unknown flags 0x%x",
			       i, name, le32_to_cpu(sb->flags));
	if (le32_to_cpu(sb->member) >= le32_to_cpu(sb->raid_disks))
		return rp_fail(rs->ti, -EINVAL,
			       "Member %u (%s): corrupt superblock (member %u of %u)",
			       i, name, le32_to_cpu(sb->member),
			       le32_to_cpu(sb->raid_disks));
	/* This target never writes another (no out-of-place reshaping). */
	if (sb->data_offset)
		return rp_fail(rs->ti, -EINVAL,
			       "Member %u (%s): corrupt superblock (data offset %llu, not 0)",
			       i, name, le64_to_cpu(sb->data_offset));
	return RS_SB_VALID;
}

/* Members whose superblock has the same array UUID as member @i's. */
static unsigned int rs_same_array(struct raid_set *rs, struct rs_sb_scan *scan,
				  unsigned int i)
{
	unsigned int j, n = 0;

	for (j = 0; j < rs->raid_disks; j++)
		n += scan->kind[j] == RS_SB_VALID &&
		     !memcmp(rs_sb(rs, j)->uuid, rs_sb(rs, i)->uuid, 16);
	return n;
}

/* Does @sb describe the array the table describes? */
static bool rs_sb_fits_table(struct raid_set *rs, const struct rp_superblock *sb)
{
	struct mddev *mddev = &rs->md;

	return (int)le32_to_cpu(sb->level) == mddev->level &&
	       (int)le32_to_cpu(sb->layout) == mddev->layout &&
	       le32_to_cpu(sb->raid_disks) == rs->raid_disks &&
	       le32_to_cpu(sb->chunk_sectors) == mddev->chunk_sectors &&
	       le64_to_cpu(sb->data_sectors) == mddev->dev_sectors;
}

/*
 * The freshest superblock: of the array most members belong to (so that
 * one foreign member is the one called foreign), one that fits the table
 * if any does (so that one member whose superblock is corrupt in a way
 * its checksum cannot tell is the one called wrong, not the table), the
 * highest event count.
 */
static void rs_pick_freshest(struct raid_set *rs, struct rs_sb_scan *scan)
{
	unsigned int i, n, best_n = 0;
	bool fits, best_fits = false;
	u64 events, best_events = 0;

	scan->freshest = -1;
	for (i = 0; i < rs->raid_disks; i++) {
		if (scan->kind[i] != RS_SB_VALID)
			continue;
		n = rs_same_array(rs, scan, i);
		fits = rs_sb_fits_table(rs, rs_sb(rs, i));
		events = le64_to_cpu(rs_sb(rs, i)->events);
		if (n > best_n ||
		    (n == best_n && fits && !best_fits) ||
		    (n == best_n && fits == best_fits && events > best_events)) {
			scan->freshest = i;
			best_n = n;
			best_fits = fits;
			best_events = events;
		}
	}
}

/* Read and check every superblock that counts; find the freshest. */
static int rs_scan(struct raid_set *rs, struct rs_sb_scan *scan)
{
	unsigned int i;
	int r;

	for (i = 0; i < rs->raid_disks; i++) {
		scan->kind[i] = RS_SB_IGNORED;
		/* "sync" rewrites every superblock, "rebuild" this one. */
		if (!rs->dev[i].meta_dev || rs_given(rs, RS_KW_SYNC) ||
		    test_bit(i, rs->p.rebuild))
			continue;
		r = rs_read_sb(rs, i);
		if (!r)
			r = rs_check_sb(rs, i);
		if (r < 0)
			return r;
		scan->kind[i] = r;
	}
	rs_pick_freshest(rs, scan);
	return 0;
}

/* The table must describe the array the freshest superblock describes. */
static int rs_check_table(struct raid_set *rs, unsigned int f)
{
	const struct rp_superblock *sb = rs_sb(rs, f);
	struct mddev *mddev = &rs->md;
	int level = (int)le32_to_cpu(sb->level);
	int layout = (int)le32_to_cpu(sb->layout);
	unsigned int disks = le32_to_cpu(sb->raid_disks);

	if (level != mddev->level || layout != mddev->layout ||
	    disks != rs->raid_disks)
		return rp_fail(rs->ti, -EINVAL,
			       "Superblocks describe %s with %u members, the table %s with %u (no takeover or reshape)",
			       rs_type_name(level, layout), disks,
			       rs_type_name(mddev->level, mddev->layout),
			       rs->raid_disks);
	if (le32_to_cpu(sb->chunk_sectors) != mddev->chunk_sectors)
		return rp_fail(rs->ti, -EINVAL,
			       "Superblocks say chunk_size %u, the table %u",
			       le32_to_cpu(sb->chunk_sectors), mddev->chunk_sectors);
	if (le64_to_cpu(sb->data_sectors) != mddev->dev_sectors)
		return rp_fail(rs->ti, -EINVAL,
			       "Superblocks say %llu sectors per member, the table's length gives %llu (no resizing)",
			       le64_to_cpu(sb->data_sectors),
			       (unsigned long long)mddev->dev_sectors);
	return 0;
}

/*
 * Member @i in an existing array: its superblock must come from the same
 * array, the same position, and be as fresh as the freshest (md's rule:
 * one event behind is a write that a crash interrupted).
 */
static int rs_judge_member(struct raid_set *rs, struct rs_sb_scan *scan,
			   unsigned int i)
{
	const struct rp_superblock *fsb = rs_sb(rs, scan->freshest);
	const struct rp_superblock *sb = rs_sb(rs, i);
	const char *name = rs->dev[i].meta_dev->name;
	u64 events = le64_to_cpu(sb->events), fevents = le64_to_cpu(fsb->events);

	if (scan->kind[i] == RS_SB_BLANK)
		return rp_fail(rs->ti, -EINVAL,
			       "Member %u (%s): no superblock in an existing array; use 'rebuild %u' to add it",
			       i, name, i);
	if (memcmp(sb->uuid, fsb->uuid, sizeof(sb->uuid)))
		return rp_fail(rs->ti, -EINVAL,
			       "Member %u (%s): superblock of another array (%pU, not %pU)",
			       i, name, sb->uuid, fsb->uuid);
	if (le32_to_cpu(sb->member) != i)
		return rp_fail(rs->ti, -EINVAL,
			       "Member %u (%s): superblock of member %u; the members are out of order",
			       i, name, le32_to_cpu(sb->member));
	if (sb->level != fsb->level || sb->layout != fsb->layout ||
	    sb->chunk_sectors != fsb->chunk_sectors ||
	    sb->raid_disks != fsb->raid_disks ||
	    sb->data_sectors != fsb->data_sectors ||
	    sb->array_sectors != fsb->array_sectors)
		return rp_fail(rs->ti, -EINVAL,
			       "Member %u (%s): superblock disagrees with member %d on the geometry",
			       i, name, scan->freshest);
	if (le64_to_cpu(fsb->failed[i / 64]) & BIT_ULL(i % 64) ||
	    events + 1 < fevents)
		return rp_fail(rs->ti, -EINVAL,
			       "Member %u (%s): stale superblock (events %llu, array %llu); use 'rebuild %u'",
			       i, name, events, fevents, i);
	return 0;
}

/*
 * A resync or rebuild checkpoint from member @i's superblock. md writes
 * them at stripe boundaries, inside the range; a checkpoint past @limit
 * or off the boundary would send md's sync thread past the end of the
 * members or across half a stripe, where it fails healthy members. Such
 * a checkpoint is corrupt: start again from 0, the safe choice (it redoes
 * work, loses nothing). One inside the range starts at the chunk it
 * falls in.
 */
static sector_t rs_sane_offset(struct raid_set *rs, unsigned int i,
			       const char *what, u64 offset, sector_t limit)
{
	unsigned int align = max_t(unsigned int, rs->md.chunk_sectors, 8);

	if (offset == RP_SB_MAX_SECTOR)
		return MaxSector;
	if (offset > limit) {
		DMWARN("Member %u (%s): corrupt %s checkpoint %llu (past %llu), from 0",
		       i, rs->dev[i].meta_dev->name, what, offset,
		       (unsigned long long)limit);
		return 0;
	}
	return offset - offset % align;
}

/* Take the array's state from the freshest superblock. */
static int rs_use_superblocks(struct raid_set *rs, struct rs_sb_scan *scan)
{
	const struct rp_superblock *fsb = rs_sb(rs, scan->freshest);
	struct mddev *mddev = &rs->md;
	unsigned int i;

	memcpy(mddev->uuid, fsb->uuid, sizeof(mddev->uuid));
	mddev->events = le64_to_cpu(fsb->events);
	mddev->ctime = le64_to_cpu(fsb->ctime);
	mddev_resync_offset(mddev) = rs_given(rs, RS_KW_NOSYNC) ?
			     MaxSector :
			     rs_sane_offset(rs, scan->freshest, "resync",
					    le64_to_cpu(fsb->resync_offset),
					    rs_is(rs, RS_RAID10) ? rs->ti->len :
					    mddev->dev_sectors);

	if (rs_given(rs, RS_KW_REBUILD)) {
		/* Rebuilding from an array that is not in sync copies junk. */
		if (mddev_resync_offset(mddev) != MaxSector)
			return rp_fail(rs->ti, -EINVAL,
				       "Cannot rebuild: the array is not in sync (resync at sector %llu)",
				       (unsigned long long)mddev_resync_offset(mddev));
		/* New superblocks for the rebuilt members, at once. */
		set_bit(RS_UPDATE_SBS, &rs->flags);
	}

	/* A member whose rebuild was interrupted goes on from there. */
	for (i = 0; i < rs->raid_disks; i++) {
		struct md_rdev *rdev = &rs->dev[i].rdev;
		u64 offset;

		if (scan->kind[i] != RS_SB_VALID)
			continue;
		rs->dev[i].sb_valid = true;
		offset = le64_to_cpu(rs_sb(rs, i)->recovery_offset);
		if (offset != RP_SB_MAX_SECTOR) {
			offset = rs_sane_offset(rs, i, "recovery", offset,
						mddev->dev_sectors);
			clear_bit(In_sync, &rdev->flags);
			rdev->recovery_offset = offset;
		}
	}
	return 0;
}

/* No superblock anywhere (or "sync"): a new array. */
static int rs_setup_new(struct raid_set *rs)
{
	struct mddev *mddev = &rs->md;

	/* As dm raid: raid6 parity is not known to be right without a sync. */
	if (rs_is(rs, RS_RAID6) && rs_given(rs, RS_KW_NOSYNC))
		return rp_fail(rs->ti, -EINVAL,
			       "nosync is not allowed for a new raid6 array");
	generate_random_uuid(mddev->uuid);
	mddev->ctime = ktime_get_real_seconds();
	mddev->events = 0;	/* the first superblock write makes it 1 */
	mddev_resync_offset(mddev) = !rs_is(rs, RS_REDUNDANT) ||
			     rs_given(rs, RS_KW_NOSYNC) ? MaxSector : 0;
	/* Tells md-bitmap to write a new bitmap rather than read one. */
	set_bit(MD_ARRAY_FIRST_USE, &mddev->flags);
	set_bit(RS_NEW, &rs->flags);
	set_bit(RS_UPDATE_SBS, &rs->flags);
	return 0;
}

/*
 * md reads the bitmap header from the first member in sync and fails the
 * whole array, without naming a member, if it does not like it. Check
 * each member's header as md would, so that a corrupt one is refused by
 * name. Only the versions this target writes are taken: a clustered one
 * would make md set up md-cluster.
 */
#define RS_BITMAP_MAX_WRITE_BEHIND	16383	/* md's COUNTER_MAX */

static int rs_check_bitmap(struct raid_set *rs, unsigned int i,
			   struct page *page)
{
	struct md_rdev *rdev = &rs->dev[i].rdev;
	const char *name = rs->dev[i].meta_dev->name;
	const bitmap_super_t *bm;
	const char *why = NULL;
	u32 chunk, sleep, version;

	if (!sync_page_io(rdev, RP_SB_BITMAP_OFFSET >> SECTOR_SHIFT, PAGE_SIZE,
			  page, REQ_OP_READ, true))
		return rp_fail(rs->ti, -EIO,
			       "Member %u: cannot read the bitmap on %s", i, name);
	bm = page_address(page);
	chunk = le32_to_cpu(bm->chunksize);
	sleep = le32_to_cpu(bm->daemon_sleep);
	version = le32_to_cpu(bm->version);
	if (le32_to_cpu(bm->magic) != BITMAP_MAGIC)
		why = "no bitmap magic";
	else if (version != 3 && version != 4)
		why = "version";
	else if (chunk < 512 || !is_power_of_2(chunk))
		why = "chunksize";
	else if (sleep < 1 || sleep > MAX_SCHEDULE_TIMEOUT / HZ)
		why = "daemon_sleep";
	else if (le32_to_cpu(bm->write_behind) > RS_BITMAP_MAX_WRITE_BEHIND)
		why = "write_behind";
	else if (memcmp(bm->uuid, rs_sb(rs, i)->uuid, sizeof(bm->uuid)))
		why = "uuid";
	if (why)
		return rp_fail(rs->ti, -EINVAL,
			       "Member %u (%s): corrupt bitmap header (%s); use 'rebuild %u'",
			       i, name, why, i);
	return 0;
}

static int rs_load_with_meta(struct raid_set *rs)
{
	struct rs_sb_scan *scan;
	unsigned int i;
	int r;

	scan = kmalloc(sizeof(*scan), GFP_KERNEL);
	if (!scan)
		return rp_fail(rs->ti, -ENOMEM, "Cannot allocate superblock scan");
	r = rs_scan(rs, scan);
	if (r)
		goto out;
	if (scan->freshest < 0) {
		r = rs_setup_new(rs);
		goto out;
	}
	r = rs_check_table(rs, scan->freshest);
	for (i = 0; !r && i < rs->raid_disks; i++)
		if (scan->kind[i] != RS_SB_IGNORED)
			r = rs_judge_member(rs, scan, i);
	if (!r && rs_is(rs, RS_REDUNDANT)) {
		struct page *page = alloc_page(GFP_KERNEL);

		if (!page)
			r = rp_fail(rs->ti, -ENOMEM, "Cannot allocate a bitmap page");
		for (i = 0; page && !r && i < rs->raid_disks; i++)
			if (scan->kind[i] == RS_SB_VALID)
				r = rs_check_bitmap(rs, i, page);
		if (page)
			__free_page(page);
	}
	if (!r)
		r = rs_use_superblocks(rs, scan);
out:
	kfree(scan);
	return r;
}

/*
 * Read the superblocks (if the members have metadata devices) and set up
 * md's view of the array's state from them.
 */
int rs_load_superblocks(struct raid_set *rs)
{
	struct mddev *mddev = &rs->md;

	if (!rs->has_meta) {
		/*
		 * md's non-persistent mode (mdadm --build): no superblocks,
		 * nothing remembers whether the array was in sync, so it
		 * resyncs unless the table says nosync (or rebuilds a member,
		 * which needs the rest in sync).
		 */
		mddev->persistent = 0;
		mddev->external = 0;
		mddev_resync_offset(mddev) = !rs_is(rs, RS_REDUNDANT) ||
				     rs_given(rs, RS_KW_NOSYNC) ||
				     rs_given(rs, RS_KW_REBUILD) ? MaxSector : 0;
		return 0;
	}

	mddev->persistent = 1;
	mddev->external = 0;
	/* md knows superblock formats 0 and 1; ours goes through sync_super. */
	mddev->major_version = 2;
	mddev->sync_super = rs_super_sync;
	if (rs_is(rs, RS_REDUNDANT)) {
		mddev->bitmap_info.offset = RP_SB_BITMAP_OFFSET >> SECTOR_SHIFT;
		mddev->bitmap_info.default_offset = mddev->bitmap_info.offset;
	}
	return rs_load_with_meta(rs);
}

static bool rs_degraded(struct raid_set *rs)
{
	unsigned int i;

	for (i = 0; i < rs->raid_disks; i++)
		if (!rs->dev[i].data_dev ||
		    !test_bit(In_sync, &rs->dev[i].rdev.flags))
			return true;
	return false;
}

/*
 * Member @i's superblock as it is now, if it is still one of this
 * array's; NULL otherwise (the constructor judged it, so a change since
 * is not ours to judge again).
 */
static const struct rp_superblock *rs_reread_sb(struct raid_set *rs,
						unsigned int i)
{
	struct md_rdev *rdev = &rs->dev[i].rdev;
	const struct rp_superblock *sb = page_address(rdev->sb_page);

	if (!rs->dev[i].sb_valid || test_bit(Faulty, &rdev->flags) ||
	    !sync_page_io(rdev, 0, rdev->sb_size, rdev->sb_page,
			  REQ_OP_READ, true))
		return NULL;
	if (le32_to_cpu(sb->magic) != RP_SB_MAGIC ||
	    le32_to_cpu(sb->sb_size) != RP_SB_SIZE ||
	    le32_to_cpu(sb->crc) != rs_sb_crc(sb) ||
	    memcmp(sb->uuid, rs->md.uuid, sizeof(sb->uuid)))
		return NULL;
	return sb;
}

/*
 * At the first resume, with any table this one replaces suspended: take
 * the newest event count, and resync the bitmap's dirty regions if the
 * array was not stopped cleanly (md's rule for its own superblocks). Like
 * md, refuse a dirty raid4/5/6 that is also degraded: the stripes being
 * written when it stopped may have parity that does not match their data,
 * and a missing or rebuilding member would be made from it (the write
 * hole). "start_dirty_degraded" takes that risk as md's module parameter
 * of that name does: the array starts, the member is rebuilt, then the
 * dirty regions resync. "nosync" takes it without the resync.
 */
int rs_refresh_superblocks(struct raid_set *rs)
{
	struct mddev *mddev = &rs->md;
	const struct rp_superblock *sb;
	bool dirty = false, degraded;
	unsigned int i;

	if (!rs->has_meta || test_bit(RS_NEW, &rs->flags))
		return 0;
	for (i = 0; i < rs->raid_disks; i++) {
		sb = rs_reread_sb(rs, i);
		if (!sb)
			continue;
		mddev->events = max(mddev->events, le64_to_cpu(sb->events));
		dirty |= le32_to_cpu(sb->flags) & RP_SB_F_DIRTY;
	}
	if (!dirty || !rs_is(rs, RS_REDUNDANT) || rs_given(rs, RS_KW_NOSYNC))
		return 0;
	degraded = rs_is(rs, RS_RAID45 | RS_RAID6) && rs_degraded(rs);
	if (degraded && !rs_given(rs, RS_KW_START_DIRTY_DEGRADED)) {
		DMERR("%s: cannot start a dirty degraded %s array (start_dirty_degraded)",
		      dm_table_device_name(rs->ti->table), rs->type->name);
		return -EINVAL;
	}
	if (degraded)
		DMWARN("%s: dirty degraded %s: stripes written at the stop may be wrong",
		       dm_table_device_name(rs->ti->table), rs->type->name);
	/*
	 * Also when a resync was running: its checkpoint says nothing of the
	 * regions behind it written since, whose bits are set again. md's
	 * own superblocks record 0 for a dirty array for that reason.
	 */
	DMINFO("%s: not stopped cleanly%s, resyncing the dirty regions",
	       dm_table_device_name(rs->ti->table),
	       mddev_resync_offset(mddev) != MaxSector ?
	       " during a resync" : "");
	mddev_resync_offset(mddev) = 0;
	return 0;
}

/*
 * md's sync_super hook: fill in @rdev's superblock page from the array's
 * state; md_update_sb() writes it. Runs under mddev->lock (a spinlock).
 */
void rs_super_sync(struct mddev *mddev, struct md_rdev *rdev)
{
	struct raid_set *rs = container_of(mddev, struct raid_set, md);
	struct rp_superblock *sb;
	unsigned int i;

	if (!rdev->meta_bdev || !rdev->sb_page)
		return;
	sb = page_address(rdev->sb_page);
	memset(sb, 0, rdev->sb_size);

	sb->magic = cpu_to_le32(RP_SB_MAGIC);
	sb->version = cpu_to_le32(RP_SB_VERSION);
	sb->sb_size = cpu_to_le32(RP_SB_SIZE);
	memcpy(sb->uuid, mddev->uuid, sizeof(sb->uuid));
	sb->events = cpu_to_le64(mddev->events);
	sb->ctime = cpu_to_le64(mddev->ctime);
	sb->utime = cpu_to_le64(ktime_get_real_seconds());
	sb->level = cpu_to_le32((u32)mddev->level);
	sb->layout = cpu_to_le32(mddev->layout);
	sb->chunk_sectors = cpu_to_le32(mddev->chunk_sectors);
	sb->raid_disks = cpu_to_le32(rs->raid_disks);
	sb->member = cpu_to_le32(rs_member(rs, rdev));
	sb->data_offset = cpu_to_le64(rdev->data_offset);
	sb->data_sectors = cpu_to_le64(mddev->dev_sectors);
	sb->array_sectors = cpu_to_le64(mddev->array_sectors);
	sb->resync_offset = cpu_to_le64(mddev_resync_offset(mddev));
	if (!mddev->in_sync)
		sb->flags |= cpu_to_le32(RP_SB_F_DIRTY);
	sb->recovery_offset = cpu_to_le64(test_bit(In_sync, &rdev->flags) ?
					  MaxSector : rdev->recovery_offset);
	if (mddev->bitmap_info.offset) {
		sb->region_sectors = cpu_to_le32(mddev->bitmap_info.chunksize >>
						 SECTOR_SHIFT);
		sb->bitmap_offset = cpu_to_le32(mddev->bitmap_info.offset);
	}
	for (i = 0; i < rs->raid_disks; i++)
		if (!rs->dev[i].data_dev ||
		    test_bit(Faulty, &rs->dev[i].rdev.flags))
			sb->failed[i / 64] |= cpu_to_le64(BIT_ULL(i % 64));
	sb->crc = cpu_to_le32(rs_sb_crc(sb));
}
