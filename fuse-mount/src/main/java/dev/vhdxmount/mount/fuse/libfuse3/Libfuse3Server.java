package dev.vhdxmount.mount.fuse.libfuse3;

import static dev.vhdxmount.mount.fuse.libfuse3.Fuse3Layout.*;

import java.lang.ref.Reference;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.kenai.jffi.MemoryIO;

import dev.vhdxmount.mount.fuse.DiskFileSystem;
import dev.vhdxmount.mount.fuse.DiskFileSystem.FileError;
import dev.vhdxmount.mount.fuse.FuseServer;
import dev.vhdxmount.mount.fuse.MountOptions;
import dev.vhdxmount.mount.fuse.UnsupportedLibfuse;
import dev.vhdxmount.mount.os.LibC;
import dev.vhdxmount.vhdx.io.FileOpener;
import jnr.constants.platform.Errno;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

/**
 * {@link DiskFileSystem} served through libfuse 3's low-level API: each callback turns libfuse's inode-based call into
 * the model's and its answer (or errno) back into libfuse's reply. Reads are answered by {@link ReadReply}, which
 * splices the image's own file ranges into the kernel. On a read-only mount nothing served ever changes, so the kernel
 * may cache attributes, names and data for as long as it likes ({@code keep_cache} on every open: a second read of the
 * disk comes from the page cache); a writable mount's files are opened with direct I/O instead ({@link #open}).
 *
 * <p>Requests are served by a pool of Java threads, each reading the next request from the session and answering it
 * ({@code fuse_session_receive_buf}, {@code fuse_session_process_buf}): libfuse calls the callbacks on that same
 * thread, which the JVM already knows (libfuse's own multithreaded loop would attach a native thread to the JVM for
 * every call), and slow storage serves many reads at once instead of one after the other. One thread waits for a
 * request at a time, and hands that turn to another only before it may wait for the storage ({@link Receivers}): a
 * read the page cache answers never wakes a second thread. A small read is answered without libfuse
 * ({@link KernelReads}). Each thread has its own reply buffers ({@link Worker}); the model and the disk are safe for
 * any number of threads. Every callback replies exactly once and catches everything: a failure is EIO and a log
 * line, never a dead mount. Writes, flush, fsync and setattr go to the model, which takes them on a writable mount
 * ({@code --overlay}) and refuses them otherwise (the kernel refuses them with EROFS on a read-only mount before they
 * get here); the operations that would make, remove or rename nodes are left unset, so libfuse answers ENOSYS.
 */
public final class Libfuse3Server implements FuseServer {
    /**
     * The largest read request the kernel may send (mount option max_read). At libfuse 3's own limit, 1 MiB, a reply
     * needs a pipe larger than the kernel's pipe-max-size (1 MiB): libfuse's F_SETPIPE_SZ fails, and from then on it
     * answers every read with an allocation, a read and a copy instead of a splice (docs/benchmarks.md).
     */
    static final int MAX_READ = 512 * 1024;
    private static final int DIRECTORY_BUFFER = 4096;
    /**
     * Requests the kernel may have in flight in the background (readahead and asynchronous O_DIRECT reads), above its
     * default of 12, so that a queue of reads reaches every serving thread.
     */
    static final int MAX_BACKGROUND = 64;
    /**
     * How long the receiving thread, having found no request, asks /dev/fuse again before it sleeps in poll. A reader
     * that reads one request at a time sends its next a few microseconds after the reply: a thread that sleeps in the
     * kernel meanwhile must be woken for it, on this kind of virtual machine the dearest part of a request. Spinning
     * costs CPU only while no request is queued, at most this long after each reply, and stops at once when one is.
     * {@code -Dvhdx.receiveSpinMicros=0} (JAVA_OPTS) turns it off, for comparisons (docs/benchmarks.md).
     */
    static final long RECEIVE_SPIN_NANOS = Long.getLong("vhdx.receiveSpinMicros", 50) * 1000;
    /**
     * Whether small reads are answered without libfuse ({@link KernelReads}). {@code -Dvhdx.directReads=false}
     * (JAVA_OPTS) leaves every request to libfuse, for comparisons (docs/benchmarks.md).
     */
    static final boolean DIRECT_READS = !"false".equals(System.getProperty("vhdx.directReads"));
    /** How long the end of a session waits for threads that are still inside a read (of storage that hangs). */
    private static final long WORKER_END_MILLIS = 200;

    private static final Logger log = LoggerFactory.getLogger(Libfuse3Server.class);
    private static final MemoryIO MEMORY = MemoryIO.getInstance();

