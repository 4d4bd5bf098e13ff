/**
 * Test-only VHDX images written from MS-VHDX alone (JDK only: no project parsing code), so the reader is checked
 * against an independent implementation of the format.
 *
 * <ul>
 *   <li>{@link dev.vhdxmount.vhdx.testkit.VhdxBuilder}: fixed, dynamic and differencing images, 512 or 4096-byte
 *       sectors, forced BAT states, corrupt headers and region tables, unknown regions and metadata items, and
 *       dirty logs ({@link dev.vhdxmount.vhdx.testkit.LogBuilder}).</li>
 *   <li>{@link dev.vhdxmount.vhdx.testkit.ExpectedDisk}: what the virtual disk must read as, computed from what the
 *       test wrote (never by parsing the image); compare a reader with
 *       {@link dev.vhdxmount.vhdx.testkit.ExpectedDisk#firstMismatch} ({@code disk::read} fits its Source), and an
 *       allocation map with {@link dev.vhdxmount.vhdx.testkit.ExpectedDisk#allocation} (runs of data and zeros by
 *       disk of the chain, painted from the block plan by {@code ExpectedRuns}).</li>
 *   <li>{@link dev.vhdxmount.vhdx.testkit.Layout}: where every structure, metadata item and block went, for tests
 *       that corrupt or truncate a built file at a precise place ({@link dev.vhdxmount.vhdx.testkit.ImagePatcher}
 *       edits one and fixes its checksum).</li>
 *   <li>{@link dev.vhdxmount.vhdx.testkit.Bin}: the builder's encoding of integers, GUIDs and checksums, which
 *       parser tests use to build their bytes.</li>
 *   <li>Shared helpers for the tests of both modules: {@link dev.vhdxmount.vhdx.testkit.Sizes},
 *       {@link dev.vhdxmount.vhdx.testkit.Hashes}, {@link dev.vhdxmount.vhdx.testkit.Tools} (external tools,
 *       {@code inCi}), {@link dev.vhdxmount.vhdx.testkit.Slow} (the tag of tests left out of a quick run),
 *       {@link dev.vhdxmount.vhdx.testkit.PackageGraph} (package cycles, through jdeps).</li>
 * </ul>
 *
 * <p>The builder is split by structure: {@code HeaderSectionWriter}, {@code MetadataWriter}, {@code BatWriter} and
 * {@code LogWriter} turn its plan ({@code BlockPlan}, {@link dev.vhdxmount.vhdx.testkit.Layout}) into bytes, and
 * {@code ExpectedModel} says what the result must read as.
 *
 * <p>A dirty image is described as its state after replay plus what the log carries; the file written holds the
 * state before replay for exactly those things. See {@link dev.vhdxmount.vhdx.testkit.LogBuilder}.
 */
package dev.vhdxmount.vhdx.testkit;
