package dev.vhdxmount.mount.fuse.libfuse3;

/**
 * Offsets and constants of the C structures that the libfuse 3 binding reads and writes, where they are the same in
 * every libfuse 3 release the binding supports: libfuse 3's ({@code fuse_lowlevel.h}, {@code fuse_common.h}) and
 * glibc's on x86-64 and arm64 Linux ({@code struct stat}, {@code struct statvfs}). What differs between releases
 * (libfuse 3 has changed its structures within 3.x) is in {@link Fuse3Abi}. Every value is checked against the C
 * headers by {@code Fuse3LayoutTest}, which compiles a probe with the system's compiler and compares each field of
 * this class and of the installed release's {@link Fuse3Abi} (by its name) with what the probe prints.
 */
final class Fuse3Layout {
    private Fuse3Layout() {}

    /** struct fuse_args: {int argc; char **argv; int allocated;}. */
    static final int ARGS_ARGC = 0;
    static final int ARGS_ARGV = 8;
    static final int ARGS_ALLOCATED = 16;
    static final int ARGS_SIZE = 24;

    /** struct libfuse_version (3.17 and later): {uint32_t major; minor; hotfix; padding;}. */
    static final int VERSION_MAJOR = 0;
    static final int VERSION_MINOR = 4;
    static final int VERSION_HOTFIX = 8;
    static final int VERSION_SIZEOF = 16;

    /** struct fuse_conn_info: what the kernel offers and what this file system wants. */
    static final int CONN_MAX_READ = 12;
    static final int CONN_CAPABLE = 20;
    static final int CONN_WANT = 24;
    /** Requests the kernel keeps in flight in the background (readahead, asynchronous direct I/O). */
    static final int CONN_MAX_BACKGROUND = 28;
    static final int CONN_CONGESTION_THRESHOLD = 32;
    /** The kernel may splice reply data from a file descriptor (through a pipe) instead of a copy in memory. */
    static final int CAP_SPLICE_WRITE = 1 << 7;

    /** struct fuse_file_info: open flags, then a word of bit fields. */
    static final int FI_FLAGS = 0;
    static final int FI_BITS = 4;
    /** direct_io: bypass the page cache for this open file (a writable mount: see Libfuse3Server#open). */
    static final int FI_DIRECT_IO = 1 << 1;
    /** keep_cache: do not drop the file's page cache on open (the image cannot change under a read-only mount). */
    static final int FI_KEEP_CACHE = 1 << 2;

    /** setattr's to_set bits (fuse_lowlevel.h FUSE_SET_ATTR_*): which fields of its struct stat are to be set. */
    static final int SET_ATTR_MODE = 1 << 0;
    static final int SET_ATTR_UID = 1 << 1;
    static final int SET_ATTR_GID = 1 << 2;
    static final int SET_ATTR_SIZE = 1 << 3;

    /** struct fuse_entry_param: {ino; generation; struct stat attr; double attr_timeout; double entry_timeout;}. */
    static final int ENTRY_INO = 0;
    static final int ENTRY_GENERATION = 8;
    static final int ENTRY_ATTR = 16;
    static final int ENTRY_ATTR_TIMEOUT = 160;
    static final int ENTRY_ENTRY_TIMEOUT = 168;
    static final int ENTRY_SIZE = 176;

    /** struct stat (glibc, 64-bit Linux). */
    static final int STAT_INO = 8;
    static final int STAT_NLINK = 16;
    static final int STAT_MODE = 24;
    static final int STAT_UID = 28;
    static final int STAT_GID = 32;
    static final int STAT_SIZE = 48;
    static final int STAT_BLKSIZE = 56;
    static final int STAT_BLOCKS = 64;
    static final int STAT_ATIME = 72;
    static final int STAT_MTIME = 88;
    static final int STAT_CTIME = 104;
    static final int STAT_SIZEOF = 144;
    /** struct timespec inside struct stat: {tv_sec; tv_nsec;}. */
    static final int TIMESPEC_NSEC = 8;

