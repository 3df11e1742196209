/** Kafka error codes with a next step: shared with the web console, so they live in client/. */
export {
  checkBrokerError, describeBrokerError, type ErrorContext,
} from '../client/index.js';
