/*
 * slowfs: storage that tests and benchmarks control. A read-only FUSE pass-through of one folder (BACKING) that can
 * add a fixed latency to every read (concurrent reads overlap, as on a disk array, a NAS or a cloud disk), fail
 * chosen byte ranges of chosen files with an errno (a bad sector), and stop answering reads altogether (a hung NFS
 * server) until told to resume. Built and driven by the test kit's SlowStorage, and by scripts/bench.sh.
 *
 *   slowfs BACKING MOUNTPOINT [-o direct_io] [-o latency_us=N] [libfuse options...]
 *
 * It is controlled by writing lines to MOUNTPOINT/.control (each write is applied before it returns):
 *   latency MICROSECONDS        added before every read from then on
 *   fail PATH OFFSET LENGTH [ERRNO]   reads of PATH (from the mount's root) that overlap the range fail (EIO: 5)
 *   clear                       no more failing ranges
 *   hang / resume               reads wait from now on / carry on
 * and reading MOUNTPOINT/.control says how many reads were served and failed, and how many wait now. direct_io makes every read of a file
 * reach slowfs (no page cache in between), so that the latency applies to each one.
 */
#define FUSE_USE_VERSION 31
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fuse.h>
#include <limits.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#define CONTROL "/.control"
#define MAX_RANGES 64

struct range {
    char path[PATH_MAX];
    off_t start, end;
    int err;
};

static struct {
    char *backing;
    int direct_io;
    long latency_us;
    int hung;
    struct range ranges[MAX_RANGES];
    int nranges;
    unsigned long reads, failed, waiting;
    pthread_mutex_t lock;
    pthread_cond_t resumed;
} st = {.lock = PTHREAD_MUTEX_INITIALIZER, .resumed = PTHREAD_COND_INITIALIZER};

static struct options {
    int direct_io;
    long latency_us;
} options;

static const struct fuse_opt option_spec[] = {
    {"direct_io", offsetof(struct options, direct_io), 1},
    {"latency_us=%ld", offsetof(struct options, latency_us), 0},
    FUSE_OPT_END,
};

static void backing_path(char *out, const char *path) {
    snprintf(out, PATH_MAX, "%s%s", st.backing, path);
}

static int sfs_getattr(const char *path, struct stat *s, struct fuse_file_info *fi) {
    (void) fi;
    if (strcmp(path, CONTROL) == 0) {
        memset(s, 0, sizeof *s);
        s->st_mode = S_IFREG | 0600;
        s->st_nlink = 1;
        s->st_size = 4096;
        return 0;
    }
    char p[PATH_MAX];
    backing_path(p, path);
    return lstat(p, s) == 0 ? 0 : -errno;
}

static int sfs_readdir(const char *path, void *buf, fuse_fill_dir_t filler, off_t offset, struct fuse_file_info *fi,
                       enum fuse_readdir_flags flags) {
    (void) offset, (void) fi, (void) flags;
    char p[PATH_MAX];
    backing_path(p, path);
    DIR *d = opendir(p);
    if (d == NULL) {
        return -errno;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (filler(buf, e->d_name, NULL, 0, 0)) {
            break;
        }
    }
    closedir(d);
    return 0;
}

static int sfs_open(const char *path, struct fuse_file_info *fi) {
    if (strcmp(path, CONTROL) == 0) {
        fi->direct_io = 1;
        return 0;
    }
    if ((fi->flags & O_ACCMODE) != O_RDONLY) {
        return -EROFS;
    }
    char p[PATH_MAX];
    backing_path(p, path);
    int fd = open(p, O_RDONLY);
    if (fd < 0) {
        return -errno;
    }
    fi->fh = (uint64_t) fd;
    fi->direct_io = st.direct_io;
    return 0;
}

/* The errno of a failing range that [offset, offset + size) of path overlaps, or 0. */
static int failing(const char *path, off_t offset, size_t size) {
    for (int i = 0; i < st.nranges; i++) {
        struct range *r = &st.ranges[i];
        if (strcmp(r->path, path) == 0 && offset < r->end && offset + (off_t) size > r->start) {
            return r->err;
        }
    }
    return 0;
}