    /** struct statvfs (glibc, 64-bit Linux). */
    static final int STATVFS_BSIZE = 0;
    static final int STATVFS_FRSIZE = 8;
    static final int STATVFS_BLOCKS = 16;
    static final int STATVFS_BFREE = 24;
    static final int STATVFS_BAVAIL = 32;
    static final int STATVFS_FILES = 40;
    static final int STATVFS_FFREE = 48;
    static final int STATVFS_FAVAIL = 56;
    static final int STATVFS_FLAG = 72;
    static final int STATVFS_NAMEMAX = 80;
    static final int STATVFS_SIZEOF = 112;
    static final long ST_RDONLY = 1;
    static final long ST_NOSUID = 2;
    static final long ST_NODEV = 4;

    /** struct fuse_bufvec: {size_t count; size_t idx; size_t off; struct fuse_buf buf[];}. */
    static final int BUFVEC_COUNT = 0;
    static final int BUFVEC_IDX = 8;
    static final int BUFVEC_OFF = 16;
    static final int BUFVEC_BUF = 24;
    /** struct fuse_buf: {size_t size; enum flags; void *mem; int fd; off_t pos; (3.17: size_t mem_size;)}. */
    static final int BUF_SIZE = 0;
    static final int BUF_FLAGS = 8;
    static final int BUF_MEM = 16;
    static final int BUF_FD = 24;
    static final int BUF_POS = 32;
    static final int BUF_IS_FD = 1 << 1;
    static final int BUF_FD_SEEK = 1 << 2;
    /** Read the descriptor until the whole size has come (a pipe may give it in parts). */
    static final int BUF_FD_RETRY = 1 << 3;

    /** Linux (fcntl.h, ioctl.h): pipe sizes, non-blocking splices, and the bytes a pipe holds. */
    static final int F_SETPIPE_SZ = 1031;
    static final int F_GETPIPE_SZ = 1032;
    static final int SPLICE_F_NONBLOCK = 2;
    static final long FIONREAD = 0x541B;
    /** Linux (fs.h): preadv2's flag for a read that only takes what the page cache holds. */
    static final int RWF_NOWAIT = 0x08;
    /** Linux (fcntl.h, poll.h): a descriptor made non-blocking, and poll's event for "a request to read". */
    static final int F_GETFL = 3;
    static final int F_SETFL = 4;
    static final int O_NONBLOCK = 04000;
    static final int POLLIN = 1;

    /**
     * The kernel's FUSE protocol ({@code linux/fuse.h}), for the small reads the binding answers without libfuse
     * ({@link KernelReads}): struct fuse_in_header, struct fuse_read_in after it, struct fuse_out_header before a
     * reply's bytes, and the opcode of a read. Fixed since protocol 7.9.
     */
    static final int IN_HEADER_LEN = 0;
    static final int IN_HEADER_OPCODE = 4;
    static final int IN_HEADER_UNIQUE = 8;
    static final int IN_HEADER_NODEID = 16;
    static final int IN_HEADER_SIZEOF = 40;
    static final int READ_IN_OFFSET = 8;
    static final int READ_IN_SIZE = 16;
    static final int READ_IN_SIZEOF = 40;
    static final int OUT_HEADER_LEN = 0;
    static final int OUT_HEADER_ERROR = 4;
    static final int OUT_HEADER_UNIQUE = 8;
    static final int OUT_HEADER_SIZEOF = 16;
    static final int OPCODE_READ = 15;

    /** Slots of struct fuse_lowlevel_ops (function pointers, in declaration order) that the binding fills. */
    static final int OP_INIT = 0;
    static final int OP_DESTROY = 1;
    static final int OP_LOOKUP = 2;
    static final int OP_FORGET = 3;
    static final int OP_GETATTR = 4;
    static final int OP_SETATTR = 5;
    static final int OP_OPEN = 14;
    static final int OP_READ = 15;
    static final int OP_WRITE = 16;
    static final int OP_FLUSH = 17;
    static final int OP_RELEASE = 18;
    static final int OP_FSYNC = 19;
    static final int OP_OPENDIR = 20;
    static final int OP_READDIR = 21;
    static final int OP_RELEASEDIR = 22;
    static final int OP_STATFS = 24;
    static final int OP_LSEEK = 43;
    /** The ops table passed to libfuse ends after the last slot used (libfuse takes a shorter table as is). */
    static final int OPS_SIZE = (OP_LSEEK + 1) * 8;
}
