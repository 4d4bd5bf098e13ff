/**
 * A structure-aware fuzzer of vhdx-core (issue 5): every mutated image must open and read to the end, or be refused
 * with {@code VhdxFormatException}, within 5 s, under {@code -Xmx256m}. Anything else is a failure: another
 * exception (an {@code IOException} of the OS too), an {@code Error}, a read that breaks the
 * {@code VirtualDisk.read} contract, or a case over the time bound (reported with the stack of its thread).
 *
 * <ul>
 *   <li>{@link dev.vhdxmount.vhdx.fuzz.SeedImages}: the valid images it starts from (testkit builder, qemu-img,
 *       the small Windows corpus images), each mapped by {@link dev.vhdxmount.vhdx.fuzz.ImageMap}: where every
 *       structure and field lies, found from the spec's fixed offsets without the project's parser.</li>
 *   <li>{@link dev.vhdxmount.vhdx.fuzz.Mutator}: edits fields of every structure with
 *       {@link dev.vhdxmount.vhdx.fuzz.Values} (edges, powers of two, off-by-one, offsets of structures and of the
 *       end of the file, GUIDs of the image, signatures of other structures, paths with NULs...) and recomputes
 *       the CRC-32C so the change gets past the checksum; also byte flips, truncation and extension, copies of
 *       structures, a disk resized to 64 TiB with its BAT moved, regions moved to the end of the signed range,
 *       a log grown or sown with forged entry headers.</li>
 *   <li>{@link dev.vhdxmount.vhdx.fuzz.CaseRunner} opens and reads on a thread of its own with a time bound;
 *       {@link dev.vhdxmount.vhdx.fuzz.DiskReader} reads the disk (whole up to 256 MiB, else a sample of every
 *       block's first and last sectors, boundary-crossing and random ranges) and checks every read;
 *       {@link dev.vhdxmount.vhdx.fuzz.Outcome} classifies the end.</li>
 *   <li>{@link dev.vhdxmount.vhdx.fuzz.Campaign} runs cases in worker JVMs ({@link dev.vhdxmount.vhdx.fuzz.FuzzWorker})
 *       with {@code -Xmx256m}, one case at a time in each, each worker with its own
 *       {@link dev.vhdxmount.vhdx.fuzz.WorkingFile} copies that a case mutates and restores. A case that hangs is
 *       reported with the stack of its thread, and its worker killed and replaced: since JDK 20 a thread cannot be
 *       stopped, only its JVM ended. {@link dev.vhdxmount.vhdx.fuzz.FuzzReport} counts outcomes by class and keeps
 *       failures.</li>
 * </ul>
 *
 * <p>Case {@code i} of campaign seed {@code s} draws everything from a random seeded by (s, i): replay it with
 * {@code scripts/fuzz.sh --replay i --seed s} (with the same harness, seeds and qemu-img: a change to the mutator
 * or the seed set draws other cases, which is why a fixture keeps the failing files themselves). Runs: {@link dev.vhdxmount.vhdx.fuzz.FuzzTest} (CI, 4000 cases),
 * {@code scripts/fuzz.sh [cases] [seed]} (the long campaign, {@link dev.vhdxmount.vhdx.fuzz.FuzzMain}). A failing
 * case is saved, gzip'd, under {@code vhdx-core/target/fuzz-failures/}; once the bug is fixed, copy it to
 * {@code src/test/resources/fuzz-regressions/NAME/} with the expected outcome in {@code case.properties}, and
 * {@link dev.vhdxmount.vhdx.fuzz.FuzzRegressionTest} checks it on every run.
 */
package dev.vhdxmount.vhdx.fuzz;

import dev.vhdxmount.vhdx.error.VhdxFormatException;
