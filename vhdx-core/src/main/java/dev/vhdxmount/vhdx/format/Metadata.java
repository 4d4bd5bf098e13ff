package dev.vhdxmount.vhdx.format;

import java.util.Optional;
import java.util.UUID;

/** What the metadata region says about the virtual disk (MS-VHDX §2.6.2), validated and cross-checked. */
public record Metadata(
        FileParameters fileParameters,
        long virtualDiskSize,
        UUID page83Data,
        int logicalSectorSize,
        int physicalSectorSize,
        Optional<ParentLocator> parentLocator) {
}
