/*
 * Prints the offsets and constants that Fuse3Layout.java and Fuse3Abi.java hard-code, as the C compiler sees them in
 * libfuse 3's, glibc's and the kernel's (linux/fuse.h) headers: one "NAME value" line each, NAME as in Fuse3Layout
 * (Fuse3Abi's fields in upper case), and first "RELEASE x.y.z", the release of the libfuse the probe is linked with
 * (the same package as the headers). Built and run by Fuse3LayoutTest.
 */
#define _GNU_SOURCE /* ST_NOSUID, ST_NODEV, RWF_NOWAIT */
#define FUSE_USE_VERSION 35
#include <fcntl.h>
#include <fuse_lowlevel.h>
#include <linux/fuse.h>
#include <poll.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/uio.h>

#define P(name, value) printf("%s %ld\n", name, (long) (value))
#define OP(name, member) P(name, offsetof(struct fuse_lowlevel_ops, member) / sizeof(void *))

/* The word of fuse_file_info's bit fields that holds a field set to 1, and the mask it sets there. */
static void bit(const char *word_name, const char *mask_name, struct fuse_file_info *fi) {
    const unsigned char *bytes = (const unsigned char *) fi;
    for (size_t i = 0; i < sizeof *fi; i++) {
        if (bytes[i] != 0) {
            unsigned word;
            size_t at = i & ~(size_t) 3;
            memcpy(&word, bytes + at, sizeof word);
            if (word_name != NULL) {
                P(word_name, at);
            }
            P(mask_name, word);
            return;
        }
    }
    P(mask_name, 0);
}

