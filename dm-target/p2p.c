// SPDX-License-Identifier: GPL-2.0-only
/*
 * raid-p2p: the P2PDMA side of the target.
 *
 * Advertising. A bio-based queue gets user P2P pages only if it has
 * BLK_FEAT_PCI_P2PDMA (bio_iov_iter_get_pages() asks for them only then).
 * dm core (Linux 6.12, 7.2 and 7.3 alike) computes a table's queue limits
 * from the targets' io_hints and the members' limits with
 * blk_stack_limits(), which drops the flag, and installs them at every
 * table swap. So the flag is set on the mapped device's queue after the
 * swap, from the preresume hook of a new table and the resume hook, which
 * dm calls after every swap and every resume: one frozen limits update,
 * and only when this target is the table's only one. It is safe for every
 * member: md-p2p bounces P2P pages for members that cannot take them
 * (md-core, md-p2pdma.c). docs/ARCHITECTURE.md has more.
 *
 * Counters. md-p2p counts per array; they show in INFO status and in
 * debugfs (dm-raid-p2p/p2p_stats, one line per live array), and the
 * "p2p_reset_counters" message zeroes them.
 */
#include <linux/blkdev.h>
#include <linux/debugfs.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/seq_file.h>

#include "raid-p2p.h"

/* Counter names, in INFO status order (after the provider). */
static const char *const rs_p2p_stat_names[MD_P2P_NR_STATS] = {
	[MD_P2P_USER_READ] = "user_read",
	[MD_P2P_USER_WRITE] = "user_write",
	[MD_P2P_BOUNCE_UNREACHABLE] = "bounce_unreachable",
	[MD_P2P_BOUNCE_QUEUE] = "bounce_queue",
	[MD_P2P_BOUNCE_PARITY] = "bounce_parity",
	[MD_P2P_BOUNCE_COPY] = "bounce_copy",
	[MD_P2P_SYNC_CMB] = "sync_cmb",
	[MD_P2P_SYNC_HOST] = "sync_host",
	[MD_P2P_BOUNCE_REFUSED] = "bounce_refused",
	[MD_P2P_PARITY_P2P] = "parity_p2p",
};

static LIST_HEAD(rs_live);		/* raid sets that have been resumed */
static DEFINE_MUTEX(rs_live_lock);
static struct dentry *rs_debugfs;

/*
 * Let user P2P buffers reach the mapped device, if every bio it gets
 * comes to this target: only md-p2p knows where P2P pages may go, and
 * another target in the table (a linear segment beside this one) would
 * pass them to a device that cannot take them. A target that spans the
 * whole table is its only one (dm allows no gaps and no empty targets).
 * Called from preresume, before its superblock and bitmap I/O, and from
 * resume: dm installs limits without the flag at every table swap, and
 * P2P O_DIRECT issued from then until the flag is back fails with
 * EREMOTEIO (bio_iov_iter_get_pages() checks it when it builds the bio).
 */
int rs_p2p_advertise(struct raid_set *rs)
{
	struct dm_target *ti = rs->ti;
	struct request_queue *q = dm_disk(dm_table_get_md(ti->table))->queue;
	struct queue_limits lim;
	int r;

	if (ti->begin || ti->len != dm_table_get_size(ti->table)) {
		if (!test_and_set_bit(RS_P2P_SHARED_WARNED, &rs->flags))
			DMINFO("%s: no P2P buffers: the table has other targets",
			       dm_table_device_name(ti->table));
		return 0;
	}
	if (blk_queue_pci_p2pdma(q))
		return 0;
	lim = queue_limits_start_update(q);
	lim.features |= BLK_FEAT_PCI_P2PDMA;
	r = queue_limits_commit_update_frozen(q, &lim);
	if (r)
		DMERR("%s: cannot advertise P2PDMA on the mapped device: %d",
		      dm_table_device_name(ti->table), r);
	return r;
}

/*
 * The resync provider's driver is about to let go of it (unbind, or PCI
 * removal, hot or by sysfs). md's resync buffers hold pages of its P2P
 * memory, and the unbind waits in memunmap_pages() until every page is
 * back, which would be when the resync ends; a provider that is not a
 * member would even stay in use. So: resync and rebuild take host memory
 * from now on, and a sync in progress is stopped, which frees its
 * buffers, and started again from its checkpoint. This runs before the
 * driver's remove(), while the provider still answers, so the in-flight
 * resync I/O completes and no member is failed for it. A new table load
 * picks a provider again.
 */
static int rs_p2p_provider_notify(struct notifier_block *nb,
				  unsigned long action, void *data)
{
	struct raid_set *rs = container_of(nb, struct raid_set, p2p_nb);
	struct mddev *mddev = &rs->md;
	struct device *dev = data;

	if (action != BUS_NOTIFY_UNBIND_DRIVER ||
	    dev != &rs->sync_provider->dev ||
	    !READ_ONCE(mddev->p2p.sync_provider))
		return NOTIFY_DONE;

	WRITE_ONCE(mddev->p2p.sync_provider, NULL);
	DMWARN("%s: resync through host memory: p2p_provider %s is going away",
	       dm_table_device_name(rs->ti->table), pci_name(rs->sync_provider));
	mddev_lock_nointr(mddev);
	/* Frozen (suspend, or a stop under way): whoever froze it stops it. */
	if (test_bit(MD_RECOVERY_RUNNING, &mddev->recovery) &&
	    !test_bit(MD_RECOVERY_FROZEN, &mddev->recovery)) {
		md_idle_sync_thread(mddev);
		if (!test_bit(MD_RECOVERY_FROZEN, &mddev->recovery) &&
		    !test_bit(RS_FROZEN, &rs->flags)) {
			set_bit(MD_RECOVERY_NEEDED, &mddev->recovery);
			md_wakeup_thread(mddev->thread);
		}
	}
	mddev_unlock(mddev);
	return NOTIFY_OK;
}

