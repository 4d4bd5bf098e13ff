package dev.vhdxmount.mount.fuse;

/**
 * A FUSE library that loads but that vhdx-mount cannot speak to: a libfuse 3 release whose structure layouts it does
 * not know. Unlike a missing library, installing it again does not help; another binding, or another vhdx-mount,
 * does.
 */
public final class UnsupportedLibfuse extends Exception {
    private static final long serialVersionUID = 1L;

    public UnsupportedLibfuse(String message) {
        super(message);
    }
}