int main(void) {
    printf("RELEASE %s\n", fuse_pkgversion());

    P("ARGS_ARGC", offsetof(struct fuse_args, argc));
    P("ARGS_ARGV", offsetof(struct fuse_args, argv));
    P("ARGS_ALLOCATED", offsetof(struct fuse_args, allocated));
    P("ARGS_SIZE", sizeof(struct fuse_args));

#if FUSE_MINOR_VERSION >= 17 /* fuse_session_new_versioned's argument */
    P("VERSION_MAJOR", offsetof(struct libfuse_version, major));
    P("VERSION_MINOR", offsetof(struct libfuse_version, minor));
    P("VERSION_HOTFIX", offsetof(struct libfuse_version, hotfix));
    P("VERSION_SIZEOF", sizeof(struct libfuse_version));
#endif

    P("CONN_MAX_READ", offsetof(struct fuse_conn_info, max_read));
    P("CONN_CAPABLE", offsetof(struct fuse_conn_info, capable));
    P("CONN_WANT", offsetof(struct fuse_conn_info, want));
    P("CONN_MAX_BACKGROUND", offsetof(struct fuse_conn_info, max_background));
    P("CONN_CONGESTION_THRESHOLD", offsetof(struct fuse_conn_info, congestion_threshold));
    P("CAP_SPLICE_WRITE", FUSE_CAP_SPLICE_WRITE);

    struct fuse_file_info fi;
    P("FI_FLAGS", offsetof(struct fuse_file_info, flags));
    memset(&fi, 0, sizeof fi);
    fi.keep_cache = 1;
    bit("FI_BITS", "FI_KEEP_CACHE", &fi);
    memset(&fi, 0, sizeof fi);
    fi.direct_io = 1;
    bit(NULL, "FI_DIRECT_IO", &fi);
#if FUSE_MINOR_VERSION >= 11 /* noflush came with 3.11 */
    memset(&fi, 0, sizeof fi);
    fi.noflush = 1;
    bit(NULL, "FI_NOFLUSH", &fi);
#else
    P("FI_NOFLUSH", 0);
#endif

    P("SET_ATTR_MODE", FUSE_SET_ATTR_MODE);
    P("SET_ATTR_UID", FUSE_SET_ATTR_UID);
    P("SET_ATTR_GID", FUSE_SET_ATTR_GID);
    P("SET_ATTR_SIZE", FUSE_SET_ATTR_SIZE);

    P("ENTRY_INO", offsetof(struct fuse_entry_param, ino));
    P("ENTRY_GENERATION", offsetof(struct fuse_entry_param, generation));
    P("ENTRY_ATTR", offsetof(struct fuse_entry_param, attr));
    P("ENTRY_ATTR_TIMEOUT", offsetof(struct fuse_entry_param, attr_timeout));
    P("ENTRY_ENTRY_TIMEOUT", offsetof(struct fuse_entry_param, entry_timeout));
    P("ENTRY_SIZE", sizeof(struct fuse_entry_param));

    P("STAT_INO", offsetof(struct stat, st_ino));
    P("STAT_NLINK", offsetof(struct stat, st_nlink));
    P("STAT_MODE", offsetof(struct stat, st_mode));
    P("STAT_UID", offsetof(struct stat, st_uid));
    P("STAT_GID", offsetof(struct stat, st_gid));
    P("STAT_SIZE", offsetof(struct stat, st_size));
    P("STAT_BLKSIZE", offsetof(struct stat, st_blksize));
    P("STAT_BLOCKS", offsetof(struct stat, st_blocks));
    P("STAT_ATIME", offsetof(struct stat, st_atim));
    P("STAT_MTIME", offsetof(struct stat, st_mtim));
    P("STAT_CTIME", offsetof(struct stat, st_ctim));
    P("STAT_SIZEOF", sizeof(struct stat));
    P("TIMESPEC_NSEC", offsetof(struct timespec, tv_nsec));

    P("STATVFS_BSIZE", offsetof(struct statvfs, f_bsize));
    P("STATVFS_FRSIZE", offsetof(struct statvfs, f_frsize));
    P("STATVFS_BLOCKS", offsetof(struct statvfs, f_blocks));
    P("STATVFS_BFREE", offsetof(struct statvfs, f_bfree));
    P("STATVFS_BAVAIL", offsetof(struct statvfs, f_bavail));
    P("STATVFS_FILES", offsetof(struct statvfs, f_files));
    P("STATVFS_FFREE", offsetof(struct statvfs, f_ffree));
    P("STATVFS_FAVAIL", offsetof(struct statvfs, f_favail));
    P("STATVFS_FLAG", offsetof(struct statvfs, f_flag));
    P("STATVFS_NAMEMAX", offsetof(struct statvfs, f_namemax));
    P("STATVFS_SIZEOF", sizeof(struct statvfs));
    P("ST_RDONLY", ST_RDONLY);
    P("ST_NOSUID", ST_NOSUID);
    P("ST_NODEV", ST_NODEV);

    P("BUFVEC_COUNT", offsetof(struct fuse_bufvec, count));
    P("BUFVEC_IDX", offsetof(struct fuse_bufvec, idx));
    P("BUFVEC_OFF", offsetof(struct fuse_bufvec, off));
    P("BUFVEC_BUF", offsetof(struct fuse_bufvec, buf));
    P("BUF_SIZE", offsetof(struct fuse_buf, size));
    P("BUF_FLAGS", offsetof(struct fuse_buf, flags));
    P("BUF_MEM", offsetof(struct fuse_buf, mem));
    P("BUF_FD", offsetof(struct fuse_buf, fd));
    P("BUF_POS", offsetof(struct fuse_buf, pos));
    P("BUF_SIZEOF", sizeof(struct fuse_buf));
    P("BUF_IS_FD", FUSE_BUF_IS_FD);
    P("BUF_FD_SEEK", FUSE_BUF_FD_SEEK);
    P("BUF_FD_RETRY", FUSE_BUF_FD_RETRY);

    P("F_SETPIPE_SZ", F_SETPIPE_SZ);
    P("F_GETPIPE_SZ", F_GETPIPE_SZ);
    P("SPLICE_F_NONBLOCK", SPLICE_F_NONBLOCK);
    P("FIONREAD", FIONREAD);
    P("RWF_NOWAIT", RWF_NOWAIT);
    P("F_GETFL", F_GETFL);
    P("F_SETFL", F_SETFL);
    P("O_NONBLOCK", O_NONBLOCK);
    P("POLLIN", POLLIN);

    P("IN_HEADER_LEN", offsetof(struct fuse_in_header, len));
    P("IN_HEADER_OPCODE", offsetof(struct fuse_in_header, opcode));
    P("IN_HEADER_UNIQUE", offsetof(struct fuse_in_header, unique));
    P("IN_HEADER_NODEID", offsetof(struct fuse_in_header, nodeid));
    P("IN_HEADER_SIZEOF", sizeof(struct fuse_in_header));
    P("READ_IN_OFFSET", offsetof(struct fuse_read_in, offset));
    P("READ_IN_SIZE", offsetof(struct fuse_read_in, size));
    P("READ_IN_SIZEOF", sizeof(struct fuse_read_in));
    P("OUT_HEADER_LEN", offsetof(struct fuse_out_header, len));
    P("OUT_HEADER_ERROR", offsetof(struct fuse_out_header, error));
    P("OUT_HEADER_UNIQUE", offsetof(struct fuse_out_header, unique));
    P("OUT_HEADER_SIZEOF", sizeof(struct fuse_out_header));
    P("OPCODE_READ", FUSE_READ);

    OP("OP_INIT", init);
    OP("OP_DESTROY", destroy);
    OP("OP_LOOKUP", lookup);
    OP("OP_FORGET", forget);
    OP("OP_GETATTR", getattr);
    OP("OP_SETATTR", setattr);
    OP("OP_OPEN", open);
    OP("OP_READ", read);
    OP("OP_WRITE", write);
    OP("OP_FLUSH", flush);
    OP("OP_RELEASE", release);
    OP("OP_FSYNC", fsync);
    OP("OP_OPENDIR", opendir);
    OP("OP_READDIR", readdir);
    OP("OP_RELEASEDIR", releasedir);
    OP("OP_STATFS", statfs);
    OP("OP_LSEEK", lseek);
    P("OPS_SIZE", offsetof(struct fuse_lowlevel_ops, lseek) + sizeof(void *));
    return 0;
}
