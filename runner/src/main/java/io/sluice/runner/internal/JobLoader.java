package io.sluice.runner.internal;

import io.sluice.engine.StreamJob;
import io.sluice.engine.Topology;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** Finds a job class — on the classpath or in a jar — and asks it for its topology. */
public final class JobLoader {
    private JobLoader() {
    }

    /**
     * The topology of {@code className}: a {@link StreamJob}, given {@code settings}, or a class with a public static
     * {@code Topology topology()} method.
     */
    public static Topology topology(String className, Path jar, Map<String, String> settings) {
        Class<?> type = load(className, jar);
        if (StreamJob.class.isAssignableFrom(type)) {
            StreamJob job;
            try {
                job = (StreamJob) type.getConstructor().newInstance();
            } catch (NoSuchMethodException e) {
                throw new IllegalArgumentException("Job class " + className
                        + " needs a public no-argument constructor");
            } catch (InvocationTargetException e) {
                throw failedIn(className, e.getCause());
            } catch (ReflectiveOperationException e) {
                throw new IllegalArgumentException("Cannot create job " + className + ": " + e);
            }
            try {
                return nonNull(job.topology(settings), className);
            } catch (RuntimeException e) {
                throw failedIn(className, e);
            }
        }
        try {
            Method method = type.getMethod("topology");
            if (Modifier.isStatic(method.getModifiers()) && Topology.class.isAssignableFrom(method.getReturnType())) {
                if (!settings.isEmpty()) {
                    throw new IllegalArgumentException("Job " + className + " takes no settings (app.* keys): "
                            + "implement StreamJob to receive them");
                }
                return nonNull((Topology) method.invoke(null), className);
            }
        } catch (NoSuchMethodException e) {
            // not this shape either: said below
        } catch (InvocationTargetException e) {
            throw failedIn(className, e.getCause());
        } catch (IllegalAccessException e) {
            throw new IllegalArgumentException("Cannot call " + className + ".topology(): " + e.getMessage());
        }
        throw new IllegalArgumentException(className + " is not a job: implement " + StreamJob.class.getName()
                + " or give it a public static Topology topology() method");
    }

    private static Class<?> load(String className, Path jar) {
        ClassLoader loader = JobLoader.class.getClassLoader();
        if (jar != null) {
            if (!Files.isRegularFile(jar)) {
                throw new IllegalArgumentException("Job jar not found: " + jar);
            }
            try {
                loader = new URLClassLoader(new URL[] {jar.toUri().toURL()}, loader);
            } catch (MalformedURLException e) {
                throw new IllegalArgumentException("Bad jar path: " + jar);
            }
        }
        try {
            return Class.forName(className, true, loader);
        } catch (ClassNotFoundException e) {
            throw new IllegalArgumentException("Job class not found: " + className
                    + (jar == null ? " (not on the classpath; give its jar with --jar)" : " (not in " + jar + ")"));
        } catch (LinkageError e) {
            throw new IllegalArgumentException("Job class " + className + " cannot be loaded: " + e);
        }
    }

    private static Topology nonNull(Topology topology, String className) {
        if (topology == null) {
            throw new IllegalArgumentException("Job " + className + " returned no topology");
        }
        return topology;
    }

    private static IllegalArgumentException failedIn(String className, Throwable cause) {
        IllegalArgumentException e = new IllegalArgumentException("Job " + className
                + " failed to build its topology: " + cause);
        e.initCause(cause);
        return e;
    }
}
