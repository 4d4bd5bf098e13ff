package dev.vhdxmount.mount.fuse.libfuse3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The serving threads' turns against a model of the session: a queue of requests stands for the kernel's, and each
 * thread runs the server's loop (its turn, a request, and for a request of waiting storage a hand-off first). The
 * model says: one thread receives at a time; requests the page cache answers stay on one thread; requests of storage
 * that waits each hold a thread, up to the number of threads, and one more receives; every request is served; the
 * session's end ends every thread, parked or not.
 */
class ReceiversTest {
    /** A request of the model: waits for the storage (a hand-off first), or is answered from memory. */
    private record Request(boolean waits, CountDownLatch storage) {}

    private static final Request END = new Request(false, null);

    private final Receivers receivers = new Receivers();
    private final BlockingQueue<Request> kernel = new LinkedBlockingQueue<>();
    private final AtomicInteger served = new AtomicInteger();
    private final AtomicInteger waitingOnStorage = new AtomicInteger();
    private final Set<String> servers = ConcurrentHashMap.newKeySet();
    private final AtomicReference<String> broken = new AtomicReference<>();
    private final List<Thread> threads = new ArrayList<>();

    @AfterEach
    void endSession() throws InterruptedException {
        receivers.end();
        for (int i = 0; i < threads.size(); i++) {
            kernel.add(END);
        }
        for (Thread t : threads) {
            t.join(5000);
            assertFalse(t.isAlive(), t.getName() + " ended with the session");
        }
    }

    /** Starts {@code n} threads that serve as the server's do, checking the model's bound at every step. */
    private void serve(int n) {
        for (int i = 0; i < n; i++) {
            Thread t = new Thread(this::loop, "serving-" + i);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
    }

    private void loop() {
        Receivers.Turn turn = receivers.newTurn();
        try {
            while (receivers.awaitTurn(turn)) {
                int receiving = receivers.receiving();
                if (receiving > Receivers.RECEIVING) {
                    broken.compareAndSet(null, receiving + " threads receiving at once");
                }
                Request r;
                try {
                    r = kernel.take();
                } finally {
                    receivers.received();
                }
                if (r == END) {
                    return;
                }
                servers.add(Thread.currentThread().getName());
                if (r.waits()) {
                    receivers.handOff();
                    waitingOnStorage.incrementAndGet();
                    r.storage().await();
                    waitingOnStorage.decrementAndGet();
                }
                served.incrementAndGet();
            }
        } catch (InterruptedException e) {
            broken.compareAndSet(null, "interrupted");
        }
    }

    private static void awaitTrue(String what, java.util.function.BooleanSupplier condition) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, what);
            Thread.sleep(2);
        }
    }

    @Test
    void readsThePageCacheAnswersStayOnOneThreadHoweverManyAskAtOnce() throws Exception {
        serve(16);
        int producers = 4;
        int each = 20_000;
        List<Thread> ps = new ArrayList<>();
        for (int p = 0; p < producers; p++) {
            Thread t = new Thread(() -> {
                for (int i = 0; i < each; i++) {
                    kernel.add(new Request(false, null));
                }
            });
            ps.add(t);
            t.start();
        }
        for (Thread t : ps) {
            t.join();
        }
        awaitTrue("every request served", () -> served.get() == producers * each);
        assertEquals(1, servers.size(), "one thread served them all: " + servers);
        assertEquals(15, receivers.parked(), "the rest sat parked");
        assertEquals(null, broken.get());
    }

    @Test
    void readsOfWaitingStorageEachHoldAThreadAndOneMoreReceives() throws Exception {
        serve(16);
        CountDownLatch storage = new CountDownLatch(1);
        for (int i = 0; i < 8; i++) {
            kernel.add(new Request(true, storage));
        }
        awaitTrue("8 reads wait on the storage at once", () -> waitingOnStorage.get() == 8);
        awaitTrue("one more thread receives", () -> receivers.receiving() == 1);
        assertEquals(7, receivers.parked(), "the rest stay parked");
        // a read the page cache answers is served meanwhile, by the receiving thread
        kernel.add(new Request(false, null));
        awaitTrue("served while the storage waits", () -> served.get() == 1);
        storage.countDown();
        awaitTrue("every read served once the storage answers", () -> served.get() == 9);
        assertEquals(null, broken.get());
    }

    @Test
    void moreReadsOfWaitingStorageThanThreadsWaitInTheKernelUntilAThreadIsFree() throws Exception {
        serve(4);
        CountDownLatch storage = new CountDownLatch(1);
        for (int i = 0; i < 10; i++) {
            kernel.add(new Request(true, storage));
        }
        awaitTrue("every thread waits on the storage", () -> waitingOnStorage.get() == 4);
        Thread.sleep(50);
        assertEquals(4, waitingOnStorage.get(), "no more than the threads");
        assertEquals(6, kernel.size(), "the rest wait in the kernel");
        assertEquals(0, receivers.receiving());
        storage.countDown();
        awaitTrue("all served", () -> served.get() == 10);
        assertEquals(null, broken.get());
    }

    @Test
    void aRandomMixIsServedWholeWithOneReceiverAtMost() throws Exception {
        serve(8);
        Random random = new Random(12);
        int total = 5_000;
        List<CountDownLatch> slow = new ArrayList<>();
        for (int i = 0; i < total; i++) {
            boolean waits = random.nextInt(4) == 0;
            CountDownLatch storage = new CountDownLatch(waits ? 1 : 0);
            if (waits) {
                slow.add(storage);
            }
            kernel.add(new Request(waits, storage));
            if (i % 50 == 0) {
                // the storage answers what waits so far, in an order of its own
                java.util.Collections.shuffle(slow, random);
                slow.forEach(CountDownLatch::countDown);
                slow.clear();
                Thread.sleep(1);
            }
        }
        slow.forEach(CountDownLatch::countDown);
        awaitTrue("every request served: " + served.get(), () -> served.get() == total);
        assertEquals(null, broken.get());
        assertTrue(receivers.receiving() <= Receivers.RECEIVING);
    }

    @Test
    void theSessionsEndEndsParkedThreadsAndGivesNoMoreTurns() throws Exception {
        serve(6);
        awaitTrue("five parked", () -> receivers.parked() == 5);
        receivers.end();
        awaitTrue("parked threads ended", () -> threads.stream().filter(Thread::isAlive).count() == 1);
        assertFalse(receivers.awaitTurn(receivers.newTurn()), "no turn after the end");
    }
}
