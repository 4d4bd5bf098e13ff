/*
 * barefs: the least a FUSE server can do to serve a virtual disk, the reference of scripts/bench.sh. It serves one file,
 * MOUNTPOINT/disk.raw, whose bytes are FILE's (the image's raw twin): no format to translate, no checks, no logging.
 * A read of up to 8 KiB is a pread into a buffer and a copied reply; a larger one is spliced from FILE, as libfuse
 * does it. What it reaches through the same kernel, on the same machine and storage, in the same run, is what they
 * give a server: one of the image passes it only by its own design (a loop that does not sleep between requests,
 * holes that need no storage read), and where it falls behind, the gap is its own cost.
 *
 *   barefs FILE MOUNTPOINT [mt]
 *
 * Without "mt" one thread serves every request (libfuse's fuse_session_loop), the fastest way for a page-cached
 * FILE; with "mt", libfuse's multi-threaded loop (up to 64 threads), so that reads of slow storage overlap. It
 * negotiates what vhdx-mount does: max_read 512 KiB, spliced replies, up to 64 requests in the background. It
 * mounts, goes to the background, and ends when the mount goes (fusermount -u).
 */
#define FUSE_USE_VERSION 312
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <fuse_lowlevel.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ROOT_INO 1
#define DISK_INO 2
#define COPY_MAX 8192
#define MAX_READ (512 * 1024)

static int fd;
static off_t size;

static void attributes(fuse_ino_t ino, struct stat *st) {
    memset(st, 0, sizeof *st);
    st->st_ino = ino;
    if (ino == ROOT_INO) {
        st->st_mode = S_IFDIR | 0555;
        st->st_nlink = 2;
    } else {
        st->st_mode = S_IFREG | 0444;
        st->st_nlink = 1;
        st->st_size = size;
    }
}

static void bare_init(void *userdata, struct fuse_conn_info *conn) {
    conn->max_read = MAX_READ;
    conn->max_background = 64;
    conn->congestion_threshold = 48;
    conn->want |= FUSE_CAP_SPLICE_WRITE;
}

static void bare_lookup(fuse_req_t req, fuse_ino_t parent, const char *name) {
    if (parent != ROOT_INO || strcmp(name, "disk.raw") != 0) {
        fuse_reply_err(req, ENOENT);
        return;
    }
    struct fuse_entry_param e;
    memset(&e, 0, sizeof e);
    e.ino = DISK_INO;
    e.attr_timeout = e.entry_timeout = 3600;
    attributes(DISK_INO, &e.attr);
    fuse_reply_entry(req, &e);
}

static void bare_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi) {
    struct stat st;
    attributes(ino, &st);
    fuse_reply_attr(req, &st, 3600);
}

static void bare_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi) {
    fi->keep_cache = 1;
    fuse_reply_open(req, fi);
}

static void bare_read(fuse_req_t req, fuse_ino_t ino, size_t n, off_t off, struct fuse_file_info *fi) {
    static __thread char buf[COPY_MAX];
    if (off >= size) {
        fuse_reply_buf(req, NULL, 0);
        return;
    }
    if (off + (off_t) n > size) {
        n = size - off;
    }
    if (n <= COPY_MAX) {
        ssize_t got = pread(fd, buf, n, off);
        if (got == (ssize_t) n) {
            fuse_reply_buf(req, buf, n);
        } else {
            fuse_reply_err(req, got < 0 ? errno : EIO);
        }
        return;
    }
    struct fuse_bufvec data = FUSE_BUFVEC_INIT(n);
    data.buf[0].flags = FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK;
    data.buf[0].fd = fd;
    data.buf[0].pos = off;
    fuse_reply_data(req, &data, FUSE_BUF_SPLICE_MOVE);
}

static void bare_readdir(fuse_req_t req, fuse_ino_t ino, size_t n, off_t off, struct fuse_file_info *fi) {
    fuse_reply_buf(req, NULL, 0);
}

static const struct fuse_lowlevel_ops ops = {
    .init = bare_init,
    .lookup = bare_lookup,
    .getattr = bare_getattr,
    .open = bare_open,
    .read = bare_read,
    .readdir = bare_readdir,
};

int main(int argc, char **argv) {
    if (argc < 3 || (argc == 4 && strcmp(argv[3], "mt") != 0) || argc > 4) {
        fprintf(stderr, "usage: barefs FILE MOUNTPOINT [mt]\n");
        return 2;
    }
    fd = open(argv[1], O_RDONLY);
    if (fd < 0 || (size = lseek(fd, 0, SEEK_END)) < 0) {
        perror(argv[1]);
        return 1;
    }
    char *options[] = {argv[0], "-o", "ro,max_read=524288,fsname=barefs", NULL};
    struct fuse_args args = FUSE_ARGS_INIT(3, options);
    struct fuse_session *se = fuse_session_new(&args, &ops, sizeof ops, NULL);
    if (se == NULL || fuse_session_mount(se, argv[2]) != 0 || fuse_set_signal_handlers(se) != 0) {
        return 1;
    }
    fuse_daemonize(0);
    int rc;
    if (argc == 4) {
        struct fuse_loop_config *config = fuse_loop_cfg_create();
        fuse_loop_cfg_set_max_threads(config, 64);
        rc = fuse_session_loop_mt(se, config);
        fuse_loop_cfg_destroy(config);
    } else {
        rc = fuse_session_loop(se);
    }
    fuse_remove_signal_handlers(se);
    fuse_session_unmount(se);
    fuse_session_destroy(se);
    return rc < 0 ? 1 : 0;
}
