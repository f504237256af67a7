// SPDX-License-Identifier: GPL-2.0-only
/*
 * raid-p2p status and messages.
 *
 * INFO status starts with the dm raid target's fields, in its order and
 * with its meaning, so that tools that read dm raid status (LVM,
 * dmeventd) read ours:
 *
 *   <raid_type> <#devs> <health_chars> <sync_ratio> <sync_action>
 *   <mismatch_cnt> <data_offset> <journal_char>
 *
 * then our own:
 *
 *   <events> <#p2p_fields> <p2p_provider> <user_read> <user_write>
 *   <bounce_unreachable> <bounce_queue> <bounce_parity> <bounce_copy>
 *   <sync_cmb> <sync_host> <bounce_refused> <parity_p2p>
 *
 * <#p2p_fields> counts the P2P fields that follow, so that later versions
 * can add counters without breaking readers of this one. The counters are
 * bytes, since the table was loaded or the last "p2p_reset_counters":
 * users' I/O through P2P buffers, bytes bounced through host memory by
 * reason (a member cannot reach the provider; a member's queue takes no
 * P2P pages; the raid4/5/6 stripe cache; other copies, such as raid1
 * write-behind), and resync/recovery writes from CMB and host buffers.
 */
#include "raid-p2p.h"

/* P2P fields in INFO status: the provider, then md-p2p's counters. */
#define RS_P2P_FIELDS (1 + MD_P2P_NR_STATS)

/* What the sync thread does, as dm raid names it. */
enum rs_sync_state {
	RS_ST_FROZEN,
	RS_ST_RESHAPE,
	RS_ST_RESYNC,
	RS_ST_CHECK,
	RS_ST_REPAIR,
	RS_ST_RECOVER,
	RS_ST_IDLE,
};

static const char *const rs_sync_names[] = {
	[RS_ST_FROZEN] = "frozen",
	[RS_ST_RESHAPE] = "reshape",
	[RS_ST_RESYNC] = "resync",
	[RS_ST_CHECK] = "check",
	[RS_ST_REPAIR] = "repair",
	[RS_ST_RECOVER] = "recover",
	[RS_ST_IDLE] = "idle",
};

/* The sync action from md's recovery bits (dm raid's decipher_sync_action). */
static enum rs_sync_state rs_sync_state(struct mddev *mddev,
					unsigned long recovery)
{
	if (test_bit(MD_RECOVERY_FROZEN, &recovery))
		return RS_ST_FROZEN;

	/* The sync thread may be done or interrupted but still running. */
	if (test_bit(MD_RECOVERY_DONE, &recovery) ||
	    !(test_bit(MD_RECOVERY_RUNNING, &recovery) ||
	      (md_is_rdwr(mddev) && test_bit(MD_RECOVERY_NEEDED, &recovery))))
		return RS_ST_IDLE;

	if (test_bit(MD_RECOVERY_RESHAPE, &recovery))
		return RS_ST_RESHAPE;
	if (test_bit(MD_RECOVERY_SYNC, &recovery)) {
		if (!test_bit(MD_RECOVERY_REQUESTED, &recovery))
			return RS_ST_RESYNC;
		return test_bit(MD_RECOVERY_CHECK, &recovery) ?
		       RS_ST_CHECK : RS_ST_REPAIR;
	}
	if (test_bit(MD_RECOVERY_RECOVER, &recovery))
		return RS_ST_RECOVER;
	return RS_ST_IDLE;
}

/* When idle, is every present member in sync? */
static bool rs_members_in_sync(struct raid_set *rs)
{
	struct md_rdev *rdev;

	rdev_for_each(rdev, &rs->md)
		if (!test_bit(In_sync, &rdev->flags))
			return false;
	return true;
}

/*
 * The sync ratio's numerator, and RS_IN_SYNC / RS_RESYNCING for the
 * health characters (dm raid's rs_get_progress()).
 */
static sector_t rs_progress(struct raid_set *rs, unsigned long recovery,
			    enum rs_sync_state state, sector_t max)
{
	struct mddev *mddev = &rs->md;
	bool in_sync = false, resyncing = false;
	sector_t done;

	if (!rs_is(rs, RS_REDUNDANT)) {
		done = max;
		in_sync = true;
	} else {
		done = state == RS_ST_IDLE && !test_bit(MD_RECOVERY_INTR, &recovery) ?
		       mddev_resync_offset(mddev) : mddev->curr_resync_completed;
		if (state == RS_ST_IDLE && done >= max)
			in_sync = test_bit(MD_RECOVERY_RECOVER, &recovery);
		else if (state == RS_ST_RESYNC || state == RS_ST_RESHAPE)
			resyncing = true;
		else if (state == RS_ST_CHECK || state == RS_ST_REPAIR)
			in_sync = true;
		else if (state != RS_ST_RECOVER &&
			 test_bit(MD_RECOVERY_NEEDED, &recovery))
			resyncing = true;	/* about to start */
		else if (state != RS_ST_RECOVER)
			in_sync = rs_members_in_sync(rs);
	}
	assign_bit(RS_IN_SYNC, &rs->flags, in_sync);
	assign_bit(RS_RESYNCING, &rs->flags, resyncing);
	return min(done, max);
}

/*
 * Health of member @i: 'A' alive and in sync, 'a' alive but not in sync,
 * 'D' dead (failed), '-' missing from the table.
 */
static char rs_health(struct raid_set *rs, unsigned int i)
{
	struct md_rdev *rdev = &rs->dev[i].rdev;

	if (!rs->dev[i].data_dev)
		return '-';
	if (test_bit(Faulty, &rdev->flags))
		return 'D';
	if (test_bit(RS_RESYNCING, &rs->flags) ||
	    (!test_bit(RS_IN_SYNC, &rs->flags) &&
	     !test_bit(In_sync, &rdev->flags)))
		return 'a';
	return 'A';
}

