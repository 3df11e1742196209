/**
 * AddRaftVoter (key 80, KIP-853): asks the controller to add a node to the metadata quorum. Pado
 * adds it as a learner first, waits until it has caught up, then promotes it to voter (or leaves
 * it an observer once the quorum has votersMax voters); answered when done or refused.
 * voterDirectoryId is ignored (Pado has one metadata directory per node). Format: schemas/dsl.ts.
 */
export const addRaftVoter = `
api AddRaftVoter key 80 versions 0 flexible 0+
request
  clusterId string nullable
  timeoutMs int32
  voterId int32
  voterDirectoryId uuid
  listeners []Listener
    name string
    host string
    port uint16
response
  throttleTimeMs int32
  errorCode int16
  errorMessage string nullable
`;
