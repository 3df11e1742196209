export { KafkaClient, clientApiVersions, pickVersion, type ClientOptions } from './client.js';
export { Connection, clientInFlightMax, type ConnectionOptions } from './connection.js';
export {
  ResourceType, ConfigOperation, OffsetSpec,
  type ConfigResource, type AlterConfigOp, type NewTopic, type FetchPartition, type FetchOptions,
  type OffsetQuery,
} from './requests.js';
export { murmur2, toPositive, partitionForKey, Partitioner } from './partitioner.js';
export { decodeFetchedRecords, type FetchedRecords } from './fetched.js';
