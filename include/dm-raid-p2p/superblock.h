/* SPDX-License-Identifier: (GPL-2.0-only OR MIT) */
/*
 * On-disk superblock of the raid-p2p device-mapper target.
 *
 * This header is the single definition of the format. It is included by
 * the kernel target (dm-target/superblock.c) and by the userspace tool
 * (C or C++), so it uses nothing but fixed-width types and constants.
 *
 * Layout of a metadata device (one per member, given in the table):
 *
 *   byte 0       struct rp_superblock (RP_SB_SIZE bytes, the rest of the
 *                first logical block is zero)
 *   byte 4096    md write-intent bitmap (md's bitmap_super_t, then one bit
 *                per region), for raid1/10/4/5/6 only
 *
 * All fields are little-endian. Sizes and offsets are in 512-byte sectors
 * unless the name says otherwise. A sector value of RP_SB_MAX_SECTOR means
 * "none" / "complete" (the kernel's MaxSector).
 *
 * Checksum: CRC-32C (Castagnoli, reflected, initial value 0xffffffff, final
 * xor 0xffffffff; the check value of "123456789" is 0xe3069283) of the
 * first @sb_size bytes with the @crc field taken as zero.
 */
#ifndef DM_RAID_P2P_SUPERBLOCK_H
#define DM_RAID_P2P_SUPERBLOCK_H

#ifdef __KERNEL__
#include <linux/build_bug.h>
#include <linux/stddef.h>
#include <linux/types.h>
typedef __le32 rp_le32;
typedef __le64 rp_le64;
typedef __u8 rp_u8;
#define RP_SB_ASSERT(cond, msg) static_assert(cond, msg)
#else
/* Userspace: the same widths, in host types; convert with le32toh() etc. */
#include <stddef.h>
#include <stdint.h>
typedef uint32_t rp_le32;
typedef uint64_t rp_le64;
typedef uint8_t rp_u8;
#ifdef __cplusplus
#define RP_SB_ASSERT(cond, msg) static_assert(cond, msg)
#else
#define RP_SB_ASSERT(cond, msg) _Static_assert(cond, msg)
#endif
#endif

/* "RP2P" in the first four bytes of the device. */
#define RP_SB_MAGIC		0x50325052U
/* Format version; a target refuses superblocks newer than its own. */
#define RP_SB_VERSION		1U
/* Bytes of struct rp_superblock, covered by the checksum. */
#define RP_SB_SIZE		512U
/* Where the md write-intent bitmap starts on the metadata device. */
#define RP_SB_BITMAP_OFFSET	4096U
/* Most members an array can have (md's limit, as the dm raid target). */
#define RP_SB_MAX_MEMBERS	253U
/* "No sector": the array or member is fully in sync. */
#define RP_SB_MAX_SECTOR	0xffffffffffffffffULL
/* md level of a linear array, stored as its two's complement. */
#define RP_SB_LEVEL_LINEAR	0xffffffffU

/*
 * Flags. A superblock with a flag this target does not know is refused.
 *
 * RP_SB_F_DIRTY: the array was taking writes when this superblock was
 * written (md's !in_sync); if it is still set when the array is next
 * started, the array was not stopped cleanly and the regions that the
 * write-intent bitmap marks dirty are resynced.
 */
#define RP_SB_F_DIRTY		0x1U
#define RP_SB_FLAGS_KNOWN	RP_SB_F_DIRTY

struct rp_superblock {
	rp_le32 magic;		/* 0x000: RP_SB_MAGIC */
	rp_le32 version;	/* 0x004: RP_SB_VERSION */
	rp_le32 sb_size;	/* 0x008: bytes covered by crc, RP_SB_SIZE */
	rp_le32 crc;		/* 0x00c: CRC-32C, see above */
	rp_u8 uuid[16];		/* 0x010: array UUID, equal on all members */
	rp_le64 events;		/* 0x020: md event counter at the last write */
	rp_le64 ctime;		/* 0x028: array creation, seconds since 1970 */
	rp_le64 utime;		/* 0x030: this write, seconds since 1970 */
	rp_le32 level;		/* 0x038: md level: 0, 1, 4, 5, 6, 10 or linear */
	rp_le32 layout;		/* 0x03c: md layout (raid5/6 algorithm, raid10 */
				/*        copies/format bits) */
	rp_le32 chunk_sectors;	/* 0x040: stripe chunk; 0 for raid1 and linear */
	rp_le32 raid_disks;	/* 0x044: members of the array */
	rp_le32 member;		/* 0x048: index of this member in the table */
	rp_le32 flags;		/* 0x04c: RP_SB_FLAGS_KNOWN bits only */
	rp_le64 data_offset;	/* 0x050: start of data on the data device */
	rp_le64 data_sectors;	/* 0x058: sectors used on every data device */
	rp_le64 array_sectors;	/* 0x060: size of the array */
	rp_le64 resync_offset;	/* 0x068: array resync checkpoint; */
				/*        RP_SB_MAX_SECTOR = in sync */
	rp_le64 recovery_offset; /* 0x070: rebuild checkpoint of this member; */
				/*        RP_SB_MAX_SECTOR = in sync */
	rp_le32 region_sectors;	/* 0x078: bitmap region size, 0 = no bitmap */
	rp_le32 bitmap_offset;	/* 0x07c: bitmap start on the metadata device */
	rp_le64 failed[4];	/* 0x080: bit n of failed[n / 64]: member n */
				/*        failed and must be rebuilt */
	rp_u8 reserved[352];	/* 0x0a0: zero */
};

RP_SB_ASSERT(sizeof(struct rp_superblock) == RP_SB_SIZE,
	     "struct rp_superblock must be RP_SB_SIZE bytes");
RP_SB_ASSERT(offsetof(struct rp_superblock, failed) == 0x80,
	     "struct rp_superblock layout changed");
RP_SB_ASSERT(sizeof(((struct rp_superblock *)0)->failed) * 8 >=
	     RP_SB_MAX_MEMBERS, "failed[] must hold a bit per member");

#endif /* DM_RAID_P2P_SUPERBLOCK_H */
