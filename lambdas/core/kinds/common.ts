/** What a kind builder gets besides the input: the issuing school. */
export interface SubjectContext {
  school: { did: string; uai: string; name: string };
}