    private final Fuse3Library fuse;
    private final LibC libc;
    /** The loaded release, and the layout of the structures that differ between releases. */
    private final Fuse3Abi.Release release;
    private final Fuse3Abi abi;
    private final Runtime runtime;
    private final DiskFileSystem fs;
    /** The callbacks, held here so that the collector cannot free them while libfuse may call them. */
    private final List<Object> callbacks = new ArrayList<>();
    private final Pointer ops;
    /** Zeros every thread's replies map (never written after they are made). */
    private final long zeros;
    /**
     * The calling thread's buffers: libfuse calls each callback on the thread that read the request. Made on first
     * use; a serving thread closes its own when it ends.
     */
    private final ThreadLocal<Worker> worker = ThreadLocal.withInitial(Worker::new);
    private volatile Runnable onReady = () -> {};
    /** The threads serving now, while a session runs. */
    private volatile Pool pool;

    /**
     * One serving thread's buffers (a struct stat, a fuse_entry_param, a struct statvfs, a listing, read replies), and
     * the read it is answering, which the {@link Pool}'s watchdog may answer in its place when the storage hangs.
     */
    final class Worker implements AutoCloseable {
        /** {@link #reading}: no read under way. */
        private static final long IDLE = 0;
        /** {@link #reading}: the read under way was answered by the watchdog; this thread must not reply to it. */
        private static final long ANSWERED = -1;

        final Pointer stat = Memory.allocateDirect(runtime, STAT_SIZEOF, true);
        final Pointer entry = Memory.allocateDirect(runtime, ENTRY_SIZE, true);
        final Pointer statvfs = Memory.allocateDirect(runtime, STATVFS_SIZEOF, true);
        final Pointer directory = Memory.allocateDirect(runtime, DIRECTORY_BUFFER, true);
        final ReadReply reads = new ReadReply(fuse, abi, libc, zeros, Libfuse3Server.this::beforeWaiting);
        /** The request of the read under way, {@link #IDLE} or {@link #ANSWERED}. */
        private final AtomicLong reading = new AtomicLong(IDLE);
        private volatile long readingSince;
        /** The request being answered has handed off this thread's turn to receive: it may wait for the storage. */
        boolean handedOff;
        /** The watchdog answered a read of this thread's and another thread took its place: it ends. */
        volatile boolean displaced;

        void beginRead(long req) {
            readingSince = System.nanoTime();
            reading.set(req);
        }

        /** Whether this thread may still reply to {@code req} (the watchdog has not): from now on only it may. */
        boolean claim(long req) {
            return reading.compareAndSet(req, IDLE);
        }

        /** Ends the read; if the watchdog answered it, this thread's place has been taken, and it ends too. */
        void endRead() {
            if (reading.getAndSet(IDLE) == ANSWERED) {
                displaced = true;
            }
        }

        /** The request of a read under way for longer than {@code nanos}, taken from this thread; else 0. */
        long takeOverdue(long now, long nanos) {
            long req = reading.get();
            return req > 0 && now - readingSince > nanos && reading.compareAndSet(req, ANSWERED) ? req : 0;
        }

        /** Whether a read has been under way (answered by the watchdog or not) for longer than {@code nanos}. */
        boolean stuck(long now, long nanos) {
            return reading.get() != IDLE && now - readingSince > nanos;
        }

        @Override
        public void close() {
            reads.close();
        }
    }

    /**
     * @throws LinkageError        when libfuse 3 cannot be loaded (see {@link #probeLibrary})
     * @throws UnsupportedLibfuse when it is a release whose structures this binding does not know
     */
    public Libfuse3Server(DiskFileSystem fs) throws UnsupportedLibfuse {
        this(Fuse3Library.load(), fs, LibC.load());
    }

