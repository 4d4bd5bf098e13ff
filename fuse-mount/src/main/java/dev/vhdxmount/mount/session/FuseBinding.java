package dev.vhdxmount.mount.session;

import dev.vhdxmount.mount.fuse.DiskFileSystem;
import dev.vhdxmount.mount.fuse.FuseServer;
import dev.vhdxmount.mount.fuse.UnsupportedLibfuse;
import dev.vhdxmount.mount.fuse.libfuse2.Libfuse2Server;
import dev.vhdxmount.mount.fuse.libfuse3.Libfuse3Server;
import dev.vhdxmount.vhdx.io.FileOpener;

/**
 * The FUSE bindings vhdx-mount serves through, preferred first. libfuse 3's low-level API lets libfuse splice the
 * image's own file ranges into the kernel, one copy per read where a read through Java costs two, and answers each
 * request with fewer objects and no path strings (docs/benchmarks.md has the measurements). jnr-fuse over libfuse 2
 * serves where libfuse 3 is not installed. {@code --libfuse 2|3} picks one.
 */
public enum FuseBinding {
    LIBFUSE3("3", "libfuse 3 (libfuse3.so.4 or .so.3)", "Debian/Ubuntu: apt-get install fuse3; Fedora: dnf install"
            + " fuse3") {
        @Override
        Throwable probe() {
            return Libfuse3Server.probeLibrary();
        }

        @Override
        public FileOpener fileOpener() {
            return Libfuse3Server.fileOpener();
        }

        @Override
        public FuseServer server(DiskFileSystem fs) {
            try {
                return new Libfuse3Server(fs);
            } catch (UnsupportedLibfuse e) {
                throw new IllegalStateException("libfuse 3 was probed before", e);
            }
        }
    },
    LIBFUSE2("2", "libfuse 2 (libfuse.so.2)", "Debian/Ubuntu: apt-get install libfuse2, or libfuse2t64 on Debian 13"
            + " and Ubuntu 24.04 and later; Fedora: dnf install fuse-libs") {
        @Override
        Throwable probe() {
            return Libfuse2Server.probeLibrary();
        }

        @Override
        public FileOpener fileOpener() {
            return FileOpener.DEFAULT;
        }

        @Override
        public FuseServer server(DiskFileSystem fs) {
            return new Libfuse2Server(fs);
        }
    };

    /** The value of {@code --libfuse} that picks this binding. */
    public final String version;
    /** The library, as a message names it. */
    final String library;
    /** How to install the library. */
    final String install;

    FuseBinding(String version, String library, String install) {
        this.version = version;
        this.library = library;
        this.install = install;
    }

    /** @return null when the library loads, else why not */
    abstract Throwable probe();

    /** How the image files are opened for this binding's server. */
    public abstract FileOpener fileOpener();

    /** The server of {@code fs}; the library was probed. */
    public abstract FuseServer server(DiskFileSystem fs);

    /** The binding that {@code --libfuse VERSION} names. */
    static FuseBinding ofVersion(String version) {
        for (FuseBinding b : values()) {
            if (b.version.equals(version)) {
                return b;
            }
        }
        throw new IllegalArgumentException("no libfuse " + version + " binding (2 or 3)");
    }

    /** A picocli converter for {@code --libfuse}. */
    public static final class Converter implements picocli.CommandLine.ITypeConverter<FuseBinding> {
        @Override
        public FuseBinding convert(String value) {
            try {
                return ofVersion(value);
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.TypeConversionException("'" + value + "' is not a libfuse version"
                        + " vhdx-mount serves through (2 or 3)");
            }
        }
    }
}
