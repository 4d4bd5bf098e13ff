package dev.vhdxmount.mount.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import dev.vhdxmount.mount.fuse.LoggedPlaces.Decision;
import dev.vhdxmount.mount.fuse.LoggedPlaces.Place;

class LoggedPlacesTest {
    private static final Path CHILD = Path.of("/img/child.vhdx");
    private static final Path PARENT = Path.of("/img/base.vhdx");

    @Test
    void oncePerPlaceAndTheSameBlockInAnotherFileIsAnotherPlace() {
        LoggedPlaces places = new LoggedPlaces();
        assertEquals(Decision.FIRST, places.report(new Place(CHILD, "payload block 0", -1)));
        assertEquals(Decision.REPEAT, places.report(new Place(CHILD, "payload block 0", -1)));
        assertEquals(Decision.FIRST, places.report(new Place(CHILD, "payload block 1", -1)));
        assertEquals(Decision.FIRST, places.report(new Place(PARENT, "payload block 0", -1)));
        assertEquals(Decision.FIRST, places.report(new Place(CHILD, "BAT", 0x300000)));
        assertEquals(Decision.FIRST, places.report(new Place(CHILD, "BAT", 0x308000)), "another page of the BAT");
    }

    @Test
    void memoryIsBounded() {
        LoggedPlaces places = new LoggedPlaces();
        for (int i = 0; i < LoggedPlaces.MAX_PLACES; i++) {
            assertEquals(Decision.FIRST, places.report(new Place(CHILD, "MiB", i)));
        }
        assertEquals(Decision.LIMIT_REACHED, places.report(new Place(CHILD, "MiB", LoggedPlaces.MAX_PLACES)));
        assertEquals(Decision.REPEAT, places.report(new Place(CHILD, "MiB", LoggedPlaces.MAX_PLACES + 1L)));
        assertEquals(Decision.REPEAT, places.report(new Place(CHILD, "MiB", 5)));
    }

    /** Many serving threads failing at the same few places at once: each place is logged exactly once. */
    @Test
    void manyThreadsLogEachPlaceOnce() throws Exception {
        LoggedPlaces places = new LoggedPlaces();
        AtomicInteger firsts = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 16; t++) {
                done.add(pool.submit(() -> {
                    for (int i = 0; i < 10_000; i++) {
                        if (places.report(new Place(CHILD, "payload block " + (i % 50), -1)) == Decision.FIRST) {
                            firsts.incrementAndGet();
                        }
                    }
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(50, firsts.get());
    }
}