    /** Over {@code fuse}, a real libfuse 3 or a test's stand-in; {@code libc} null: replies are copied. */
    Libfuse3Server(Fuse3Library fuse, DiskFileSystem fs, LibC libc) throws UnsupportedLibfuse {
        this.fuse = fuse;
        this.libc = libc;
        this.release = Fuse3Abi.Release.parse(fuse.fuse_pkgversion());
        this.abi = Fuse3Abi.of(release);
        this.runtime = Runtime.getSystemRuntime();
        this.fs = fs;
        this.ops = Memory.allocateDirect(runtime, OPS_SIZE, true);
        this.zeros = ReadReply.allocateZeros();
        register(OP_INIT, Fuse3Library.Init.class, (Fuse3Library.Init) this::init);
        register(OP_DESTROY, Fuse3Library.Destroy.class, (Fuse3Library.Destroy) userdata -> log.debug(
                "FUSE session destroyed"));
        register(OP_LOOKUP, Fuse3Library.Lookup.class, (Fuse3Library.Lookup) this::lookup);
        register(OP_FORGET, Fuse3Library.Forget.class,
                (Fuse3Library.Forget) (req, ino, n) -> fuse.fuse_reply_none(req));
        register(OP_GETATTR, Fuse3Library.InodeFileOp.class, (Fuse3Library.InodeFileOp) this::getattr);
        register(OP_OPEN, Fuse3Library.InodeFileOp.class, (Fuse3Library.InodeFileOp) this::open);
        register(OP_READ, Fuse3Library.ReadOp.class, (Fuse3Library.ReadOp) this::read);
        register(OP_RELEASE, Fuse3Library.InodeFileOp.class, (Fuse3Library.InodeFileOp) this::release);
        register(OP_SETATTR, Fuse3Library.Setattr.class, (Fuse3Library.Setattr) this::setattr);
        register(OP_WRITE, Fuse3Library.Write.class, (Fuse3Library.Write) this::write);
        register(OP_FLUSH, Fuse3Library.InodeFileOp.class, (Fuse3Library.InodeFileOp) this::flush);
        register(OP_FSYNC, Fuse3Library.Fsync.class, (Fuse3Library.Fsync) this::fsync);
        register(OP_OPENDIR, Fuse3Library.InodeFileOp.class, (Fuse3Library.InodeFileOp) this::opendir);
        register(OP_READDIR, Fuse3Library.ReadOp.class, (Fuse3Library.ReadOp) this::readdir);
        register(OP_RELEASEDIR, Fuse3Library.InodeFileOp.class, (Fuse3Library.InodeFileOp) this::release);
        register(OP_STATFS, Fuse3Library.Statfs.class, (Fuse3Library.Statfs) this::statfs);
        register(OP_LSEEK, Fuse3Library.Lseek.class, (Fuse3Library.Lseek) this::lseek);
    }

    /**
     * Loads libfuse 3 and checks that its release is one whose structures this binding knows, to report a missing or
     * unknown library before anything is opened.
     *
     * @return null when it loads and is known; else the failure, an {@link UnsupportedLibfuse} for an unknown release
     */
    public static Throwable probeLibrary() {
        try {
            Fuse3Abi.of(Fuse3Abi.Release.parse(Fuse3Library.load().fuse_pkgversion()));
            return null;
        } catch (Throwable e) {
            return e;
        }
    }

    /** How the image files must be opened for this server: with OS descriptors that replies can splice from. */
    public static FileOpener fileOpener() {
        return new DescriptorOpener();
    }

    private <T> void register(int slot, Class<T> type, T callback) {
        callbacks.add(callback);
        ops.putAddress(slot * 8L, runtime.getClosureManager().getClosurePointer(type, callback).address());
    }

    @Override
    public boolean readsStuck(Duration longerThan) {
        Pool p = pool;
        return p != null && p.stuck(longerThan.toNanos());
    }

    @Override
    public String description() {
        return "libfuse " + release + " (" + Fuse3Library.Loaded.name() + ", low-level API through jnr-ffi; reads"
                + " spliced from the image)";
    }

    /**
     * libfuse 3's words for the options: the read size, and the shared ones. {@code nonempty} is not passed: libfuse
     * 3 refuses it, and mounts over a directory with entries anyway.
     */
    static List<String> arguments(MountOptions options) {
        List<String> argv = new ArrayList<>(List.of("vhdx-mount", "-o", "max_read=" + MAX_READ));
        for (String option : options.libfuseOptions()) {
            argv.add("-o");
            argv.add(option);
        }
        return argv;
    }

