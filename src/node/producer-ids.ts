/**
 * Producer ids for InitProducerId on every broker (KIP-730): ids come from a block the active
 * controller committed to the metadata log before granting it, so an id is never handed out twice
 * — not by two brokers, and not after a restart (the rest of an unused block is skipped: a restart
 * always asks for a new one). A broker asks for its next block only when the current one is used
 * up; concurrent requests then share the one allocation in flight. The controller is asked
 * directly when this node is the controller, else over the network (RemoteController).
 */
import { KafkaError } from '../protocol/index.js';
import type { ProducerIdBlockOutcome, ProducerIdSource } from '../server/index.js';

/** Whoever grants blocks: ControllerDuties (local) or RemoteController. Never rejects. */
export interface ProducerIdAllocator {
  allocateProducerIds(brokerId: number, brokerEpoch: number): Promise<ProducerIdBlockOutcome>;
}

export interface ProducerIdBlocksOptions {
  readonly nodeId: number;
  /** This broker's registration epoch (-1 while unregistered). */
  readonly brokerEpoch: () => number;
  readonly isController: () => boolean;
  readonly local: ProducerIdAllocator;
  readonly remote: ProducerIdAllocator;
}

/**
 * Allocation rounds one request may wait for: a fresh block of 1000 ids can be drained by other
 * waiters before this one's turn, and a failed allocation is not retried here (the client retries).
 */
const allocationRoundsMax = 3;
const unavailable = { errorCode: KafkaError.coordinatorLoadInProgress.code, producerId: -1 };

export class ProducerIdBlocks implements ProducerIdSource {
  private readonly o: ProducerIdBlocksOptions;
  /** Invariant: next ≤ end; ids next … end - 1 are committed to this broker and unused. */
  private next = 0;
  private end = 0;
  private allocating: Promise<boolean> | null = null;

  constructor(options: ProducerIdBlocksOptions) {
    this.o = options;
  }

  async nextProducerId(): Promise<{ errorCode: number; producerId: number }> {
    for (let round = 0; round <= allocationRoundsMax; round++) {
      if (this.next < this.end) return { errorCode: 0, producerId: this.next++ };
      if (round === allocationRoundsMax) break;
      this.allocating ??= this.allocate().finally(() => {
        this.allocating = null;
      });
      if (!await this.allocating) return unavailable;
    }
    return unavailable;
  }

  /** Asks for the next block; true once it is here. */
  private async allocate(): Promise<boolean> {
    const controller = this.o.isController() ? this.o.local : this.o.remote;
    const block = await controller.allocateProducerIds(this.o.nodeId, this.o.brokerEpoch());
    if (block.errorCode !== 0 || block.count <= 0) return false;
    // Blocks only move forward (the controller's nextProducerId never goes back).
    this.next = block.firstProducerId;
    this.end = block.firstProducerId + block.count;
    return true;
  }
}