/*
 * raid1 and raid10 resync and rebuild through buffers in P2P memory that
 * every member reaches: the table's p2p_provider, or with "auto" the
 * nearest published one (md-p2p picks it). Without one, they use host
 * memory, and the kernel log says why, once per table.
 */
void rs_p2p_pick_sync_provider(struct raid_set *rs)
{
	const char *name = dm_table_device_name(rs->ti->table);
	struct pci_dev *want = NULL, *provider;
	unsigned int dom, bus, dev, fn;
	const char *why = NULL;

	if (!rs_is(rs, RS_RAID1 | RS_RAID10) || rs->p.p2p_mode == RS_P2P_NONE)
		return;
	if (rs->p.p2p_mode == RS_P2P_DEVICE) {
		if (sscanf(rs->p.p2p_bdf, "%x:%x:%x.%x", &dom, &bus, &dev, &fn) != 4)
			return;
		want = pci_get_domain_bus_and_slot(dom, bus, PCI_DEVFN(dev, fn));
		if (!want) {
			DMWARN("%s: resync through host memory: p2p_provider %s is gone",
			       name, rs->p.p2p_bdf);
			return;
		}
	}
	provider = md_p2pdma_pick_sync_provider(&rs->md, want, &why);
	pci_dev_put(want);
	if (!provider) {
		if (want)
			DMINFO("%s: resync through host memory: p2p_provider %s: %s",
			       name, rs->p.p2p_bdf, why);
		else
			DMINFO("%s: resync through host memory: %s", name, why);
		return;
	}
	DMINFO("%s: resync through the P2P memory of %s", name, pci_name(provider));
	rs->sync_provider = provider;
	rs->md.p2p.sync_provider = provider;
	/*
	 * After the provider is set: the watch may fire at once. Not fatal:
	 * without it, an unbind waits for the resync.
	 */
	rs->p2p_nb.notifier_call = rs_p2p_provider_notify;
	if (bus_register_notifier(&pci_bus_type, &rs->p2p_nb))
		rs->p2p_nb.notifier_call = NULL;
}

/* Drop the watch and the reference; no lock of the array may be held. */
void rs_p2p_put_sync_provider(struct raid_set *rs)
{
	if (rs->p2p_nb.notifier_call)
		bus_unregister_notifier(&pci_bus_type, &rs->p2p_nb);
	rs->p2p_nb.notifier_call = NULL;
	rs->md.p2p.sync_provider = NULL;
	pci_dev_put(rs->sync_provider);
	rs->sync_provider = NULL;
}

/* The provider of resync buffers in use, for INFO status. */
const char *rs_p2p_provider_in_use(struct raid_set *rs)
{
	return rs->md.p2p.sync_provider ? pci_name(rs->md.p2p.sync_provider) : "none";
}

u64 rs_p2p_stat(struct raid_set *rs, enum md_p2p_stat stat)
{
	return atomic64_read(&rs->md.p2p.stats[stat]);
}

void rs_p2p_emit_stats(struct raid_set *rs, char *result, unsigned int maxlen,
		       unsigned int *psz)
{
	unsigned int sz = *psz;
	int i;

	for (i = 0; i < MD_P2P_NR_STATS; i++)
		DMEMIT(" %llu", rs_p2p_stat(rs, i));
	*psz = sz;
}

void rs_p2p_go_live(struct raid_set *rs)
{
	mutex_lock(&rs_live_lock);
	if (list_empty(&rs->live))
		list_add_tail(&rs->live, &rs_live);
	mutex_unlock(&rs_live_lock);
}

void rs_p2p_gone(struct raid_set *rs)
{
	mutex_lock(&rs_live_lock);
	list_del_init(&rs->live);
	mutex_unlock(&rs_live_lock);
}

static int rs_p2p_stats_show(struct seq_file *m, void *unused)
{
	struct raid_set *rs;
	int i;

	mutex_lock(&rs_live_lock);
	list_for_each_entry(rs, &rs_live, live) {
		seq_printf(m, "%s provider=%s",
			   dm_table_device_name(rs->ti->table),
			   rs_p2p_provider_in_use(rs));
		for (i = 0; i < MD_P2P_NR_STATS; i++)
			seq_printf(m, " %s=%llu", rs_p2p_stat_names[i],
				   rs_p2p_stat(rs, i));
		seq_putc(m, '\n');
	}
	mutex_unlock(&rs_live_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(rs_p2p_stats);

void rs_p2p_init(void)
{
	rs_debugfs = debugfs_create_dir("dm-raid-p2p", NULL);
	debugfs_create_file("p2p_stats", 0444, rs_debugfs, NULL,
			    &rs_p2p_stats_fops);
}

void rs_p2p_exit(void)
{
	debugfs_remove_recursive(rs_debugfs);
}