    @Override
    public int serve(Path mountPoint, MountOptions options, Runnable ready) {
        this.onReady = ready;
        List<String> argv = arguments(options);
        log.debug("fuse_session_new {}", argv);
        List<Pointer> strings = new ArrayList<>();
        Pointer array = Memory.allocateDirect(runtime, 8L * (argv.size() + 1), true);
        for (int i = 0; i < argv.size(); i++) {
            byte[] bytes = (argv.get(i) + '\0').getBytes(StandardCharsets.UTF_8);
            Pointer string = Memory.allocateDirect(runtime, bytes.length);
            string.put(0, bytes, 0, bytes.length);
            strings.add(string);
            array.putAddress(8L * i, string.address());
        }
        Pointer args = Memory.allocateDirect(runtime, ARGS_SIZE, true);
        args.putInt(ARGS_ARGC, argv.size());
        args.putAddress(ARGS_ARGV, array.address());
        args.putInt(ARGS_ALLOCATED, 0);
        try {
            long session = newSession(args);
            if (session == 0) {
                log.debug("fuse_session_new failed (libfuse said why above)");
                return 1;
            }
            boolean threadsEnded = true;
            try {
                if (fuse.fuse_session_mount(session, mountPoint.toString()) != 0) {
                    return 1;
                }
                Pool pool = new Pool(session, options.threads(), options.timeout());
                this.pool = pool;
                int status;
                try {
                    status = pool.serve();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    status = 1;
                }
                threadsEnded = pool.allEnded();
                fuse.fuse_session_unmount(session);
                log.debug("FUSE session ended with status {}", status);
                return status;
            } finally {
                // a thread still inside a read of hung storage would reply into a destroyed session: the process ends
                // soon, so the session is left to it
                if (threadsEnded) {
                    fuse.fuse_session_destroy(session);
                    ReadReply.freeZeros(zeros);
                }
            }
        } finally {
            // libfuse holds pointers into these until the session is destroyed: keep them from the collector till here
            Reference.reachabilityFence(strings);
            Reference.reachabilityFence(array);
            Reference.reachabilityFence(args);
        }
    }

    /**
     * The serving threads of one session, which take turns to receive ({@link Receivers}), and their watchdog: a read
     * that has waited on the storage for longer than the timeout is answered EIO in its thread's place, and a new
     * thread takes that one's place, so that a hung storage leaves neither the reader nor the mount waiting for ever.
     * The displaced thread ends once its read returns, without replying.
     */
    private final class Pool {
        private final long session;
        private final int size;
        private final long timeoutNanos;
        private final List<Thread> threads = new CopyOnWriteArrayList<>();
        private final List<Worker> workers = new CopyOnWriteArrayList<>();
        private final CountDownLatch firstEnded = new CountDownLatch(1);
        private final AtomicInteger timedOut = new AtomicInteger();
        private final Receivers receivers = new Receivers();
        private volatile int status;

        /** The session's /dev/fuse descriptor. */
        private final int fd;
        /** Whether the receiving thread asks again without sleeping for a while ({@link #RECEIVE_SPIN_NANOS}). */
        private final boolean spinning;
        /** Answers small reads without libfuse; null without a libc (a test's stand-in libfuse). */
        private final KernelReads kernel;

        Pool(long session, int size, Duration timeout) {
            this.session = session;
            this.size = size;
            this.timeoutNanos = timeout.toNanos();
            this.fd = fuse.fuse_session_fd(session);
            this.spinning = RECEIVE_SPIN_NANOS > 0 && libc != null
                    && libc.fcntl(fd, F_SETFL, libc.fcntl(fd, F_GETFL, 0) | O_NONBLOCK) == 0;
            this.kernel = libc != null && fd >= 0 && DIRECT_READS ? new KernelReads(libc, fd) : null;
        }

        private void startThread() {
            Thread t = new Thread(this::serveRequests, "fuse-" + threads.size());
            // a thread stuck in a read of storage that hangs must not keep the process from ending
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }

        /** Serves until the session ends (unmounted by anyone); returns 0, or libfuse's error. */
        int serve() throws InterruptedException {
            for (int i = 0; i < size; i++) {
                startThread();
            }
            Thread watchdog = new Thread(this::watch, "fuse-watchdog");
            watchdog.setDaemon(true);
            watchdog.start();
            firstEnded.await();
            watchdog.interrupt();
            // the kernel wakes every reader when the mount goes: the others end at once, unless one is inside a read
            long deadline = System.nanoTime() + WORKER_END_MILLIS * 1_000_000;
            for (Thread t : threads) {
                t.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
            }
            return status;
        }

        boolean allEnded() {
            return threads.stream().noneMatch(Thread::isAlive);
        }

        boolean stuck(long nanos) {
            long now = System.nanoTime();
            return workers.stream().anyMatch(w -> w.stuck(now, nanos));
        }

