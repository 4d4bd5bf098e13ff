package dev.vhdxmount.vhdx;

import java.io.IOException;

/** Takes the runs of an allocation map in order ({@link VirtualDisk#map}); returns false to stop. */
@FunctionalInterface
public interface AllocationSink {
    boolean run(Allocation run) throws IOException;
}
