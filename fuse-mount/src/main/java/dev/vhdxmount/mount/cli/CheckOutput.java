package dev.vhdxmount.mount.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import dev.vhdxmount.vhdx.check.CheckReport;
import dev.vhdxmount.vhdx.check.Finding;
import dev.vhdxmount.vhdx.check.Severity;

/**
 * How {@code vhdx-info --check} shows the core's {@link CheckReport}: a verdict, its exit status, and one line per
 * finding (the parent chain's under their file), or the same as a JSON tree.
 */
final class CheckOutput {
    private CheckOutput() {}

    /** {@link ExitCode#OK} for an image with notes at most, else the status for its worst finding. */
    static int exitCode(CheckReport report) {
        Severity worst = report.worst().orElse(Severity.NOTE);
        return switch (worst) {
            case NOTE -> ExitCode.OK;
            case WARNING -> ExitCode.CHECK_WARNINGS;
            case ERROR -> ExitCode.CHECK_ERRORS;
        };
    }

    static String verdict(CheckReport report) {
        return switch (exitCode(report)) {
            case ExitCode.OK -> "clean";
            case ExitCode.CHECK_WARNINGS -> "warnings";
            default -> "errors";
        };
    }

    private static String counts(CheckReport r) {
        return plural(r.count(Severity.ERROR), "error") + ", " + plural(r.count(Severity.WARNING), "warning") + ", "
                + plural(r.count(Severity.NOTE), "note");
    }

    private static String plural(long n, String word) {
        return n + " " + word + (n == 1 ? "" : "s");
    }

    static void printText(PrintWriter out, CheckReport r) {
        out.println("check: " + verdict(r) + " (" + counts(r) + "; " + ImageReport.humanSize(r.bytesRead())
                + " of structures and unreferenced space read)");
        Path file = r.image();
        for (Finding f : r.findings()) {
            if (!f.file().equals(file)) {
                file = f.file();
                out.println("in the parent " + Logging.show(file) + ":");
            }
            out.println("  " + String.format(Locale.ROOT, "%-7s", f.severity()) + " " + f.kind().id() + ": "
                    + f.message());
        }
        out.println("exit status " + exitCode(r) + " (" + verdict(r) + ")");
    }

    static Map<String, Object> tree(CheckReport r) {
        Map<String, Object> check = new LinkedHashMap<>();
        check.put("verdict", verdict(r));
        check.put("exit_status", exitCode(r));
        check.put("errors", r.count(Severity.ERROR));
        check.put("warnings", r.count(Severity.WARNING));
        check.put("notes", r.count(Severity.NOTE));
        check.put("bytes_read", r.bytesRead());
        List<Object> findings = new ArrayList<>();
        for (Finding f : r.findings()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("severity", f.severity().name().toLowerCase(Locale.ROOT));
            m.put("kind", f.kind().id());
            m.put("file", Logging.show(f.file()));
            m.put("structure", f.structure());
            m.put("file_offset", f.fileOffset() < 0 ? null : "0x" + Long.toHexString(f.fileOffset()));
            m.put("expected", f.expected());
            m.put("found", f.found());
            m.put("detail", f.detail());
            m.put("message", f.message());
            findings.add(m);
        }
        check.put("findings", findings);
        return check;
    }
}