        /**
         * Every period: a read under way for longer than the period that did not hand off its turn to receive (the
         * core reading a BAT page or a sector bitmap of a small read, which it cannot say beforehand) hands it off
         * now; one under way for longer than the timeout is answered EIO in its thread's place.
         */
        private void watch() {
            long period = timeoutNanos > 0 ? Math.max(10_000_000L, Math.min(250_000_000L, timeoutNanos / 4))
                    : 250_000_000L;
            try {
                while (true) {
                    Thread.sleep(period / 1_000_000);
                    long now = System.nanoTime();
                    if (stuck(period)) {
                        receivers.handOff();
                    }
                    if (timeoutNanos == 0) {
                        continue;
                    }
                    for (Worker w : workers) {
                        long req = w.takeOverdue(now, timeoutNanos);
                        if (req != 0) {
                            replyError(KernelReads.tagged(req) ? kernel : null, req, Errno.EIO.intValue());
                            int n = timedOut.incrementAndGet();
                            if (n == 1) {
                                log.error("a read of the image has had no answer from the storage for {} s: answered"
                                        + " EIO, and served on by a new thread (the storage may hang; further ones"
                                        + " are counted in the debug log)", timeoutNanos / 1_000_000_000L);
                            } else {
                                log.debug("{} reads answered EIO after {} s without an answer from the storage", n,
                                        timeoutNanos / 1_000_000_000L);
                            }
                            if (threads.size() < MountOptions.MAX_THREADS) {
                                startThread();
                            }
                        }
                    }
                }
            } catch (InterruptedException e) {
                // the session ended
            }
        }

        /**
         * The next request, as fuse_session_receive_buf gives it; from a descriptor made non-blocking, asked again
         * without sleeping for {@link #RECEIVE_SPIN_NANOS} ({@code spin}) before waiting in poll.
         */
        private int receive(long buf, long pollfd, boolean spin) {
            if (!spinning) {
                return fuse.fuse_session_receive_buf(session, buf);
            }
            long spinUntil = 0;
            while (true) {
                int n = fuse.fuse_session_receive_buf(session, buf);
                if (n != -Errno.EAGAIN.intValue()) {
                    return n;
                }
                long now = System.nanoTime();
                if (spinUntil == 0) {
                    spinUntil = now + (spin ? RECEIVE_SPIN_NANOS : 0);
                }
                if (now - spinUntil < 0) {
                    Thread.onSpinWait();
                    continue;
                }
                // nothing came: sleep until a request does, or the mount goes (poll then says POLLERR)
                MEMORY.putInt(pollfd, fd);
                MEMORY.putShort(pollfd + 4, (short) POLLIN);
                MEMORY.putShort(pollfd + 6, (short) 0);
                libc.poll(pollfd, 1, -1);
            }
        }

        /**
         * One thread: wait for its turn to receive ({@link Receivers}), read a request, answer it (a small read here,
         * {@link KernelReads}; anything else through libfuse, which calls the callback here), until the session ends.
         */
        private void serveRequests() {
            Worker w = worker.get();
            workers.add(w);
            Receivers.Turn turn = receivers.newTurn();
            long buf = MEMORY.allocateMemory(abi.bufSizeof, true);
            long pollfd = MEMORY.allocateMemory(8, true);
            boolean displaced = false;
            try {
                // spin only after a request served from memory: a thread woken to take another's turn, or back from
                // the storage, serves a reader that is waiting for the storage too, not one about to send its next
                boolean spin = false;
                while (!displaced && receivers.awaitTurn(turn) && fuse.fuse_session_exited(session) == 0) {
                    int n;
                    try {
                        n = receive(buf, pollfd, spin);
                    } finally {
                        receivers.received();
                    }
                    if (n == -Errno.EINTR.intValue()) {
                        continue;
                    }
                    if (n <= 0) {
                        if (n < 0) {
                            status = n;
                            log.error("reading a FUSE request failed: {}", Errno.valueOf(-n).description());
                        }
                        break;
                    }
                    w.handedOff = false;
                    if (kernel == null || !readDirectly(kernel, buf)) {
                        fuse.fuse_session_process_buf(session, buf);
                    }
                    displaced = w.displaced;
                    spin = !w.handedOff;
                }
            } catch (Throwable t) {
                log.error("internal error in a serving thread", t);
                status = -Errno.EIO.intValue();
            } finally {
                if (!displaced) {
                    // one thread's end is the session's: the others may be waiting for requests that will never come,
                    // or for a turn to receive them
                    fuse.fuse_session_exit(session);
                    receivers.end();
                    firstEnded.countDown();
                }
                workers.remove(w);
                if (libc != null) {
                    libc.free(MEMORY.getAddress(buf + BUF_MEM)); // libfuse's request buffer
                }
                MEMORY.freeMemory(buf);
                MEMORY.freeMemory(pollfd);
                w.close();
                worker.remove();
            }
        }
    }

