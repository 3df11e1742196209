/**
 * Which address of a broker a client is told (issue 15): the endpoint of the listener the client
 * came in on, as Kafka answers (a client of the SASL_SSL listener must be sent to the other
 * brokers' SASL_SSL listeners, not to their inter-broker ones). A broker registered with one
 * listener has only host:port, which every listener then names. A broker without the client's
 * listener is left out of Metadata and DescribeCluster, like Kafka.
 */
import type { BrokerImage } from '../metadata/index.js';
import type { RequestContext } from './handler.js';

export function endpointFor(broker: BrokerImage, ctx: RequestContext):
  { host: string; port: number } | undefined {
  const name = ctx.session?.security.listenerName;
  if (broker.endpoints.length === 0 || name === undefined) return broker;
  return broker.endpoints.find((e) => e.name === name);
}
