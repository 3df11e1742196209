/** Kafka's topic name rules (org.apache.kafka.common.internals.Topic.validate). */

export const topicNameLengthMax = 249;
const legalTopicName = /^[a-zA-Z0-9._-]+$/;

/** Returns null when `name` is a legal topic name, otherwise what is wrong and what to write. */
export function validateTopicName(name: string): string | null {
  if (name.length === 0) return 'topic name is empty; write e.g. orders';
  if (name === '.' || name === '..') {
    return `topic name '${name}' is not allowed; write e.g. orders`;
  }
  if (name.length > topicNameLengthMax) {
    return `topic name is ${name.length} characters; at most ${topicNameLengthMax} are allowed`;
  }
  if (!legalTopicName.test(name)) {
    return `topic name '${name}' has characters other than ASCII letters, digits, '.', '_' ` +
      `and '-'; write e.g. ${suggestLegalName(name)}`;
  }
  return null;
}

function suggestLegalName(name: string): string {
  const cleaned = name.replace(/[^a-zA-Z0-9._-]/g, '-').slice(0, topicNameLengthMax);
  // Nothing legal left to build on (e.g. all non-ASCII): offer a plain example instead.
  return /^[.-]*$/.test(cleaned) ? 'orders' : cleaned;
}

/**
 * Kafka warns that '.' and '_' collide in metric names; topics differing only there cannot
 * coexist. Returns the collision key to compare against existing topics.
 */
export function topicCollisionKey(name: string): string {
  return name.replace(/\./g, '_');
}
