/**
 * What a virtual disk holds: its partition table (GPT or MBR, read as Linux reads it) and the file system or container
 * at the start of each partition, found by its signature. Pure parsing over a {@link dev.vhdxmount.vhdx.VirtualDisk}:
 * the disk model ({@code mount.fuse}) serves a file per partition from {@link dev.vhdxmount.mount.partitions
 * .PartitionTable#read}, the command line ({@code mount.cli}) reports both. Depends on nothing of fuse-mount.
 *
 * <p>One on-disk structure, one immutable record with a pure {@code parse}: {@link dev.vhdxmount.mount.partitions.Mbr}
 * (an MBR or an EBR), {@link dev.vhdxmount.mount.partitions.GptHeader}, {@link dev.vhdxmount.mount.partitions
 * .GptEntry}, and for file systems {@code ExtSuperblock}, {@code XfsSuperblock}, {@code BtrfsSuperblock},
 * {@code BootSector} (FAT, NTFS, exFAT, BitLocker), {@code LuksHeader}, {@code LvmLabel}, {@code SwapHeader}; for
 * whether one needs recovery, {@code XfsLog}, and {@code NtfsVolume} over NTFS's own ({@code NtfsBootSector},
 * {@code MultiSectorRecord}, {@code NtfsAttribute}, {@code NtfsRunlist}, {@code NtfsIndexEntry}). Every
 * count and offset read from the disk is bounded before it is used: a damaged table is a warning and no partitions,
 * never an exception and never a partition that reaches past the disk.
 */
package dev.vhdxmount.mount.partitions;
