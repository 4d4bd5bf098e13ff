package dev.vhdxmount.mount;

import java.util.Arrays;

import dev.vhdxmount.mount.cli.InfoCommand;
import dev.vhdxmount.mount.cli.MountCommand;

/**
 * Entry point of the runnable jar: {@code java -jar vhdx-mount.jar [vhdx-mount | vhdx-info] ARGS...}. The launchers
 * scripts/vhdx-mount and scripts/vhdx-info pass their own name first; without a program name it is vhdx-mount.
 */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs a command in this JVM and returns its exit status (main exits with it). */
    public static int run(String... args) {
        if (args.length > 0 && args[0].equals(InfoCommand.PROGRAM)) {
            return InfoCommand.run(Arrays.copyOfRange(args, 1, args.length));
        }
        if (args.length > 0 && args[0].equals(MountCommand.PROGRAM)) {
            return MountCommand.run(Arrays.copyOfRange(args, 1, args.length));
        }
        return MountCommand.run(args);
    }
}
