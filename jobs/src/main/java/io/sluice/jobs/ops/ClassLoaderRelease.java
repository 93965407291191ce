package io.sluice.jobs.ops;

import java.sql.Driver;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Collections;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.cdc.connectors.base.relational.connection.JdbcConnectionPools;
import org.apache.flink.cdc.connectors.postgres.source.PostgresConnectionPoolFactory;
import org.apache.flink.util.FlinkUserCodeClassLoader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lets a TaskManager unload the job's classes when the job ends. On a session cluster every
 * submission loads the jar in a new class loader; whatever a static field or a live thread outside
 * that loader still holds keeps all of its classes in metaspace. Measured: stop-with-savepoint /
 * restore cycles of the analytics job ran a 2 GB TaskManager out of metaspace after about ten
 * submissions. Two such holders are ours to release: the JDBC drivers the job's jar registers with
 * {@link DriverManager} (a JDK class), and Flink CDC's connection pools (a static map whose Hikari
 * pools keep a housekeeping thread), which Flink CDC 3.5 never closes on the TaskManager.
 */
public final class ClassLoaderRelease {
    private static final Logger LOG = LoggerFactory.getLogger(ClassLoaderRelease.class);

    private ClassLoaderRelease() {}

    /** Registers the release once per class loader (Flink runs it when the loader is dropped). */
    public static void register(RuntimeContext context) {
        // Only when the job's jar has a class loader of its own (a session cluster). On a local
        // MiniCluster (./sluice run, the tests) the classes come from the application's class
        // path: the driver and the pools are the whole JVM's, and the JVM ends with the job.
        if (ClassLoaderRelease.class.getClassLoader() instanceof FlinkUserCodeClassLoader) {
            context.registerUserCodeClassLoaderReleaseHookIfAbsent(
                    "sluice-release-class-loader", ClassLoaderRelease::release);
        }
    }

    static void release() {
        ClassLoader ours = ClassLoaderRelease.class.getClassLoader();
        // Only this job's own copy of the pools: where Flink CDC comes from a parent class loader
        // (its jar in the cluster's lib/, or the benchmark's class path, as "org.apache.flink."
        // classes load parent-first), the pools are every job's, and clearing them would pull the
        // pool factory from under a job still running (its enumerator then fails with "unknown
        // pool factory identifier", seen in a benchmark run).
        if (JdbcConnectionPools.class.getClassLoader() == ours) {
            try {
                JdbcConnectionPools.getInstance(new PostgresConnectionPoolFactory()).clear();
            } catch (Exception | LinkageError e) {
                LOG.warn("Could not close Flink CDC's connection pools: {}", e.toString());
            }
        }
        for (Driver d : Collections.list(DriverManager.getDrivers())) {
            if (d.getClass().getClassLoader() == ours) {
                try {
                    DriverManager.deregisterDriver(d);
                } catch (SQLException e) {
                    LOG.warn("Could not deregister the JDBC driver {}: {}", d, e.toString());
                }
            }
        }
    }
}