    /** The calling serving thread is about to wait for the storage: another is to receive requests meanwhile. */
    private void beforeWaiting() {
        worker.get().handedOff = true;
        Pool p = pool;
        if (p != null) {
            p.receivers.handOff();
        }
    }

    /**
     * From 3.17 on, libfuse's header turns {@code fuse_session_new} into {@code fuse_session_new_versioned} with the
     * release the caller was built for: this binding speaks the loaded release's own layout, so it names that one.
     */
    private long newSession(Pointer args) {
        if (!abi.versionedSessionNew()) {
            return fuse.fuse_session_new(args, ops, OPS_SIZE, null);
        }
        Pointer version = Memory.allocateDirect(runtime, VERSION_SIZEOF, true);
        version.putInt(VERSION_MAJOR, release.major());
        version.putInt(VERSION_MINOR, release.minor());
        version.putInt(VERSION_HOTFIX, release.hotfix());
        return Fuse3Library.loadVersioned().fuse_session_new_versioned(args, ops, OPS_SIZE, version, null);
    }

    void init(long userdata, long conn) {
        try {
            // libfuse refuses a session whose init says another max_read than its mount option
            MEMORY.putInt(conn + CONN_MAX_READ, MAX_READ);
            MEMORY.putInt(conn + CONN_MAX_BACKGROUND, MAX_BACKGROUND);
            MEMORY.putInt(conn + CONN_CONGESTION_THRESHOLD, MAX_BACKGROUND * 3 / 4);
            int capable = MEMORY.getInt(conn + CONN_CAPABLE);
            if ((capable & CAP_SPLICE_WRITE) != 0) {
                MEMORY.putInt(conn + CONN_WANT, MEMORY.getInt(conn + CONN_WANT) | CAP_SPLICE_WRITE);
            }
            log.debug("FUSE session initialised; the kernel {} splice replies",
                    (capable & CAP_SPLICE_WRITE) != 0 ? "takes" : "does not take");
            onReady.run();
        } catch (Throwable t) {
            log.error("internal error in init", t);
        }
    }

    void lookup(long req, long parent, Pointer name) {
        try {
            DiskFileSystem.File file = fs.lookup(parent, name.getString(0, 256, StandardCharsets.UTF_8));
            long e = worker.get().entry.address();
            MEMORY.putLong(e + ENTRY_INO, file.inode());
            MEMORY.putLong(e + ENTRY_GENERATION, 0);
            DiskFileSystem.Attributes attributes = fs.attributes(file.inode());
            fillStat(e + ENTRY_ATTR, attributes);
            MEMORY.putDouble(e + ENTRY_ATTR_TIMEOUT, attributes.validSeconds());
            MEMORY.putDouble(e + ENTRY_ENTRY_TIMEOUT, DiskFileSystem.CACHE_SECONDS);
            fuse.fuse_reply_entry(req, e);
        } catch (FileError e) {
            fuse.fuse_reply_err(req, e.errno());
        } catch (Throwable t) {
            internalError(req, "lookup", t);
        }
    }

    /** SEEK_DATA and SEEK_HOLE (the kernel answers the other kinds of lseek itself): where data and holes are. */
    void lseek(long req, long ino, long offset, int whence, long fileInfo) {
        try {
            fuse.fuse_reply_lseek(req, fs.seek(ino, offset, whence));
        } catch (FileError e) {
            fuse.fuse_reply_err(req, e.errno());
        } catch (Throwable t) {
            internalError(req, "lseek", t);
        }
    }

    void getattr(long req, long ino, long fileInfo) {
        try {
            long st = worker.get().stat.address();
            DiskFileSystem.Attributes attributes = fs.attributes(ino);
            fillStat(st, attributes);
            fuse.fuse_reply_attr(req, st, attributes.validSeconds());
        } catch (FileError e) {
            fuse.fuse_reply_err(req, e.errno());
        } catch (Throwable t) {
            internalError(req, "getattr", t);
        }
    }

    private static void fillStat(long st, DiskFileSystem.Attributes a) {
        MEMORY.setMemory(st, STAT_SIZEOF, (byte) 0);
        MEMORY.putLong(st + STAT_INO, a.inode());
        MEMORY.putInt(st + STAT_MODE, a.mode());
        MEMORY.putLong(st + STAT_NLINK, a.links());
        MEMORY.putLong(st + STAT_SIZE, a.size());
        MEMORY.putLong(st + STAT_BLOCKS, a.blocks());
        MEMORY.putInt(st + STAT_UID, a.uid());
        MEMORY.putInt(st + STAT_GID, a.gid());
        MEMORY.putLong(st + STAT_BLKSIZE, DiskFileSystem.BLOCK_SIZE);
        putTime(st + STAT_ATIME, a.atime());
        putTime(st + STAT_MTIME, a.mtime());
        putTime(st + STAT_CTIME, a.ctime());
    }

