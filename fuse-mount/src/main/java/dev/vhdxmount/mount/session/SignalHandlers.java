package dev.vhdxmount.mount.session;

import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lets SIGINT, SIGTERM and SIGHUP unmount cleanly and end the process normally (status 0), as with sshfs, instead of
 * the JVM's default of running shutdown hooks and exiting with 128 + signal.
 *
 * <p>Uses {@code sun.misc.Signal} from the exported jdk.unsupported module, through reflection only so that javac's
 * "internal proprietary API" warning (which no annotation suppresses) does not clutter the build.
 */
public final class SignalHandlers {
    private static final Logger log = LoggerFactory.getLogger(SignalHandlers.class);
    static final List<String> TERMINATING = List.of("INT", "TERM", "HUP");

    private SignalHandlers() {}

    /**
     * Calls {@code handler} with the signal's name ("SIGTERM") when one of {@code signals} arrives.
     *
     * @return false when handlers cannot be installed here (the JVM then keeps its default behaviour)
     */
    public static boolean install(List<String> signals, Consumer<String> handler) {
        try {
            Class<?> signalClass = Class.forName("sun.misc.Signal");
            Class<?> handlerInterface = Class.forName("sun.misc.SignalHandler");
            Constructor<?> newSignal = signalClass.getConstructor(String.class);
            Method handle = signalClass.getMethod("handle", signalClass, handlerInterface);
            for (String name : signals) {
                Object proxy = Proxy.newProxyInstance(SignalHandlers.class.getClassLoader(),
                        new Class<?>[] {handlerInterface}, (self, method, args) -> switch (method.getName()) {
                            case "handle" -> {
                                handler.accept("SIG" + name);
                                yield null;
                            }
                            case "hashCode" -> System.identityHashCode(self);
                            case "equals" -> self == args[0];
                            default -> "handler for SIG" + name;
                        });
                handle.invoke(null, newSignal.newInstance(name), proxy);
            }
            return true;
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            log.debug("cannot install signal handlers: {}", e.toString());
            return false;
        }
    }
}
