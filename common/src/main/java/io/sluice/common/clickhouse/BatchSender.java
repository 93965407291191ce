package io.sluice.common.clickhouse;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.ToLongFunction;
import org.apache.flink.annotation.Internal;
import org.apache.flink.annotation.VisibleForTesting;
import org.apache.flink.api.common.operators.MailboxExecutor;
import org.apache.flink.util.function.ThrowingRunnable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a sink's batches to ClickHouse on a thread of its own, one at a time and in the order they
 * were handed over, so that a slow or unreachable ClickHouse holds up neither the task's records
 * nor its checkpoint barriers. (Before, retries slept on the task thread: a ClickHouse paused for
 * 60 s stalled every checkpoint for 60 s.)
 *
 * <ul>
 *   <li>A batch is <em>unacknowledged</em> from {@link #submit} until ClickHouse has taken it. The
 *       writer puts the unacknowledged batches into its checkpoint state, so a checkpoint completes
 *       while ClickHouse is away, and a restored writer sends them again (the same rows at the same
 *       versions: harmless if they were written after all).
 *   <li>At most {@code maxPendingRows} rows wait (one batch always may, however large): beyond
 *       that, the task thread yields to its mailbox (timers, cancellation and this sender's
 *       wake-ups still run) until a batch is written. That is the back-pressure of an outage longer
 *       than the buffers. Rows, not batches, are counted: an outage turns every flush interval into
 *       a small batch per table, and counting those would back-pressure within seconds.
 *   <li>A batch that fails for good (see {@link RetryPolicy}) stops the sender: later batches are
 *       not written out of order, and the task thread rethrows the failure at its next call, which
 *       fails the job (its restored writer starts from the checkpointed batches).
 * </ul>
 *
 * @param <B> the batch type
 */
@Internal
public final class BatchSender<B> implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(BatchSender.class);

    /** Writes one batch, retrying transient failures itself; throws when it fails for good. */
    @FunctionalInterface
    public interface Send<B> {
        void send(B batch) throws Exception;
    }

    private final Send<B> send;
    private final java.util.concurrent.Executor executor;
    private final MailboxExecutor mailbox;
    private final ToLongFunction<B> rows;
    private final long maxPendingRows;
    private long pendingRows; // guarded by this
    private final ExecutorService owned;

    private final ArrayDeque<B> unacknowledged = new ArrayDeque<>(); // guarded by this
    private volatile Throwable failure;

    /** A sender with its own daemon thread named {@code name}. */
    public static <B> BatchSender<B> create(
            String name,
            Send<B> send,
            MailboxExecutor mailbox,
            ToLongFunction<B> rows,
            long maxPendingRows) {
        ExecutorService thread =
                Executors.newSingleThreadExecutor(
                        r -> {
                            Thread t = new Thread(r, name);
                            t.setDaemon(true);
                            return t;
                        });
        return new BatchSender<>(send, thread, mailbox, rows, maxPendingRows, thread);
    }

    /**
     * A sender on the given executor (a test's, run by hand), which must run tasks one at a time in
     * submission order.
     */
    public static <B> BatchSender<B> on(
            java.util.concurrent.Executor executor,
            Send<B> send,
            MailboxExecutor mailbox,
            ToLongFunction<B> rows,
            long maxPendingRows) {
        return new BatchSender<>(send, executor, mailbox, rows, maxPendingRows, null);
    }

    /**
     * A mailbox for senders whose caller never waits on it: wake-ups are dropped, a yield is an
     * error (a synchronous sender, or a test that stays below the limit).
     */
    @VisibleForTesting
    static final MailboxExecutor NO_WAITING =
            new MailboxExecutor() {
                @Override
                public void execute(
                        MailOptions options,
                        ThrowingRunnable<? extends Exception> command,
                        String description,
                        Object... args) {
                    // the wake-up of a batch nobody waits for
                }

                @Override
                public void yield() {
                    throw new IllegalStateException("nothing waits on this sender's mailbox");
                }

                @Override
                public boolean tryYield() {
                    return false;
                }

                @Override
                public boolean shouldInterrupt() {
                    return false;
                }
            };

    /**
     * A sender that writes each batch on the calling thread before {@link #submit} returns: the
     * writer's old behaviour, for integration tests that look at ClickHouse right after a write.
     */
    @VisibleForTesting
    public static <B> BatchSender<B> synchronous(Send<B> send) {
        return new BatchSender<>(send, Runnable::run, NO_WAITING, b -> 1, 1, null);
    }

    private BatchSender(
            Send<B> send,
            java.util.concurrent.Executor executor,
            MailboxExecutor mailbox,
            ToLongFunction<B> rows,
            long maxPendingRows,
            ExecutorService owned) {
        if (maxPendingRows < 1) {
            throw new IllegalArgumentException(
                    "maxPendingRows must be 1 or more: " + maxPendingRows);
        }
        this.send = send;
        this.executor = executor;
        this.mailbox = mailbox;
        this.rows = rows;
        this.maxPendingRows = maxPendingRows;
        this.owned = owned;
    }

    /**
     * Hands a batch over, then waits (yielding to the mailbox) while more than {@code
     * maxPendingRows} rows in more than one batch are unacknowledged. Task thread only.
     */
    public void submit(B batch) throws InterruptedException {
        rethrowFailure();
        synchronized (this) {
            unacknowledged.addLast(batch);
            pendingRows += rows.applyAsLong(batch);
        }
        executor.execute(() -> sendOne(batch));
        while (true) {
            rethrowFailure();
            synchronized (this) {
                if (pendingRows <= maxPendingRows || unacknowledged.size() <= 1) {
                    return;
                }
            }
            mailbox.yield();
        }
    }

    /** Waits (yielding to the mailbox) until ClickHouse has taken every batch. */
    public void awaitAllWritten() throws InterruptedException {
        while (true) {
            rethrowFailure();
            if (pending() == 0) {
                return;
            }
            mailbox.yield();
        }
    }

    private void sendOne(B batch) {
        if (failure != null) {
            return; // written after the restart, in order
        }
        try {
            send.send(batch);
            synchronized (this) {
                B first = unacknowledged.pollFirst();
                pendingRows -= rows.applyAsLong(batch);
                if (first != batch) {
                    throw new IllegalStateException("batches acknowledged out of order");
                }
            }
        } catch (Throwable t) {
            failure = t;
        } finally {
            try {
                mailbox.execute(() -> {}, "ClickHouse batch done");
            } catch (RejectedExecutionException closing) {
                // the task is shutting down: nobody waits any more
            }
        }
    }

    /** The batches ClickHouse has not taken yet, oldest first (for the checkpoint). */
    public synchronized List<B> unacknowledged() {
        return new ArrayList<>(unacknowledged);
    }

    /** How many batches ClickHouse has not taken yet. */
    public synchronized int pending() {
        return unacknowledged.size();
    }

    /** Throws the failure that stopped the sender, if any. Task thread only. */
    public void rethrowFailure() {
        Throwable t = failure;
        if (t == null) {
            return;
        }
        if (t instanceof RuntimeException e) {
            throw e;
        }
        if (t instanceof Error e) {
            throw e;
        }
        throw new ClickHouseSinkFailure("writing a batch to ClickHouse failed: " + t, t);
    }

    /** A checked failure of a batch, rethrown on the task thread. */
    public static final class ClickHouseSinkFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        ClickHouseSinkFailure(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** How long {@link #close} lets the batches already handed over land. */
    static final long DRAIN_ON_CLOSE_MS = 10_000;

    /**
     * Stops the sender's thread, after giving the batches already handed over up to 10 s to land: a
     * stop-with-savepoint ends the task right after the savepoint, and users expect ClickHouse to
     * hold what the savepoint covers. What is not written by then is in the last checkpoint or
     * savepoint, and the restored job writes it.
     */
    @Override
    public void close() {
        if (owned == null) {
            return;
        }
        long deadline = System.nanoTime() + DRAIN_ON_CLOSE_MS * 1_000_000;
        try {
            while (failure == null && pending() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(10); // the sender's thread writes; bounded by the deadline
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // cancelled: stop at once
        }
        owned.shutdownNow();
        try {
            if (!owned.awaitTermination(10, TimeUnit.SECONDS)) {
                LOG.warn("The ClickHouse sender thread did not stop within 10 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