    private static void putTime(long timespec, FileTime time) {
        long nanos = time.to(TimeUnit.NANOSECONDS);
        MEMORY.putLong(timespec, Math.floorDiv(nanos, 1_000_000_000L));
        MEMORY.putLong(timespec + TIMESPEC_NSEC, Math.floorMod(nanos, 1_000_000_000L));
    }

    /**
     * A read-only mount's files keep their page cache across opens: nothing can change them. A writable mount's are
     * served with direct I/O, no page cache at all: disk.raw and the partition files are views of one disk, so a write
     * through p1.raw changes bytes of disk.raw that the kernel, which knows nothing of that, would go on serving from
     * disk.raw's cache. Invalidating the other files' ranges after each write (fuse_lowlevel_notify_inval_inode) would
     * keep the cache, but may deadlock against a read of those files waiting on this server, and libfuse 2 has no
     * such call; the file system on the loop device over these files caches its own blocks anyway.
     */
    void open(long req, long ino, long fileInfo) {
        try {
            fs.open(ino, MEMORY.getInt(fileInfo + FI_FLAGS));
            int cache = fs.writable() ? FI_DIRECT_IO : FI_KEEP_CACHE;
            MEMORY.putInt(fileInfo + FI_BITS, MEMORY.getInt(fileInfo + FI_BITS) | cache | abi.fiNoflush);
            fuse.fuse_reply_open(req, fileInfo);
        } catch (FileError e) {
            fuse.fuse_reply_err(req, e.errno());
        } catch (Throwable t) {
            internalError(req, "open", t);
        }
    }

    void release(long req, long ino, long fileInfo) {
        fuse.fuse_reply_err(req, 0);
    }

    void read(long req, long ino, long size, long offset, long fileInfo) {
        serveRead(req, ino, size, offset, null);
    }

    /**
     * Answers the request in {@code buf} (a received struct fuse_buf) here, without libfuse, if it is a small read
     * ({@link KernelReads}); false: it is libfuse's to process.
     */
    boolean readDirectly(KernelReads kernel, long buf) {
        if ((MEMORY.getInt(buf + BUF_FLAGS) & BUF_IS_FD) != 0) {
            return false;
        }
        KernelReads.Request r = KernelReads.parse(MEMORY.getAddress(buf + BUF_MEM), MEMORY.getLong(buf + BUF_SIZE));
        if (r == null) {
            return false;
        }
        serveRead(KernelReads.tag(r.unique()), r.node(), r.size(), r.offset(), kernel);
        return true;
    }

    /**
     * One read: the model's range, sent by {@link ReadReply}. {@code kernel} null: {@code req} is libfuse's request;
     * else a small read that libfuse never saw, named by its {@linkplain KernelReads#tag tagged} unique.
     */
    private void serveRead(long req, long ino, long size, long offset, KernelReads kernel) {
        DiskFileSystem.Read read;
        try {
            read = fs.read(ino, offset, size);
        } catch (FileError e) {
            replyError(kernel, req, e.errno());
            return;
        } catch (Throwable t) {
            log.error("internal error in read", t);
            replyError(kernel, req, Errno.EIO.intValue());
            return;
        }
        if (read.length() == 0) {
            read.close();
            if (kernel != null) {
                kernel.reply(req, 0, 0);
            } else {
                fuse.fuse_reply_buf(req, 0, 0);
            }
            return;
        }
        Worker w = worker.get();
        int status;
        w.beginRead(req);
        // the range stays held (on a writable mount) until the kernel has taken the spliced pieces
        try (read) {
            status = w.reads.reply(kernel, req, read, w::claim);
        } catch (Throwable t) {
            int errno = fs.readFailed(t, fs.nameOf(ino), size, offset);
            status = w.claim(req) ? replyError(kernel, req, errno) : 0;
        } finally {
            w.endRead();
        }
        if (status != 0) {
            log.debug("{}: the reply to a read of {} bytes at {} was not sent (errno {})", fs.nameOf(ino), size,
                    offset, -status);
        }
    }

