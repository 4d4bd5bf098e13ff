package dev.vhdxmount.mount.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.spi.ContextAwareBase;
import ch.qos.logback.core.status.NopStatusListener;

/**
 * Logback's configuration until {@link Logging#configure} replaces it from the command line (and for code that runs
 * before that): warnings and errors on stderr, one line each.
 *
 * <p>Logback finds it as a service (META-INF/services) before it looks for a logback.xml. It replaces the logback.xml
 * that said the same: parsing that XML (Joran, Xerces) cost every JVM about 0.1-0.2 s of start-up, and a background
 * mount starts two JVMs (docs/benchmarks.md). A logback-test.xml on the class path (the tests') or
 * {@code -Dlogback.configurationFile} still wins.
 */
public final class LogbackDefaults extends ContextAwareBase implements Configurator {
    static final String PATTERN = "%-5level %logger{0}: %msg%n";

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        if (System.getProperty("logback.configurationFile") != null
                || LogbackDefaults.class.getClassLoader().getResource("logback-test.xml") != null) {
            return ExecutionStatus.INVOKE_NEXT_IF_ANY;
        }
        NopStatusListener quiet = new NopStatusListener();
        context.getStatusManager().add(quiet);
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.WARN);
        ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
        console.setTarget("System.err");
        Logging.start(context, console, PATTERN);
        root.addAppender(console);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }
}
