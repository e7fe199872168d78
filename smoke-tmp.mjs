import { startApacheKafka } from './dist-test/test/e2e/support/apache-kafka.js';
import { startBroker } from './dist-test/test/e2e/harness.js';
import { Admin, Producer, Consumer, stringDeserializers } from '@platformatic/kafka';
const kafka = await startApacheKafka({ version: '3.9', heapMb: 512 });
console.log('kafka', kafka.bootstrap);
let blink;
try {
  blink = await startBroker({ env: { UPLINK_BOOTSTRAP_SERVERS: kafka.bootstrap, UPLINK_TOPICS: 'orders.*', LOG_LEVEL: 'info', STORAGE_MODE: 'durable' } });
  const producer = new Producer({ clientId: 'p', bootstrapBrokers: [blink.bootstrap], autocreateTopics: true });
  for (let i = 0; i < 5; i++) {
    await producer.send({ messages: Array.from({ length: 10 }, (_, j) => ({ topic: 'orders-a', key: Buffer.from(`k${i}-${j}`), value: Buffer.from(`v${i}-${j}`), headers: new Map([[Buffer.from('h'), Buffer.from('x')]]) })), compression: i % 2 ? 'gzip' : 'none' });
  }
  await producer.close();
  for (let t = 0; t < 50; t++) {
    const st = await (await fetch(`${blink.restUrl}/api/v1/uplink`)).json();
    if (t % 10 === 0 || st.lagRecords === 0) console.log(JSON.stringify({ state: st.state, lag: st.lagRecords, parts: st.partitionDetails, err: st.lastRemoteError }));
    if (st.state === 'caught-up' && st.partitions > 0) break;
    await new Promise(r => setTimeout(r, 200));
  }
  const admin = new Admin({ clientId: 'a', bootstrapBrokers: [kafka.bootstrap] });
  const lo = await admin.listOffsets({ topics: [{ name: 'orders-a', partitions: [{ partitionIndex: 0, timestamp: -1n }] }] });
  console.log('remote end', lo[0].partitions[0].offset);
  await admin.close();
  const cut = await fetch(`${blink.restUrl}/api/v1/uplink/cutover`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ waitMs: 5000 }) });
  console.log('cutover', cut.status, JSON.stringify((await cut.json()).cutover));
} catch (e) { console.error(e); } finally {
  if (blink) { console.log(blink.stdout().slice(-3000)); console.log(blink.stderr().slice(-2000)); await blink.stop(); }
  await kafka.stop();
}