    void write(long req, long ino, Pointer buf, long size, long offset, long fileInfo) {
        try {
            if (size < 0 || size > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("a write of " + size + " bytes");
            }
            beforeWaiting();
            fs.write(ino, offset, MEMORY.newDirectByteBuffer(buf.address(), (int) size));
            fuse.fuse_reply_write(req, size);
        } catch (FileError e) {
            fuse.fuse_reply_err(req, e.errno());
        } catch (Throwable t) {
            internalError(req, "write", t);
        }
    }

    void flush(long req, long ino, long fileInfo) {
        try {
            if (fs.writable()) {
                beforeWaiting();
            }
            fs.flush(ino);
            fuse.fuse_reply_err(req, 0);
        } catch (FileError e) {
            fuse.fuse_reply_err(req, e.errno());
        } catch (Throwable t) {
            internalError(req, "flush", t);
        }
    }

    void fsync(long req, long ino, int datasync, long fileInfo) {
        try {
            beforeWaiting();
            fs.fsync(ino);
            fuse.fuse_reply_err(req, 0);
        } catch (FileError e) {
            fuse.fuse_reply_err(req, e.errno());
        } catch (Throwable t) {
            internalError(req, "fsync", t);
        }
    }

    /** truncate, chmod, chown, touch: answered with the attributes as they stay (see the model). */
    void setattr(long req, long ino, long attr, int toSet, long fileInfo) {
        try {
            long size = (toSet & SET_ATTR_SIZE) != 0 ? MEMORY.getLong(attr + STAT_SIZE) : -1;
            fs.setAttributes(ino, size, (toSet & (SET_ATTR_MODE | SET_ATTR_UID | SET_ATTR_GID)) != 0);
            long st = worker.get().stat.address();
            DiskFileSystem.Attributes attributes = fs.attributes(ino);
            fillStat(st, attributes);
            fuse.fuse_reply_attr(req, st, attributes.validSeconds());
        } catch (FileError e) {
            fuse.fuse_reply_err(req, e.errno());
        } catch (Throwable t) {
            internalError(req, "setattr", t);
        }
    }

    void opendir(long req, long ino, long fileInfo) {
        try {
            fs.openDirectory(ino);
            fuse.fuse_reply_open(req, fileInfo);
        } catch (FileError e) {
            fuse.fuse_reply_err(req, e.errno());
        } catch (Throwable t) {
            internalError(req, "opendir", t);
        }
    }

    void readdir(long req, long ino, long size, long offset, long fileInfo) {
        try {
            Worker w = worker.get();
            long room = Math.min(size, DIRECTORY_BUFFER);
            long used = 0;
            for (DiskFileSystem.DirectoryEntry e : fs.list(ino, offset)) {
                fillStat(w.stat.address(), fs.attributes(e.inode()));
                // the offset given with an entry is where the next listing resumes
                long needed = fuse.fuse_add_direntry(req, w.directory.address() + used, room - used, e.name(),
                        w.stat.address(), e.next());
                if (needed > room - used) {
                    break;
                }
                used += needed;
            }
            fuse.fuse_reply_buf(req, w.directory.address(), used);
        } catch (FileError e) {
            fuse.fuse_reply_err(req, e.errno());
        } catch (Throwable t) {
            internalError(req, "readdir", t);
        }
    }

    void statfs(long req, long ino) {
        try {
            DiskFileSystem.Statistics s = fs.statistics();
            long v = worker.get().statvfs.address();
            MEMORY.setMemory(v, STATVFS_SIZEOF, (byte) 0);
            MEMORY.putLong(v + STATVFS_BSIZE, DiskFileSystem.BLOCK_SIZE);
            MEMORY.putLong(v + STATVFS_FRSIZE, DiskFileSystem.BLOCK_SIZE);
            MEMORY.putLong(v + STATVFS_BLOCKS, s.blocks());
            MEMORY.putLong(v + STATVFS_FILES, s.files());
            MEMORY.putLong(v + STATVFS_FLAG, (fs.writable() ? 0 : ST_RDONLY) | ST_NOSUID | ST_NODEV);
            MEMORY.putLong(v + STATVFS_NAMEMAX, 255);
            fuse.fuse_reply_statfs(req, v);
        } catch (Throwable t) {
            internalError(req, "statfs", t);
        }
    }

    private int replyError(KernelReads kernel, long req, int errno) {
        return kernel != null ? kernel.error(req, errno) : fuse.fuse_reply_err(req, errno);
    }

    private void internalError(long req, String operation, Throwable t) {
        log.error("internal error in {}", operation, t);
        fuse.fuse_reply_err(req, Errno.EIO.intValue());
    }
}
