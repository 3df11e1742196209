/**
 * RemoveRaftVoter (key 81, KIP-853): asks the controller to remove a voter from the metadata quorum
 * (one membership change). voterDirectoryId is ignored. Format: schemas/dsl.ts.
 */
export const removeRaftVoter = `
api RemoveRaftVoter key 81 versions 0 flexible 0+
request
  clusterId string nullable
  voterId int32
  voterDirectoryId uuid
response
  throttleTimeMs int32
  errorCode int16
  errorMessage string nullable
`;