static int sfs_read(const char *path, char *buf, size_t size, off_t offset, struct fuse_file_info *fi) {
    if (strcmp(path, CONTROL) == 0) {
        char status[256];
        pthread_mutex_lock(&st.lock);
        int n = snprintf(status, sizeof status, "reads %lu\nfailed %lu\nwaiting %lu\nlatency_us %ld\nhung %d\n",
                         st.reads, st.failed, st.waiting, st.latency_us, st.hung);
        pthread_mutex_unlock(&st.lock);
        if (offset >= n) {
            return 0;
        }
        size_t len = (size_t) (n - offset) < size ? (size_t) (n - offset) : size;
        memcpy(buf, status + offset, len);
        return (int) len;
    }
    pthread_mutex_lock(&st.lock);
    st.waiting++;
    while (st.hung) {
        pthread_cond_wait(&st.resumed, &st.lock);
    }
    st.waiting--;
    long latency = st.latency_us;
    int err = failing(path, offset, size);
    st.reads++;
    if (err) {
        st.failed++;
    }
    pthread_mutex_unlock(&st.lock);
    if (latency > 0) {
        struct timespec t = {latency / 1000000, (latency % 1000000) * 1000};
        while (nanosleep(&t, &t) != 0 && errno == EINTR) {
        }
    }
    if (err) {
        return -err;
    }
    size_t done = 0;
    while (done < size) {
        ssize_t n = pread((int) fi->fh, buf + done, size - done, offset + (off_t) done);
        if (n < 0) {
            return -errno;
        }
        if (n == 0) {
            break;
        }
        done += (size_t) n;
    }
    return (int) done;
}

static int control(const char *line) {
    char path[PATH_MAX];
    long long start, length;
    long value;
    int err = EIO;
    pthread_mutex_lock(&st.lock);
    int result = 0;
    if (sscanf(line, "latency %ld", &value) == 1) {
        st.latency_us = value;
    } else if (sscanf(line, "fail %4095s %lld %lld %d", path, &start, &length, &err) >= 3) {
        if (st.nranges == MAX_RANGES) {
            result = -ENOSPC;
        } else {
            struct range *r = &st.ranges[st.nranges++];
            snprintf(r->path, sizeof r->path, "%s", path);
            r->start = (off_t) start;
            r->end = (off_t) (start + length);
            r->err = err;
        }
    } else if (strncmp(line, "clear", 5) == 0) {
        st.nranges = 0;
    } else if (strncmp(line, "hang", 4) == 0) {
        st.hung = 1;
    } else if (strncmp(line, "resume", 6) == 0) {
        st.hung = 0;
        pthread_cond_broadcast(&st.resumed);
    } else {
        result = -EINVAL;
    }
    pthread_mutex_unlock(&st.lock);
    return result;
}

static int sfs_write(const char *path, const char *buf, size_t size, off_t offset, struct fuse_file_info *fi) {
    (void) offset, (void) fi;
    if (strcmp(path, CONTROL) != 0) {
        return -EROFS;
    }
    char text[8192];
    size_t len = size < sizeof text - 1 ? size : sizeof text - 1;
    memcpy(text, buf, len);
    text[len] = '\0';
    for (char *line = strtok(text, "\n"); line != NULL; line = strtok(NULL, "\n")) {
        int r = control(line);
        if (r != 0) {
            return r;
        }
    }
    return (int) size;
}

static int sfs_truncate(const char *path, off_t size, struct fuse_file_info *fi) {
    (void) size, (void) fi;
    return strcmp(path, CONTROL) == 0 ? 0 : -EROFS;
}

static int sfs_release(const char *path, struct fuse_file_info *fi) {
    if (strcmp(path, CONTROL) != 0) {
        close((int) fi->fh);
    }
    return 0;
}

static int sfs_statfs(const char *path, struct statvfs *s) {
    (void) path;
    return statvfs(st.backing, s) == 0 ? 0 : -errno;
}

static void *sfs_init(struct fuse_conn_info *conn, struct fuse_config *cfg) {
    /* the queue of a disk array or a cloud disk: the kernel's default (12 background requests) would make slowfs the
     * limit for asynchronous direct reads of the raw file (fio libaio), and not for reads from a server's threads */
    conn->max_background = 64;
    conn->congestion_threshold = 48;
    cfg->use_ino = 0;
    cfg->kernel_cache = !st.direct_io;
    return NULL;
}

static const struct fuse_operations ops = {
    .init = sfs_init,
    .getattr = sfs_getattr,
    .readdir = sfs_readdir,
    .open = sfs_open,
    .read = sfs_read,
    .write = sfs_write,
    .truncate = sfs_truncate,
    .release = sfs_release,
    .statfs = sfs_statfs,
};

int main(int argc, char *argv[]) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s BACKING MOUNTPOINT [-o direct_io] [-o latency_us=N] [libfuse options]\n",
                argv[0]);
        return 2;
    }
    st.backing = realpath(argv[1], NULL);
    if (st.backing == NULL) {
        perror(argv[1]);
        return 2;
    }
    /* libfuse parses the rest: the mountpoint, its own options and ours */
    argv[1] = argv[0];
    struct fuse_args args = FUSE_ARGS_INIT(argc - 1, argv + 1);
    if (fuse_opt_parse(&args, &options, option_spec, NULL) == -1) {
        return 2;
    }
    st.direct_io = options.direct_io;
    st.latency_us = options.latency_us;
    int status = fuse_main(args.argc, args.argv, &ops, NULL);
    fuse_opt_free_args(&args);
    return status;
}
