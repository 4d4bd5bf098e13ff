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
 *       {@link dev.vhdxmount.vhdx.testkit.ExpectedDisk#firstMismatch} ({@code disk::read} fits its Source).</li>
 *   <li>{@link dev.vhdxmount.vhdx.testkit.Layout}: where every structure and block went, for tests that corrupt or
 *       truncate a built file at a precise place.</li>
 * </ul>
 *
 * <p>A dirty image is described as its state after replay plus what the log carries; the file written holds the
 * state before replay for exactly those things. See {@link dev.vhdxmount.vhdx.testkit.LogBuilder}.
 */
package dev.vhdxmount.vhdx.testkit;
