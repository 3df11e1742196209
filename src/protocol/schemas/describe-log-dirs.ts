/** DescribeLogDirs (key 35): see the Kafka protocol guide. Format: schemas/dsl.ts. */
export const describeLogDirs = `
api DescribeLogDirs key 35 versions 0-4 flexible 2+
request
  topics []DescribableLogDirTopic nullable
    topic string
    partitions []int32
response
  throttleTimeMs int32
  errorCode int16 v3+
  results []DescribeLogDirsResult
    errorCode int16
    logDir string
    topics []DescribeLogDirsTopic
      name string
      partitions []DescribeLogDirsPartition
        partitionIndex int32
        partitionSize int64
        offsetLag int64
        isFutureKey bool
    totalBytes int64 v4+ default -1
    usableBytes int64 v4+ default -1
`;
