package io.sluice.common.clickhouse;

import io.sluice.common.config.SluiceConfig;
import io.sluice.common.config.SluiceOptions;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.SimpleCounter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Inserts {@link ClickHouseBatch batches} on its own thread, one at a time and in the order they
 * were submitted, so the Flink task thread that submits them never waits for ClickHouse and never
 * sleeps between retries.
 *
 * <p><b>Retries.</b> A transient failure ({@link ClickHouseException#retryable()}: no answer,
 * overload, timeouts) is retried on this thread after {@code sink.retry-backoff-ms}, doubling on
 * each retry up to 30 s, at most {@code sink.max-retries} times in a row for one batch. A permanent
 * failure (the server rejected the statement), or a transient one past that bound, stops the
 * inserter: the batch and everything after it stay queued, and the failure is thrown from the next
 * {@link #submit}, {@link #checkError} or wait of the task thread, which fails the job (as Kafka's
 * writer rethrows its producer's callback errors). The restored job inserts the batches again from
 * its checkpoint; inserting twice is harmless.
 *
 * <p><b>State.</b> A batch counts as inserted only once ClickHouse acknowledged it. {@link
 * #unconfirmed()} lists the batches queued or in flight, for the writer's checkpoint state: a
 * checkpoint never depends on ClickHouse being reachable, and no batch is lost in a restore.
 *
 * <p><b>Backpressure.</b> The queued batches hold at most {@code maxQueuedBytes} (at least one
 * batch is always accepted); {@link #submit} blocks while the bound is reached, which slows the job
 * down to what ClickHouse takes instead of filling the heap.
 *
 * <p><b>Statements in order.</b> {@link #call} runs a query (a schema lookup, an ALTER) on this
 * thread after every batch submitted before it has landed, with the same retries, and waits for its
 * answer: the task thread then waits (it does not sleep), which the sinks do only on rare paths,
 * and say where.
 */
public final class AsyncInserter implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AsyncInserter.class);
    static final long MAX_BACKOFF_MS = 30_000;

    /** Inserts one batch, or throws a {@link ClickHouseException}. */
    @FunctionalInterface
    public interface Insert {
        void insert(ClickHouseBatch batch);
    }

    /** {@code sink.max-retries} and {@code sink.retry-backoff-ms}: the one retry rule of Sluice. */
    public record Retry(int maxRetries, long backoffMs) {
        public static Retry of(SluiceConfig config) {
            return new Retry(
                    config.get(SluiceOptions.SINK_MAX_RETRIES),
                    config.get(SluiceOptions.SINK_RETRY_BACKOFF_MS));
        }

        /** The delay before retry number {@code retry} (1-based). */
        long delayMs(int retry) {
            long delay = backoffMs;
            for (int i = 1; i < retry && delay < MAX_BACKOFF_MS; i++) {
                delay *= 2;
            }
            return Math.min(delay, MAX_BACKOFF_MS);
        }
    }

    /** The counters the inserter keeps up to date; use {@link SimpleCounter}s for unused ones. */
    public record Counters(Counter rows, Counter bytes, Counter batches, Counter retries) {
        public static Counters of(MetricGroup group, String rows, String retries) {
            return new Counters(
                    group.counter(rows),
                    new SimpleCounter(),
                    new SimpleCounter(),
                    group.counter(retries));
        }
    }

    private static final class Entry {
        final long seq;
        final ClickHouseBatch batch; // null for a call
        final Supplier<?> call;
        final CompletableFuture<Object> answer;

        Entry(long seq, ClickHouseBatch batch, Supplier<?> call) {
            this.seq = seq;
            this.batch = batch;
            this.call = call;
            this.answer = call == null ? null : new CompletableFuture<>();
        }
    }

    private final String name;
    private final Insert insert;
    private final Retry retry;
    private final long maxQueuedBytes;
    private final Counters counters;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();

    /** Unconfirmed entries in submission order; the head is in flight. */
    private final ArrayDeque<Entry> queue = new ArrayDeque<>();

    private long queuedBytes;
    private int queuedBatches;
    private long nextSeq;
    private volatile RuntimeException failure;
    private volatile boolean closed;
    private volatile long lastInsertMillis;
    private final Thread thread;

    /**
     * @param name names the thread and the log lines (e.g. the sink and subtask)
     * @param maxQueuedBytes the bound of queued bytes above which {@link #submit} waits
     * @param metrics where the gauges {@code sluiceQueuedBytes} and {@code sluiceQueuedBatches} go
     */
    public AsyncInserter(
            String name,
            Insert insert,
            Retry retry,
            long maxQueuedBytes,
            MetricGroup metrics,
            Counters counters) {
        this.name = name;
        this.insert = insert;
        this.retry = retry;
        this.maxQueuedBytes = maxQueuedBytes;
        this.counters = counters;
        metrics.gauge("sluiceQueuedBytes", this::queuedBytes);
        metrics.gauge("sluiceQueuedBatches", this::queuedBatches);
        this.thread = new Thread(this::run, "clickhouse-inserter " + name);
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * Queues a batch and returns at once, unless the queued bytes are at their bound: then it waits
     * until enough has been inserted (backpressure). Returns the batch's ticket for {@link
     * #isInserted}. Throws the failure that stopped the inserter, if any.
     */
    public long submit(ClickHouseBatch batch) throws InterruptedException {
        lock.lock();
        try {
            throwFailure();
            while (queuedBytes > 0 && queuedBytes + batch.bytes() > maxQueuedBytes) {
                changed.await();
                throwFailure();
            }
            Entry e = new Entry(nextSeq++, batch, null);
            queue.addLast(e);
            queuedBytes += batch.bytes();
            queuedBatches++;
            changed.signalAll();
            return e.seq;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Queues the batches a checkpoint held, ahead of anything submitted later, without the bound (a
     * restore after rescaling may bring several writers' queues).
     */
    public void resubmit(Iterable<ClickHouseBatch> batches) {
        lock.lock();
        try {
            throwFailure();
            for (ClickHouseBatch batch : batches) {
                queue.addLast(new Entry(nextSeq++, batch, null));
                queuedBytes += batch.bytes();
                queuedBatches++;
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Runs {@code query} after every batch submitted so far has been inserted, retried like an
     * insert, and waits for its answer. The calling thread waits; see the class comment.
     */
    public <T> T call(Supplier<T> query) throws InterruptedException {
        Entry e;
        lock.lock();
        try {
            throwFailure();
            e = new Entry(nextSeq++, null, query);
            queue.addLast(e);
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        try {
            @SuppressWarnings("unchecked")
            T answer = (T) e.answer.get();
            return answer;
        } catch (ExecutionException ex) {
            if (ex.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException(ex.getCause());
        }
    }

    /** True once the batch of this ticket (and every one before it) is in ClickHouse. */
    public boolean isInserted(long ticket) {
        lock.lock();
        try {
            return queue.isEmpty() ? ticket < nextSeq : ticket < queue.peekFirst().seq;
        } finally {
            lock.unlock();
        }
    }

    /** The failure that stopped the inserter, or null. */
    public RuntimeException failure() {
        return failure;
    }

    /** Throws the failure that stopped the inserter, if any (cheap: called for every row). */
    public void checkError() {
        throwFailure();
    }

    /**
     * Waits until the batch of this ticket is inserted, or throws the failure that stopped the
     * inserter.
     */
    public void awaitInserted(long ticket) throws InterruptedException {
        lock.lock();
        try {
            while (!queue.isEmpty() && queue.peekFirst().seq <= ticket) {
                throwFailure();
                changed.await();
            }
            throwFailure();
        } finally {
            lock.unlock();
        }
    }

    /** Waits until everything submitted so far is inserted (end of input, tests). */
    public void awaitAll() throws InterruptedException {
        long last;
        lock.lock();
        try {
            last = nextSeq - 1;
        } finally {
            lock.unlock();
        }
        awaitInserted(last);
    }

    /** The batches submitted and not yet acknowledged by ClickHouse, in submission order. */
    public List<ClickHouseBatch> unconfirmed() {
        lock.lock();
        try {
            List<ClickHouseBatch> batches = new ArrayList<>(queuedBatches);
            for (Entry e : queue) {
                if (e.batch != null) {
                    batches.add(e.batch);
                }
            }
            return batches;
        } finally {
            lock.unlock();
        }
    }

    public long queuedBytes() {
        lock.lock();
        try {
            return queuedBytes;
        } finally {
            lock.unlock();
        }
    }

    public int queuedBatches() {
        lock.lock();
        try {
            return queuedBatches;
        } finally {
            lock.unlock();
        }
    }

    /** How long the last batch took from its first attempt to ClickHouse's acknowledgement. */
    public long lastInsertMillis() {
        return lastInsertMillis;
    }

    private void throwFailure() {
        if (failure != null) {
            throw failure;
        }
        if (closed) {
            throw new IllegalStateException("the ClickHouse inserter " + name + " is closed");
        }
    }

    private void run() {
        while (true) {
            Entry e;
            lock.lock();
            try {
                while (!closed && queue.isEmpty()) {
                    changed.awaitUninterruptibly();
                }
                if (closed) {
                    return;
                }
                e = queue.peekFirst();
            } finally {
                lock.unlock();
            }
            long start = System.currentTimeMillis();
            Object answer;
            try {
                answer = withRetries(e);
            } catch (InterruptedException ex) {
                return; // closed
            } catch (RuntimeException ex) {
                if (e.batch == null) {
                    done(e);
                    e.answer.completeExceptionally(ex);
                    continue;
                }
                stop(e, ex);
                return;
            }
            done(e);
            if (e.batch != null) {
                lastInsertMillis = System.currentTimeMillis() - start;
                counters.rows().inc(e.batch.rows());
                counters.bytes().inc(e.batch.bytes());
                counters.batches().inc();
                LOG.debug(
                        "{}: inserted {} rows ({} bytes) into {} in {} ms",
                        name,
                        e.batch.rows(),
                        e.batch.bytes(),
                        e.batch.table(),
                        lastInsertMillis);
            } else {
                e.answer.complete(answer);
            }
        }
    }

    private void done(Entry e) {
        lock.lock();
        try {
            queue.removeFirst();
            if (e.batch != null) {
                queuedBytes -= e.batch.bytes();
                queuedBatches--;
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** A batch failed for good: keep it and everything after it, fail every waiting call. */
    private void stop(Entry e, RuntimeException ex) {
        LOG.error(
                "{}: giving up on {} rows for {}; the job fails and its restore inserts them again",
                name,
                e.batch.rows(),
                e.batch.table(),
                ex);
        lock.lock();
        try {
            failure = ex;
            for (Entry waiting : queue) {
                if (waiting.answer != null) {
                    waiting.answer.completeExceptionally(ex);
                }
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private Object withRetries(Entry e) throws InterruptedException {
        for (int attempt = 0; ; attempt++) {
            try {
                if (e.batch != null) {
                    insert.insert(e.batch);
                    return null;
                }
                return e.call.get();
            } catch (ClickHouseException ex) {
                if (!ex.retryable() || attempt >= retry.maxRetries()) {
                    throw ex;
                }
                long delay = retry.delayMs(attempt + 1);
                counters.retries().inc();
                LOG.warn(
                        "{}: {} failed (attempt {} of {}), retrying in {} ms: {}",
                        name,
                        e.batch != null ? "insert into " + e.batch.table() : "query",
                        attempt + 1,
                        retry.maxRetries() + 1,
                        delay,
                        ex.getMessage());
                pause(delay);
            }
        }
    }

    /** Waits on this thread before a retry; {@link #close} ends the wait. */
    private void pause(long millis) throws InterruptedException {
        lock.lock();
        try {
            long nanos = TimeUnit.MILLISECONDS.toNanos(millis);
            while (!closed && nanos > 0) {
                nanos = changed.awaitNanos(nanos);
            }
            if (closed) {
                throw new InterruptedException("closed");
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Stops the thread without waiting for the queue: what is not inserted yet is in the last
     * checkpoint's state, or is replayed from the source.
     */
    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            RuntimeException closedError =
                    new IllegalStateException("the ClickHouse inserter " + name + " was closed");
            for (Entry waiting : queue) {
                if (waiting.answer != null) {
                    waiting.answer.completeExceptionally(closedError);
                }
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        thread.interrupt();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            LOG.warn("{}: the inserter thread is still in a request after 10 s", name);
        }
    }
}
