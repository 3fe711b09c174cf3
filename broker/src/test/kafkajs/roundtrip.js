// kafkajs against a sluice broker: creates a topic, produces keyed records with headers (gzip, idempotent), reads
// them back in a consumer group that commits, and prints one JSON line per record read. Run by KafkajsIT:
//   node roundtrip.js HOST:PORT TOPIC GROUP COUNT
const { Kafka, CompressionTypes, logLevel } = require('kafkajs');

const [bootstrap, topic, group, countArg] = process.argv.slice(2);
const count = Number(countArg);
const kafka = new Kafka({ clientId: 'kafkajs-test', brokers: [bootstrap], logLevel: logLevel.ERROR });

async function main() {
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
  const described = await admin.fetchTopicMetadata({ topics: [topic] });
  console.error(`partitions: ${described.topics[0].partitions.length}`);
  await admin.disconnect();

  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const messages = [];
  for (let i = 0; i < count; i++) {
    messages.push({ key: `key-${i % 7}`, value: `value-${i}`, headers: { n: `${i}` } });
  }
  await producer.send({ topic, compression: CompressionTypes.GZIP, messages: messages.slice(0, count / 2) });
  await producer.send({ topic, messages: messages.slice(count / 2) });
  await producer.disconnect();

  const consumer = kafka.consumer({ groupId: group, sessionTimeout: 10000, heartbeatInterval: 500 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let seen = 0;
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`only ${seen} of ${count} records within 30 s`)), 30000);
    consumer.run({
      autoCommitInterval: 100,
      eachMessage: async ({ partition, message }) => {
        console.log(JSON.stringify({ partition, offset: message.offset, key: message.key.toString(),
          value: message.value.toString(), n: message.headers.n.toString() }));
        if (++seen === count) {
          clearTimeout(timer);
          resolve();
        }
      },
    }).catch(reject);
  });
  await consumer.commitOffsets([]); // what autoCommit has not sent yet goes on disconnect
  await consumer.disconnect();
}

main().then(() => process.exit(0), (e) => {
  console.error(e);
  process.exit(1);
});
