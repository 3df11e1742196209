/**
 * DescribeCluster (key 60), v0–v1 (KIP-700): cluster id, the controller and the brokers.
 * endpointType (v1) 1 = brokers is the only kind we serve; 2 (controllers) gets
 * UNSUPPORTED_ENDPOINT_TYPE since controllers are not separate processes in Pado.
 */
import {
  KafkaError,
  type DescribeClusterRequest,
  type DescribeClusterResponse,
} from '../../protocol/index.js';
import { liveBrokers } from '../../metadata/index.js';
import type { Broker } from '../broker.js';
import type { Handler } from '../handler.js';
import { endpointFor } from '../endpoints.js';

export function describeClusterHandler(broker: Broker): Handler<DescribeClusterRequest, DescribeClusterResponse> {
  return {
    apiKey: 60,
    minVersion: 0,
    maxVersion: 1,
    handle(ctx, req) {
      const image = broker.image();
      const base = {
        throttleTimeMs: 0,
        errorCode: 0,
        errorMessage: null,
        endpointType: req.endpointType,
        clusterId: image.clusterId,
        controllerId: broker.controllerId(),
        brokers: [] as DescribeClusterResponse['brokers'],
        clusterAuthorizedOperations: -2147483648,
      };
      if (req.endpointType !== 1) {
        return {
          ...base,
          errorCode: KafkaError.unsupportedEndpointType.code,
          errorMessage: 'Pado brokers are also its controllers; ask for endpoint type 1 (brokers)',
        };
      }
      const brokers = liveBrokers(image).flatMap((b) => {
        const at = endpointFor(b, ctx);
        return at === undefined ? [] : [{ brokerId: b.brokerId, host: at.host, port: at.port,
          rack: b.rack }];
      });
      return { ...base, brokers };
    },
  };
}
