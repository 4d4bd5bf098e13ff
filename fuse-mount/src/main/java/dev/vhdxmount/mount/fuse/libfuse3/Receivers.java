package dev.vhdxmount.mount.fuse.libfuse3;

import java.util.ArrayDeque;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Which of a session's serving threads wait for the next request. One does, the rest are parked, until the thread
 * that took a request is about to wait on the storage ({@link #handOff}): then a parked thread takes its turn to
 * receive, so that slow storage has as many reads in flight as threads, while reads the page cache answers are all
 * served by one warm thread.
 *
 * <p>Why not every thread waiting in the kernel at once, as libfuse's own loop has them: the kernel hands each request
 * to the thread that has waited longest, so a single reader's requests go round all of them, each thread cold and
 * each request a wake-up of a sleeping thread; with the image in the page cache, sixteen waiting threads served a
 * quarter fewer random reads than one (docs/benchmarks.md). A thread that serves from memory and goes straight back
 * to the kernel finds the next request already queued, and sleeps not at all.
 *
 * <p>Thread-safe; every method is short and takes one lock.
 */
final class Receivers {
    /** Threads that receive, or have been given the turn to: at most {@link #RECEIVING}. */
    static final int RECEIVING = 1;

    private final ReentrantLock lock = new ReentrantLock();
    /** Parked threads, the last parked first: it is the warmest. */
    private final ArrayDeque<Turn> parked = new ArrayDeque<>();
    private int receiving;
    private boolean ended;

    /** One thread's place in the queue of parked threads; each serving thread has one and reuses it. */
    final class Turn {
        private final Condition woken = lock.newCondition();
        private boolean given;
    }

    Turn newTurn() {
        return new Turn();
    }

    /**
     * Waits for the calling thread's turn to receive a request: at once when fewer than {@link #RECEIVING} threads
     * receive, else parked until a thread hands off to it.
     *
     * @return false: the session has ended, and the thread is to end too
     */
    boolean awaitTurn(Turn turn) {
        lock.lock();
        try {
            if (ended) {
                return false;
            }
            if (receiving < RECEIVING) {
                receiving++;
                return true;
            }
            turn.given = false;
            parked.push(turn);
            // uninterruptibly: the session's end wakes every parked thread (end), and a turn given must be taken
            while (!turn.given && !ended) {
                turn.woken.awaitUninterruptibly();
            }
            if (!turn.given) {
                parked.remove(turn);
            }
            return turn.given;
        } finally {
            lock.unlock();
        }
    }

    /** The calling thread has a request (or the session has nothing more): its turn to receive is over. */
    void received() {
        lock.lock();
        try {
            receiving--;
        } finally {
            lock.unlock();
        }
    }

    /**
     * The calling thread, which holds a request, is about to wait for the storage: if no thread receives meanwhile, a
     * parked one is given the turn.
     */
    void handOff() {
        lock.lock();
        try {
            if (receiving < RECEIVING && !parked.isEmpty()) {
                Turn next = parked.pop();
                next.given = true;
                receiving++;
                next.woken.signal();
            }
        } finally {
            lock.unlock();
        }
    }

    /** The session has ended: every parked thread wakes, and no thread gets a turn any more. */
    void end() {
        lock.lock();
        try {
            ended = true;
            for (Turn turn : parked) {
                turn.woken.signal();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Threads receiving or given the turn to, for tests. */
    int receiving() {
        lock.lock();
        try {
            return receiving;
        } finally {
            lock.unlock();
        }
    }

    /** Threads parked, for tests and the debug log. */
    int parked() {
        lock.lock();
        try {
            return parked.size();
        } finally {
            lock.unlock();
        }
    }
}
