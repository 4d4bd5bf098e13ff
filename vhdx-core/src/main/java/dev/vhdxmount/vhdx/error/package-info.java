/**
 * What can go wrong reading an image, as types a caller can act on: {@link dev.vhdxmount.vhdx.error.VhdxFormatException}
 * (the image breaks the format, with its subtypes) and {@link dev.vhdxmount.vhdx.error.StorageException} (the storage
 * under it failed). A leaf: every other package of the core may throw these, and this one imports none of them.
 */
package dev.vhdxmount.vhdx.error;
