export {
  nodeConfigDefaults, nodeConfigSchema, logLevels, kafkaKeyAliases, fieldHints,
  defaultHost, defaultListenPort, initialVotersMax,
  type NodeConfig, type AlertsConfig, type RaftVoterAddress, type HostPort, type LogLevel, type FieldHint,
} from './node-config.js';
export {
  loadNodeConfig, resolveNodeConfig, validateNodeConfig, parseConfigFile, parseHostPort,
  envLayer, flagLayer, parseVoters, plainInTheClear,
  type NodeConfigFlags, type ConfigSources, type Environment,
} from './load.js';
export {
  validateTopicConfigs, describeTopicConfig, effectiveTopicConfigs, topicConfigDefs,
  topicConfigDef, topicConfigDefaults, parseTopicConfigValue, formatTopicConfigValue,
  minInsyncReplicasFor, ConfigSource, ConfigType,
  type TopicConfigs, type TopicDefaults, type TopicConfigName, type TopicConfigDef,
  type TopicConfigsResult,
  type ConfigEntry,
} from './topic-config.js';
export { describeBrokerConfig } from './broker-config.js';
export { validateTopicName, topicCollisionKey, topicNameLengthMax } from './topic-name.js';
export { suggest, editDistance } from './suggest.js';
export {
  securityProtocols, securityProtocolIds, saslMechanismNames, sslClientAuths, usesTls, usesSasl,
  interBrokerListener,
  type SecurityProtocol, type SaslMechanismName, type ListenerConfig, type SslConfig,
  type SslClientAuth,
} from './listeners.js';
export { dynamicClusterConfigs, isDynamicClusterConfig, withDynamicConfigs, dynamicConfigProblem } from './dynamic.js';
