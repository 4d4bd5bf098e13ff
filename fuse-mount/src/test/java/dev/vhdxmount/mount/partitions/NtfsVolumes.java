package dev.vhdxmount.mount.partitions;

/** Hand-built NTFS volumes for the tests of other packages (the mount's advice): those of {@link NtfsVolumeTest}. */
public final class NtfsVolumes {
    private NtfsVolumes() {}

    /** A 1 MiB NTFS volume, marked dirty and/or with a hiberfil.sys that begins "hibr", as asked. */
    public static byte[] volume(boolean dirty, boolean hibernated) {
        NtfsVolumeTest.Volume v = NtfsVolumeTest.volume();
        v.volumeFlags = dirty ? 0x0001 : 0;
        v.hiberfileIndex = hibernated ? "root" : "none";
        return v.build().bytes;
    }
}