static void rs_emit_info(struct raid_set *rs, char *result,
			 unsigned int maxlen, unsigned int *psz)
{
	struct mddev *mddev = &rs->md;
	unsigned int sz = *psz, i;
	enum rs_sync_state state;
	unsigned long recovery;
	sector_t max, done;
	u64 mismatches;

	/* The newest md state; it changes under us and that is fine. */
	smp_rmb();
	max = test_bit(RS_PRERESUMED, &rs->flags) ?
	      mddev->resync_max_sectors : mddev->dev_sectors;
	recovery = READ_ONCE(mddev->recovery);
	state = rs_sync_state(mddev, recovery);
	done = rs_progress(rs, recovery, state, max);
	mismatches = mddev->last_sync_action == ACTION_CHECK ?
		     atomic64_read(&mddev->resync_mismatches) : 0;

	DMEMIT("%s %u ", rs_type_name(mddev->level, mddev->layout),
	       rs->raid_disks);
	for (i = 0; i < rs->raid_disks; i++)
		DMEMIT("%c", rs_health(rs, i));
	DMEMIT(" %llu/%llu %s %llu %llu -",
	       (unsigned long long)done, (unsigned long long)max,
	       rs_sync_names[state], mismatches,
	       (unsigned long long)rs->dev[0].rdev.data_offset);
	DMEMIT(" %llu %u %s", mddev->events, RS_P2P_FIELDS,
	       rs_p2p_provider_in_use(rs));
	rs_p2p_emit_stats(rs, result, maxlen, &sz);
	*psz = sz;
}

static void rs_emit_ima(struct raid_set *rs, char *result,
			unsigned int maxlen, unsigned int *psz)
{
	struct mddev *mddev = &rs->md;
	unsigned long recovery = READ_ONCE(mddev->recovery);
	unsigned int sz = *psz, i;

	DMEMIT_TARGET_NAME_VERSION(rs->ti->type);
	DMEMIT(",raid_type=%s,raid_disks=%u,raid_state=%s",
	       rs_type_name(mddev->level, mddev->layout), rs->raid_disks,
	       rs_sync_names[rs_sync_state(mddev, recovery)]);
	for (i = 0; i < rs->raid_disks; i++)
		DMEMIT(",raid_device_%u_status=%c", i, rs_health(rs, i));
	DMEMIT(",metadata=%s,p2p_provider=%s;",
	       rs->has_meta ? "persistent" : "none", rs_p2p_provider_name(rs));
	*psz = sz;
}

void rp_status(struct dm_target *ti, status_type_t type,
	       unsigned int status_flags, char *result, unsigned int maxlen)
{
	struct raid_set *rs = ti->private;
	unsigned int sz = 0;

	switch (type) {
	case STATUSTYPE_INFO:
		rs_emit_info(rs, result, maxlen, &sz);
		break;
	case STATUSTYPE_TABLE:
		rs_emit_table(rs, result, maxlen, &sz);
		break;
	case STATUSTYPE_IMA:
		rs_emit_ima(rs, result, maxlen, &sz);
		break;
	}
}

/* "frozen" and "idle" stop the sync thread; md's lock serialises them. */
static int rs_stop_sync(struct mddev *mddev, bool frozen)
{
	int r = mddev_lock(mddev);

	if (r)
		return r;
	if (frozen)
		md_frozen_sync_thread(mddev);
	else
		md_idle_sync_thread(mddev);
	mddev_unlock(mddev);
	return 0;
}

/*
 * Messages, as the dm raid target's: "idle", "frozen", "resync",
 * "recover", "check", "repair"; and "p2p_reset_counters".
 */
int rp_message(struct dm_target *ti, unsigned int argc, char **argv,
	       char *result, unsigned int maxlen)
{
	struct raid_set *rs = ti->private;
	struct mddev *mddev = &rs->md;
	const char *action = argv[0];

	if (argc == 1 && !strcasecmp(action, "p2p_reset_counters")) {
		md_p2pdma_stats_reset(mddev);
		return 0;
	}
	if (argc != 1 || !mddev->pers || !mddev->pers->sync_request)
		return -EINVAL;
	if (test_bit(RS_SUSPENDED, &rs->flags) || test_bit(RS_FROZEN, &rs->flags))
		return -EBUSY;

	if (!strcasecmp(action, "frozen") || !strcasecmp(action, "idle"))
		return rs_stop_sync(mddev, !strcasecmp(action, "frozen"));
	if (strcasecmp(action, "resync") && strcasecmp(action, "recover") &&
	    strcasecmp(action, "check") && strcasecmp(action, "repair"))
		return -EINVAL;

	clear_bit(MD_RECOVERY_FROZEN, &mddev->recovery);
	if (rs_sync_state(mddev, mddev->recovery) != RS_ST_IDLE)
		return -EBUSY;
	if (!strcasecmp(action, "recover")) {
		set_bit(MD_RECOVERY_RECOVER, &mddev->recovery);
	} else if (strcasecmp(action, "resync")) {
		/* check and repair: a requested sync; check only counts. */
		if (!strcasecmp(action, "check"))
			set_bit(MD_RECOVERY_CHECK, &mddev->recovery);
		set_bit(MD_RECOVERY_REQUESTED, &mddev->recovery);
		set_bit(MD_RECOVERY_SYNC, &mddev->recovery);
	}
	/* "resync" only asks md to look: it resyncs what is out of sync. */
	set_bit(MD_RECOVERY_NEEDED, &mddev->recovery);
	md_wakeup_thread(mddev->thread);
	return 0;
}
