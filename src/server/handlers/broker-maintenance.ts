/**
 * AlterBrokerMaintenance (key 1010) and DescribeBrokerMaintenance (key 1011), Pado's private
 * range (issue 16: `pado cluster maintenance enable|disable|status`; see
 * schemas/alter-broker-maintenance.ts).
 * Alter is decided by controller/maintenance.ts and forwarded to the controller: enabling writes
 * the maintenance record and moves the broker's leaderships in the same commit; disabling gives
 * the broker back the partitions it is the preferred leader of. A broker named twice gets
 * INVALID_REQUEST for both entries. Describe answers from this node's image.
 */
import { maintenanceStatus, setMaintenance } from '../../controller/index.js';
import { applyRecords, type MetadataRecord } from '../../metadata/index.js';
import {
  KafkaError,
  type AlterBrokerMaintenanceRequest, type AlterBrokerMaintenanceResponse,
  type DescribeBrokerMaintenanceRequest, type DescribeBrokerMaintenanceResponse,
} from '../../protocol/index.js';
import type { Broker } from '../broker.js';
import type { Handler } from '../handler.js';

export function alterBrokerMaintenanceHandler(
  broker: Broker,
): Handler<AlterBrokerMaintenanceRequest, AlterBrokerMaintenanceResponse> {
  return {
    apiKey: 1010,
    minVersion: 0,
    maxVersion: 0,
    async handle(_ctx, req) {
      const ids = req.brokers.map((b) => b.brokerId);
      const repeated = new Set(ids.filter((id, i) => ids.indexOf(id) !== i));
      const results = await broker.propose((image) => {
        let scratch = image;
        const records: MetadataRecord[] = [];
        const result = req.brokers.map((b) => {
          if (repeated.has(b.brokerId)) {
            return { brokerId: b.brokerId, errorCode: KafkaError.invalidRequest.code,
              errorMessage: `broker ${b.brokerId} appears more than once` };
          }
          // Each change decides on the image the ones before leave (a drain sees the others).
          const decided = setMaintenance(scratch, b.brokerId, b.enabled);
          scratch = applyRecords(scratch, decided.records);
          records.push(...decided.records);
          return { brokerId: b.brokerId, ...decided.outcome };
        });
        const verb = req.brokers.every((b) => b.enabled) ? 'enabled' : 'changed';
        return { records, result, cause: `maintenance mode ${verb} (pado cluster maintenance)` };
      });
      return { throttleTimeMs: 0, results };
    },
  };
}

export function describeBrokerMaintenanceHandler(
  broker: Broker,
): Handler<DescribeBrokerMaintenanceRequest, DescribeBrokerMaintenanceResponse> {
  return {
    apiKey: 1011,
    minVersion: 0,
    maxVersion: 0,
    handle() {
      return Promise.resolve({ throttleTimeMs: 0, errorCode: 0, errorMessage: null,
        brokers: maintenanceStatus(broker.image()).map((s) => ({ ...s })) });
    },
  };
}
