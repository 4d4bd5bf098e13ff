package dev.vhdxmount.vhdx.testkit;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;

/**
 * A test class or method too slow for every {@code mvn test}: multi-GiB images, the fuzz campaign. It carries the
 * JUnit tag {@value #TAG}, which the build leaves out by default (the root pom's {@code surefire.excludedGroups});
 * {@code scripts/test.sh}, and so CI, runs everything.
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@Tag(Slow.TAG)
public @interface Slow {
    String TAG = "slow";
}
