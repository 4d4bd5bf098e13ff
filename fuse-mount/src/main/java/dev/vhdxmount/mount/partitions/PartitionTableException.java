package dev.vhdxmount.mount.partitions;

/** A partition table or file-system structure that breaks a rule: what, where, expected vs found. */
final class PartitionTableException extends Exception {
    private static final long serialVersionUID = 1L;

    PartitionTableException(String message) {
        super(message);
    }
}
