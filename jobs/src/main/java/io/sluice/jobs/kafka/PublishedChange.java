package io.sluice.jobs.kafka;

/**
 * One message of the publish mode: its topic, its key and value as Kafka Connect JSON ({@code value
 * == null}: a tombstone), and whether the change lies in the snapshot's catch-up. A Flink POJO.
 */
public class PublishedChange {
    public String topic;
    public byte[] key;
    public byte[] value;
    public boolean catchUp;

    public PublishedChange() {}

    public PublishedChange(String topic, byte[] key, byte[] value, boolean catchUp) {
        this.topic = topic;
        this.key = key;
        this.value = value;
        this.catchUp = catchUp;
    }
}
